# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.routing_facts against the real kernel, compared with what `ip -j` reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest

from .conftest import run_module, sh

BUILTIN_TABLES = {'main': 254, 'local': 255, 'default': 253}


def facts(args, **kwargs):
    res = run_module('routing_facts', args, **kwargs)
    assert res['rc'] == 0, res
    assert res['changed'] is False
    return res['ansible_facts']['multinic_routing']


def ip_table(value, names=None):
    """`ip -j` table field (absent for main, a name or a number as text) -> number."""
    if value is None:
        return 254
    known = dict(BUILTIN_TABLES)
    known.update(names or {})
    return known[value] if value in known else int(value)


def ip_dest(route, family):
    dst = route['dst']
    if dst != 'default' and '/' not in dst:
        dst = '%s/%d' % (dst, 32 if family == 4 else 128)
    return dst


def ip_routes(ns, table='all'):
    """Every route `ip -j route show table TABLE` lists, both families, as comparable tuples."""
    # `ip` leaves the table out for main, and for every route when one table is asked for
    implied = 254 if table == 'all' else ip_table(table)
    found = set()
    for family in (4, 6):
        argv = ['ip', '-n', ns.name, '-j', '-%d' % family, 'route', 'show', 'table', table]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
        if proc.returncode != 0:
            # a table the kernel has not created for this family: `ip` fails, it is empty
            assert 'table does not exist' in proc.stderr, proc.stderr
            continue
        for r in json.loads(proc.stdout or '[]'):
            found.add((family, ip_table(r['table']) if 'table' in r else implied, ip_dest(r, family),
                       r.get('type', 'unicast'), r.get('dev'), r.get('gateway'), r.get('metric', 0)))
    return found


def module_routes(routes):
    return set((r['family'], r['table'], r['dest'], r['type'], r['dev'], r['gateway'], r['metric'])
               for r in routes)


def ip_rules(ns):
    found = set()
    for family in (4, 6):
        for r in ns.ip('-%d' % family, 'rule', 'show'):
            src = r['src']
            if src != 'all':
                src = '%s/%d' % (src, r.get('srclen', 32 if family == 4 else 128))
            else:
                src = None
            found.add((family, r['priority'], src, ip_table(r.get('table')) if 'table' in r else None,
                       r.get('fwmark')))
    return found


def module_rules(rules):
    return set((r['family'], r['priority'], r['from'], r['table'],
                None if r['fwmark'] is None else '%#x' % r['fwmark']) for r in rules)


def kernel_state(ns):
    return (ns.ip('link', 'show'), ns.ip('addr', 'show'), ip_routes(ns), ip_rules(ns))


def populate(ns):
    """Routes in a named table (100 = data) and in main, rules, and a link that is down."""
    ns.run('link', 'add', 'vx0', 'type', 'veth', 'peer', 'name', 'vx1')
    ns.run('link', 'set', 'vx0', 'mtu', '1400')
    ns.run('route', 'add', 'default', 'via', '10.0.1.254', 'dev', 'veth1', 'table', '100')
    ns.run('route', 'add', '10.240.128.0/24', 'via', '10.0.1.254', 'dev', 'veth1', 'table', '100')
    ns.run('-6', 'route', 'add', 'default', 'via', '2001:db8:1::fe', 'dev', 'veth1', 'table', '100')
    ns.run('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'veth0')
    ns.run('route', 'add', 'blackhole', '198.51.100.0/24', 'proto', 'static')
    ns.run('route', 'add', '192.0.2.0/24', 'via', '10.0.0.253', 'dev', 'veth0', 'table', '70000')
    ns.run('rule', 'add', 'from', '10.0.1.1', 'table', '100', 'priority', '100')
    ns.run('rule', 'add', 'fwmark', '0x10', 'table', '70000', 'priority', '110')
    ns.run('-6', 'rule', 'add', 'from', '2001:db8:1::/64', 'table', '100', 'priority', '100')
    ns.settle()


def test_reads_what_ip_reads(ns, private_iproute2):
    etc, wrap = private_iproute2
    with open(os.path.join(etc, 'rt_tables.d', 'test.conf'), 'w') as handle:
        handle.write('100 data\n')
    populate(ns)
    before = kernel_state(ns)
    got = facts({'netns': [ns.name]}, wrap=wrap)
    assert set(got['netns']) == {ns.name}
    mine = got['netns'][ns.name]
    assert set(mine) == {'links', 'addresses', 'routes', 'rules'}
    assert ns.name in got['namespaces']
    assert got['table_names']['data'] == 100 and got['table_names']['main'] == 254

    # links: every one `ip` lists, with the same index, MTU, MAC, admin and oper state
    ip_links = dict((link['ifname'], link) for link in ns.ip('link', 'show'))
    links = dict((link['name'], link) for link in mine['links'])
    assert set(links) == set(ip_links) == {'lo', 'veth0', 'peer0', 'veth1', 'peer1', 'vx0', 'vx1'}
    for name, link in links.items():
        theirs = ip_links[name]
        assert link['index'] == theirs['ifindex']
        assert link['mtu'] == theirs['mtu']
        assert link['mac'] == theirs['address']
        assert link['operstate'] == theirs['operstate']
        assert link['state'] == ('up' if 'UP' in theirs['flags'] else 'down')
    assert links['vx0']['state'] == 'down' and links['vx0']['mtu'] == 1400
    assert links['veth0']['state'] == 'up' and links['veth0']['kind'] == 'veth'

    # addresses
    ip_addrs = set((link['ifname'], '%s/%d' % (a['local'], a['prefixlen']))
                   for link in ns.ip('addr', 'show') for a in link['addr_info'])
    assert set((a['dev'], a['cidr']) for a in mine['addresses']) == ip_addrs
    assert ('veth1', '2001:db8:1::1/64') in ip_addrs

    # routes of every table, both families, local table included
    assert module_routes(mine['routes']) == ip_routes(ns)
    by_dest = dict(((r['table'], r['dest'], r['family']), r) for r in mine['routes'])
    data_default = by_dest[(100, 'default', 4)]
    assert data_default['table_name'] == 'data' and data_default['gateway'] == '10.0.1.254'
    assert by_dest[(100, 'default', 6)]['table_name'] == 'data'
    assert by_dest[(70000, '192.0.2.0/24', 4)]['table_name'] is None
    assert by_dest[(254, '198.51.100.0/24', 4)]['type'] == 'blackhole'
    assert by_dest[(254, '198.51.100.0/24', 4)]['proto_name'] == 'static'
    assert by_dest[(254, '10.0.0.0/24', 4)]['proto_name'] == 'kernel'
    assert by_dest[(255, '10.0.0.1/32', 4)]['table_name'] == 'local'
    assert by_dest[(255, '10.0.0.1/32', 4)]['type'] == 'local'

    # rules
    assert module_rules(mine['rules']) == ip_rules(ns)
    rule100 = [r for r in mine['rules'] if r['family'] == 4 and r['priority'] == 100][0]
    assert rule100['table'] == 100 and rule100['table_name'] == 'data'

    # the same in check mode, and nothing changed anywhere
    again = facts({'netns': [ns.name]}, wrap=wrap, check_mode=True)
    assert again['netns'] == got['netns']
    assert kernel_state(ns) == before


def test_tables_filter(ns, private_iproute2):
    etc, wrap = private_iproute2
    with open(os.path.join(etc, 'rt_tables.d', 'test.conf'), 'w') as handle:
        handle.write('100 data\n')
    populate(ns)
    got = facts({'netns': ns.name, 'tables': ['data', '70000', 'main']}, wrap=wrap)
    routes = got['netns'][ns.name]['routes']
    assert set(r['table'] for r in routes) == {100, 70000, 254}
    expected = ip_routes(ns, '100') | ip_routes(ns, '70000') | ip_routes(ns, 'main')
    assert module_routes(routes) == expected
    # every table of the namespace except those three holds routes too (local at least)
    assert ip_routes(ns) - expected

    # a table with no route yields no route (and no error); 'local' by name works
    assert facts({'netns': ns.name, 'tables': [4242]})['netns'][ns.name]['routes'] == []
    local = facts({'netns': ns.name, 'tables': ['local'], 'gather_subset': ['routes']})
    assert module_routes(local['netns'][ns.name]['routes']) == ip_routes(ns, 'local')
    # an empty list reads no route
    assert facts({'netns': ns.name, 'tables': []})['netns'][ns.name]['routes'] == []


def test_gather_subset(ns):
    ns.settle()
    got = facts({'netns': ns.name, 'gather_subset': ['routes', 'rules']})
    assert set(got['netns'][ns.name]) == {'routes', 'rules'}
    got = facts({'netns': ns.name, 'gather_subset': ['links']})
    assert set(got['netns'][ns.name]) == {'links'}
    got = facts({'netns': ns.name, 'gather_subset': ['all', 'links']})
    assert set(got['netns'][ns.name]) == {'links', 'addresses', 'routes', 'rules'}
    assert facts({'netns': ns.name, 'gather_subset': []})['netns'] == {ns.name: {}}


def test_several_namespaces_and_the_host(ns, ns2):
    ns2.run('link', 'set', 'veth1', 'name', 'data0')
    ns2.run('route', 'add', '203.0.113.0/24', 'via', '10.0.1.9', 'dev', 'data0')
    got = facts({'netns': ['host', ns.name, ns2.name, ns.name]})
    assert list(sorted(got['netns'])) == sorted(['host', ns.name, ns2.name])
    assert {ns.name, ns2.name} <= set(got['namespaces'])
    one = dict((link['name'], link) for link in got['netns'][ns.name]['links'])
    two = dict((link['name'], link) for link in got['netns'][ns2.name]['links'])
    assert 'veth1' in one and 'data0' not in one
    assert 'data0' in two and 'veth1' not in two
    assert ('203.0.113.0/24', 'data0') in [(r['dest'], r['dev']) for r in got['netns'][ns2.name]['routes']]
    assert '203.0.113.0/24' not in [r['dest'] for r in got['netns'][ns.name]['routes']]
    # the host's own namespace is the one the module runs in (the test runner's): its loopback
    # is index 1 with 127.0.0.1/8, and nothing of the two namespaces shows up in it
    host = got['netns']['host']
    assert [link['index'] for link in host['links'] if link['name'] == 'lo'] == [1]
    assert ('lo', '127.0.0.1/8') in [(a['dev'], a['cidr']) for a in host['addresses']]
    assert 'data0' not in [link['name'] for link in host['links']]
    assert '203.0.113.0/24' not in [r['dest'] for r in host['routes']]

    # default: the host's own only, keyed host
    default = facts({'gather_subset': ['links']})
    assert list(default['netns']) == ['host']
    # an empty list: no namespace, the list of namespaces still there
    none = facts({'netns': []})
    assert none['netns'] == {} and ns.name in none['namespaces']


def test_missing_namespace_fails_before_reading_and_creates_nothing(ns):
    missing = 'mnt-missing-%s' % ns.name[4:]
    res = run_module('routing_facts', {'netns': [ns.name, missing]})
    assert res['rc'] == 1 and res.get('failed') is True
    assert repr(missing) in res['msg'] and 'does not exist' in res['msg']
    assert not os.path.exists('/run/netns/%s' % missing)
    assert 'ansible_facts' not in res


@pytest.mark.parametrize('args, needle', [
    ({'netns': ['']}, "netns=''"),
    ({'netns': ['a/b']}, "netns='a/b'"),
    ({'tables': ['nosuchtable']}, "tables='nosuchtable'"),
    ({'tables': ['0']}, "tables='0'"),
    ({'tables': ['4294967296']}, "tables='4294967296'"),
    ({'gather_subset': ['links', 'neighbours']}, 'neighbours'),
])
def test_bad_input_names_option_and_value(ns, args, needle):
    args = dict(args)
    args.setdefault('netns', [ns.name])
    res = run_module('routing_facts', args)
    assert res['rc'] == 1 and needle in res['msg'], res


def test_a_namespace_called_host_is_refused_not_guessed(ns):
    """A private /run/netns holding a namespace file called `host` (seen only by the module)."""
    wrap = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
            'mount -t tmpfs multinic-test /run/netns && touch /run/netns/host && exec "$@"', 'sh']
    res = run_module('routing_facts', {'netns': ['host']}, wrap=wrap)
    assert res['rc'] == 1 and 'ambiguous' in res['msg'] and '/run/netns/host' in res['msg'], res
    # leaving netns out still reads the host's own namespace, and lists the one called host
    got = facts({'gather_subset': ['links']}, wrap=wrap)
    assert list(got['netns']) == ['host'] and got['namespaces'] == ['host']
    assert not os.path.exists('/run/netns/host')


def test_ip_json_and_module_agree_on_a_big_table(ns):
    """2,000 routes in one table: all of them, and none of another table when filtered."""
    lines = ['route add 172.16.%d.%d/32 via 10.0.0.2 dev veth0 table 1000' % (i // 256, i % 256)
             for i in range(2000)]
    sh('ip', '-n', ns.name, '-batch', '-', input='\n'.join(lines) + '\n')
    ns.settle()
    everything = facts({'netns': ns.name, 'gather_subset': ['routes']})['netns'][ns.name]['routes']
    assert len([r for r in everything if r['table'] == 1000]) == 2000
    assert module_routes(everything) == ip_routes(ns)
    main = facts({'netns': ns.name, 'gather_subset': ['routes'], 'tables': ['main']})
    assert module_routes(main['netns'][ns.name]['routes']) == ip_routes(ns, 'main')
    assert json.dumps(main).count('172.16.') == 0


def varied(ns):
    """Routes of many shapes and a few hundred that share a layout: IPv4 and IPv6, multipath,
    MTU, source, onlink, metrics, unreachable/prohibit/blackhole, tables 100, 200 and 70000."""
    lines = [
        'route add 10.9.0.0/24 proto static nexthop via 10.0.0.2 dev veth0 weight 2 nexthop via 10.0.1.2 dev veth1',
        'route add 2001:db8:9::/64 nexthop via 2001:db8::2 dev veth0 nexthop via 2001:db8:1::2 dev veth1 weight 3',
        'route add 10.8.0.0/16 via 10.0.0.2 dev veth0 mtu 1400 src 10.0.0.1 metric 50 table 100',
        'route add 10.7.0.0/16 via 10.0.5.5 dev veth0 onlink table 100',
        'route add default via 10.0.1.254 dev veth1 table 100',
        'route add default via 2001:db8:1::fe dev veth1 table 100',
        'route add unreachable 10.6.0.0/16 table 200',
        'route add prohibit 10.5.0.0/16 table 200',
        'route add blackhole 2001:db8:dead::/48 table 70000',
        'route add 0.0.0.0/8 via 10.0.0.2 dev veth0 table 200',
        'rule add priority 100 from 10.0.1.1 table 100',
        'rule add priority 110 fwmark 0x10 table 70000',
        'rule add priority 120 to 192.0.2.0/24 unreachable',
    ]
    lines += ['route add 172.16.%d.%d/32 via 10.0.0.2 dev veth0 proto static table 70000'
              % (i // 256, i % 256) for i in range(300)]
    lines += ['route add 172.17.%d.0/24 via 10.0.1.2 dev veth1 metric 10' % i for i in range(200)]
    lines += ['route add 2001:db8:77::%x/128 via 2001:db8::2 dev veth0 table 100' % i for i in range(1, 201)]
    sh('ip', '-n', ns.name, '-batch', '-', input='\n'.join(lines) + '\n')
    ns.run('-6', 'rule', 'add', 'priority', '100', 'from', '2001:db8:1::/64', 'table', '100')
    ns.wait_ready()


def ip_route_details(ns):
    """(family, table, dest) -> (nexthops as (gateway, dev, weight), mtu, prefsrc, onlink) from `ip -j`."""
    found = {}
    for family in (4, 6):
        for r in ns.ip('-%d' % family, 'route', 'show', 'table', 'all'):
            key = (family, ip_table(r['table']) if 'table' in r else 254, ip_dest(r, family))
            hops = sorted((h.get('gateway'), h.get('dev'), h.get('weight', 1)) for h in r.get('nexthops', []))
            mtu = [m['mtu'] for m in r.get('metrics', []) if isinstance(m, dict) and 'mtu' in m]
            found[key] = (hops or None, mtu[0] if mtu else None, r.get('prefsrc'), 'onlink' in r.get('flags', []))
    return found


def test_the_module_writes_what_the_dict_decoder_and_ip_read(ns):
    """routing_facts writes its routes as JSON text built from templates (_rtnl_codec.
    route_json_picker) and exits through _exit: the same routes, in the same order, as the dict
    decoder read in this process (what the module returned before), and what `ip -j` reads."""
    from ansible_collections.multinic.routing.plugins.module_utils import _facts

    varied(ns)
    before = _facts.gather([(ns.name, ns.name)], None, {'routes', 'rules'})['netns'][ns.name]
    got = facts({'netns': [ns.name], 'gather_subset': ['routes', 'rules']})['netns'][ns.name]
    after = _facts.gather([(ns.name, ns.name)], None, {'routes', 'rules'})['netns'][ns.name]
    assert before == after, 'the kernel changed the routes during the test'
    assert got == before
    assert len([r for r in got['routes'] if r['table'] == 70000]) == 301

    assert module_routes(got['routes']) == ip_routes(ns)
    assert module_rules(got['rules']) == ip_rules(ns)
    details = ip_route_details(ns)
    for route in got['routes']:
        hops = None if route['nexthops'] is None else sorted(
            (h['gateway'], h['dev'], h['weight']) for h in route['nexthops'])
        assert (hops, route['mtu'], route['src'], route['onlink']) == \
            details[(route['family'], route['table'], route['dest'])], route
    shapes = set((r['family'], r['type'], r['nexthops'] is not None, r['mtu'], r['onlink']) for r in got['routes'])
    assert {(4, 'unicast', True, None, False), (6, 'unicast', True, None, False), (4, 'unicast', False, 1400, False),
            (4, 'unicast', False, None, True), (4, 'unreachable', False, None, False),
            (4, 'prohibit', False, None, False), (6, 'blackhole', False, None, False)} <= shapes

    # one table, by the kernel's filter: the same routes as the dict decoder's of that table
    one = facts({'netns': [ns.name], 'gather_subset': ['routes'], 'tables': ['100', '200']})
    assert one['netns'][ns.name]['routes'] == [r for t in (100, 200) for r in got['routes'] if r['table'] == t]


def test_rp_filter_of_the_namespace_the_module_runs_in(ns):
    """rp_filter is read from /proc/sys of the module's own namespace (`ip netns exec`), the
    values `sysctl` sets there; a named namespace gathered from outside has none."""
    sh('ip', 'netns', 'exec', ns.name, 'sysctl', '-q', '-w', 'net.ipv4.conf.veth0.rp_filter=2',
       'net.ipv4.conf.veth1.rp_filter=1', 'net.ipv4.conf.all.rp_filter=0')
    res = run_module('routing_facts', {'gather_subset': ['rp_filter']}, wrap=['ip', 'netns', 'exec', ns.name])
    assert res['rc'] == 0, res
    got = res['ansible_facts']['multinic_routing']['netns']['host']['rp_filter']
    expected = {}
    for name in ['all', 'default', 'lo', 'veth0', 'veth1', 'peer0', 'peer1']:
        expected[name] = int(sh('ip', 'netns', 'exec', ns.name, 'cat', '/proc/sys/net/ipv4/conf/%s/rp_filter' % name))
    assert got == expected and got['veth0'] == 2 and got['veth1'] == 1 and got['all'] == 0
    outside = run_module('routing_facts', {'netns': ns.name, 'gather_subset': ['all']})
    assert 'rp_filter' not in outside['ansible_facts']['multinic_routing']['netns'][ns.name]


def test_files_come_with_the_facts_in_one_run(ns, tmp_path):
    """files: what is on disk (read back with open) by path and by glob, next to the kernel's
    facts of the same run; the file_text filter's view of it."""
    (tmp_path / '60-multinic-a.conf').write_text('net.ipv4.conf.veth0.rp_filter = 2\n')
    (tmp_path / '10-other.conf').write_text('other\n')
    pattern, missing = str(tmp_path / '60-multinic-*'), str(tmp_path / 'absent.fact')
    res = run_module('routing_facts', {'gather_subset': ['addresses'], 'files': [pattern, missing]},
                     wrap=['ip', 'netns', 'exec', ns.name])
    assert res['rc'] == 0 and res['changed'] is False, res
    got = res['ansible_facts']['multinic_routing']
    assert got['files'] == {pattern: {str(tmp_path / '60-multinic-a.conf'): (tmp_path / '60-multinic-a.conf').read_text()},
                            missing: {}}
    assert '10.0.0.1/24' in [a['cidr'] for a in got['netns']['host']['addresses']]
    from ansible_collections.multinic.routing.plugins.filter.file_text import file_text
    assert file_text(str(tmp_path / '60-multinic-b.conf'), got['files']) == ''
    assert file_text(str(tmp_path / '10-other.conf'), got['files']) is None
