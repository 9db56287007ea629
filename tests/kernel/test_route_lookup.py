# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.route_lookup against the real kernel, compared with `ip -j route get`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from .conftest import ip_route_get, route_lookup_answer as mine, run_module, sh


def ip_get(ns, *args):
    """`ip -j route get ...` in the namespace -> (dev, gateway, source, table, type)."""
    return ip_route_get(ns.name, *args)


def lookup(ns, check_mode=False, wrap=None, **args):
    args['netns'] = ns.name
    res = run_module('route_lookup', args, check_mode=check_mode, wrap=wrap)
    assert res['rc'] == 0, res
    assert res['changed'] is False
    return res


def source_routing(ns):
    """Main: default via veth0. Table 100: default via veth1, chosen for packets from 10.0.1.1
    (the source routing strategy of the collection, with the data NIC as veth1)."""
    ns.run('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'veth0')
    ns.run('route', 'add', 'default', 'via', '10.0.1.254', 'dev', 'veth1', 'table', '100')
    ns.run('route', 'add', '10.0.1.0/24', 'dev', 'veth1', 'src', '10.0.1.1', 'table', '100')
    ns.run('rule', 'add', 'from', '10.0.1.1', 'table', '100', 'priority', '100')
    ns.run('-6', 'route', 'add', 'default', 'via', '2001:db8::fe', 'dev', 'veth0')
    ns.run('-6', 'route', 'add', 'default', 'via', '2001:db8:1::fe', 'dev', 'veth1', 'table', '100')
    ns.run('-6', 'rule', 'add', 'from', '2001:db8:1::1', 'table', '100', 'priority', '100')


def test_policy_rules_decide_and_match_ip(ns, private_iproute2):
    etc, wrap = private_iproute2
    with open(os.path.join(etc, 'rt_tables.d', 'test.conf'), 'w') as handle:
        handle.write('100 data\n')
    source_routing(ns)
    ns.settle()
    before = (ns.ip('route', 'show', 'table', 'all'), ns.ip('-6', 'route', 'show', 'table', 'all'),
              ns.ip('rule', 'show'), ns.ip('-6', 'rule', 'show'))

    plain = lookup(ns, dst='192.0.2.10', wrap=wrap)
    assert mine(plain) == ip_get(ns, '192.0.2.10')
    assert mine(plain) == ('veth0', '10.0.0.254', '10.0.0.1', 254, 'unicast')
    assert plain['table_name'] == 'main'

    bound = lookup(ns, dst='192.0.2.10', src='10.0.1.1', wrap=wrap)
    assert mine(bound) == ip_get(ns, '192.0.2.10', 'from', '10.0.1.1')
    assert mine(bound) == ('veth1', '10.0.1.254', '10.0.1.1', 100, 'unicast')
    assert bound['table_name'] == 'data'
    assert bound['route']['table'] == 100 and bound['route']['dest'] == '192.0.2.10/32'

    # check mode answers the same, and nothing was written by any of it
    assert mine(lookup(ns, dst='192.0.2.10', src='10.0.1.1', check_mode=True)) == mine(bound)
    assert (ns.ip('route', 'show', 'table', 'all'), ns.ip('-6', 'route', 'show', 'table', 'all'),
            ns.ip('rule', 'show'), ns.ip('-6', 'rule', 'show')) == before


def test_replies_leave_through_the_nic_owning_the_source(ns):
    """What the reachability role asks: route_lookup dst=<peer> src=<local address>."""
    source_routing(ns)
    owners = {'10.0.0.1': 'veth0', '10.0.1.1': 'veth1', '2001:db8::1': 'veth0', '2001:db8:1::1': 'veth1'}
    for src, nic in sorted(owners.items()):
        peer = '2001:db8:ff::7' if ':' in src else '198.51.100.7'
        res = lookup(ns, dst=peer, src=src)
        assert res['dev'] == nic, (src, res)
        assert mine(res) == ip_get(ns, peer, 'from', src)
    # and a peer on the data subnet itself is reached directly from the data address
    res = lookup(ns, dst='10.0.1.20', src='10.0.1.1')
    assert (res['dev'], res['gateway'], res['table']) == ('veth1', None, 100)
    assert mine(res) == ip_get(ns, '10.0.1.20', 'from', '10.0.1.1')


def test_ipv6(ns):
    source_routing(ns)
    res = lookup(ns, dst='2001:db8:ff::7')
    assert mine(res) == ip_get(ns, '2001:db8:ff::7')
    assert (res['dev'], res['gateway'], res['table']) == ('veth0', '2001:db8::fe', 254)
    assert res['route']['family'] == 6


def test_fwmark_decimal_and_hex(ns):
    ns.run('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'veth0')
    ns.run('route', 'add', 'default', 'via', '10.0.1.254', 'dev', 'veth1', 'table', '200')
    ns.run('rule', 'add', 'fwmark', '0x10', 'table', '200', 'priority', '90')
    for mark in ('0x10', '16', 16):
        res = lookup(ns, dst='192.0.2.10', fwmark=mark)
        assert mine(res) == ip_get(ns, '192.0.2.10', 'mark', '0x10')
        assert (res['dev'], res['table']) == ('veth1', 200)
    unmarked = lookup(ns, dst='192.0.2.10', fwmark='0x11')
    assert (unmarked['dev'], unmarked['table']) == ('veth0', 254)


def test_iif_looks_up_a_forwarded_packet(ns):
    sh('ip', 'netns', 'exec', ns.name, 'sysctl', '-qw', 'net.ipv4.conf.all.forwarding=1')
    ns.run('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'veth0')
    ns.run('route', 'add', '192.0.2.0/24', 'via', '10.0.0.253', 'dev', 'veth0', 'table', '300')
    ns.run('rule', 'add', 'iif', 'veth1', 'table', '300', 'priority', '80')

    res = lookup(ns, dst='192.0.2.10', src='10.0.1.7', iif='veth1')
    assert mine(res) == ip_get(ns, '192.0.2.10', 'from', '10.0.1.7', 'iif', 'veth1')
    assert (res['dev'], res['gateway'], res['table']) == ('veth0', '10.0.0.253', 300)
    assert res['route']['iif'] == 'veth1'
    # the same destination sent by the host itself is not subject to the iif rule
    local = lookup(ns, dst='192.0.2.10')
    assert (local['gateway'], local['table']) == ('10.0.0.254', 254)

    # without a source the module refuses before asking the kernel
    res = run_module('route_lookup', {'dst': '192.0.2.10', 'iif': 'veth1', 'netns': ns.name})
    assert res['rc'] == 1 and 'iif' in res['msg'] and 'src' in res['msg'], res


def test_oif_binds_the_packet(ns):
    ns.run('route', 'add', 'default', 'via', '10.0.0.254', 'dev', 'veth0')
    res = lookup(ns, dst='10.0.1.20', oif='veth1')
    assert mine(res) == ip_get(ns, '10.0.1.20', 'oif', 'veth1')
    assert res['dev'] == 'veth1'


def test_local_destination(ns):
    res = lookup(ns, dst='10.0.1.1')
    assert mine(res) == ip_get(ns, '10.0.1.1')
    # while no policy rule was ever added the kernel merges the local table into main and
    # says main; once there is one, it says local
    assert (res['dev'], res['type'], res['table'], res['table_name']) == ('lo', 'local', 254, 'main')
    ns.run('rule', 'add', 'from', '192.0.2.99', 'table', '100', 'priority', '5')
    res = lookup(ns, dst='10.0.1.1')
    assert mine(res) == ip_get(ns, '10.0.1.1')
    assert (res['dev'], res['type'], res['table'], res['table_name']) == ('lo', 'local', 255, 'local')


@pytest.mark.parametrize('setup, args, needles', [
    ([], {'dst': '192.0.2.10'}, ['no route to 192.0.2.10', 'ENETUNREACH', 'dst=192.0.2.10']),
    ([['route', 'add', 'unreachable', '192.0.2.0/24']], {'dst': '192.0.2.10'},
     ['192.0.2.10 is unreachable', 'EHOSTUNREACH']),
    ([['route', 'add', 'prohibit', '192.0.2.0/24']], {'dst': '192.0.2.10'},
     ['prohibit', 'EACCES']),
    ([['route', 'add', 'blackhole', '192.0.2.0/24']], {'dst': '192.0.2.10'},
     ['blackhole', 'EINVAL']),
    ([['route', 'add', 'default', 'via', '10.0.0.254']], {'dst': '192.0.2.10', 'src': '10.9.9.9'},
     ['src=10.9.9.9 is not an address of namespace', 'ENETUNREACH']),
    ([['-6', 'route', 'flush', 'table', 'main']], {'dst': '2001:db8:ff::1'},
     ['no route to 2001:db8:ff::1', 'ENETUNREACH']),
])
def test_no_route_is_a_clear_failure(ns, setup, args, needles):
    for words in setup:
        ns.run(*words)
    args['netns'] = ns.name
    res = run_module('route_lookup', args)
    assert res['rc'] == 1 and res.get('failed') is True, res
    for needle in needles:
        assert needle in res['msg'], res['msg']
    assert 'Traceback' not in res['msg'] and 'exception' not in res


@pytest.mark.parametrize('args, needle', [
    ({'dst': '10.0.0.0/24'}, "dst='10.0.0.0/24'"),
    ({'dst': 'peer.example'}, "dst='peer.example'"),
    ({'dst': '192.0.2.1', 'src': '2001:db8::1'}, "src='2001:db8::1'"),
    ({'dst': '192.0.2.1', 'fwmark': 'zz'}, "fwmark='zz'"),
    ({'dst': '192.0.2.1', 'fwmark': '0x100000000'}, "fwmark='0x100000000'"),
    ({'dst': '192.0.2.1', 'oif': 'nope0'}, "oif='nope0'"),
    ({'dst': '192.0.2.1', 'src': '10.0.0.1', 'iif': 'nope0'}, "iif='nope0'"),
    ({'dst': '192.0.2.1', 'oif': 'way-too-long-name0'}, "oif='way-too-long-name0'"),
])
def test_bad_input_names_option_and_value(ns, args, needle):
    args['netns'] = ns.name
    res = run_module('route_lookup', args)
    assert res['rc'] == 1 and needle in res['msg'], res


def test_missing_namespace_is_an_error_and_not_created(ns):
    missing = 'mnt-missing-%s' % ns.name[4:]
    res = run_module('route_lookup', {'dst': '192.0.2.1', 'netns': missing})
    assert res['rc'] == 1 and repr(missing) in res['msg'] and 'does not exist' in res['msg'], res
    assert not os.path.exists('/run/netns/%s' % missing)


# -- probes: many lookups in one call ------------------------------------------------------

def probes_call(netns, probes, check_mode=False):
    res = run_module('route_lookup', {'netns': netns, 'probes': probes}, check_mode=check_mode)
    assert res['rc'] == 0 and res['changed'] is False, res
    assert len(res['results']) == len(probes), res
    return res['results']


def test_probes_give_the_answers_of_single_lookups_and_of_ip(ns):
    """Plain, bound to the second NIC's address (the policy rule picks table 100), forwarded,
    marked, IPv6, and refused lookups among them: each probe answers what the same lookup made
    alone answers and what `ip route get` says; a refused one fails alone, with the message the
    single lookup fails with."""
    source_routing(ns)
    sh('ip', 'netns', 'exec', ns.name, 'sysctl', '-qw', 'net.ipv4.conf.all.forwarding=1')
    ns.run('route', 'add', 'unreachable', '203.0.113.0/24')
    ns.run('route', 'add', 'default', 'via', '10.0.0.253', 'dev', 'veth0', 'table', '200')
    ns.run('rule', 'add', 'fwmark', '0x10', 'table', '200', 'priority', '90')
    ns.settle()
    cases = [
        ({'dst': '192.0.2.10'}, ['192.0.2.10']),
        ({'dst': '192.0.2.10', 'src': '10.0.1.1'}, ['192.0.2.10', 'from', '10.0.1.1']),
        ({'dst': '203.0.113.5'}, None),                                    # unreachable route
        ({'dst': '10.0.1.20', 'src': '10.0.1.1'}, ['10.0.1.20', 'from', '10.0.1.1']),
        ({'dst': '192.0.2.10', 'src': '10.9.9.9'}, None),                  # foreign source
        ({'dst': '192.0.2.10', 'fwmark': '0x10'}, ['192.0.2.10', 'mark', '0x10']),
        ({'dst': '192.0.2.10', 'src': '10.0.1.7', 'iif': 'veth1'}, ['192.0.2.10', 'from', '10.0.1.7', 'iif', 'veth1']),
        ({'dst': '10.0.1.20', 'oif': 'veth1'}, ['10.0.1.20', 'oif', 'veth1']),
        ({'dst': '2001:db8:ff::7', 'src': '2001:db8:1::1'}, ['2001:db8:ff::7', 'from', '2001:db8:1::1']),
        ({'dst': '10.0.1.1'}, ['10.0.1.1']),
    ]
    results = probes_call(ns.name, [probe for probe, dummy in cases])
    for (probe, ip_args), entry in zip(cases, results):
        assert entry['probe'] == dict({'src': None, 'iif': None, 'oif': None, 'fwmark': None}, **probe)
        single = run_module('route_lookup', dict(probe, netns=ns.name))
        if ip_args is None:
            assert entry['failed'] is True and single['rc'] == 1, (entry, single)
            assert entry['msg'] == single['msg'] and set(entry) == {'probe', 'failed', 'msg'}
            continue
        assert entry['failed'] is False, entry
        assert mine(entry) == ip_get(ns, *ip_args) == mine(single), probe
        assert entry['table_name'] == single['table_name'] and entry['route'] == single['route']
    # what this setup must give, independently of the comparisons above
    assert mine(results[1])[:4] == ('veth1', '10.0.1.254', '10.0.1.1', 100)
    assert mine(results[0])[:4] == ('veth0', '10.0.0.254', '10.0.0.1', 254)
    assert results[5]['table'] == 200 and results[6]['route']['iif'] == 'veth1'
    assert '203.0.113.5 is unreachable' in results[2]['msg'] and 'EHOSTUNREACH' in results[2]['msg']
    assert 'src=10.9.9.9 is not an address of namespace' in results[4]['msg']
    # check mode answers the same
    assert probes_call(ns.name, [probe for probe, dummy in cases], check_mode=True) == results


def test_probes_run_in_the_namespace_given(ns, ns2):
    """The same probes in two namespaces answer each one's own routing (the reachability role
    looks up data replies inside the data namespace and control replies outside)."""
    source_routing(ns)
    ns2.run('route', 'add', 'default', 'via', '10.0.1.254', 'dev', 'veth1')
    probes = [{'dst': '192.0.2.10'}, {'dst': '192.0.2.10', 'src': '10.0.1.1'}]
    here, there = probes_call(ns.name, probes), probes_call(ns2.name, probes)
    assert [mine(e) for e in here] == [ip_get(ns, '192.0.2.10'), ip_get(ns, '192.0.2.10', 'from', '10.0.1.1')]
    assert [mine(e) for e in there] == [ip_get(ns2, '192.0.2.10'), ip_get(ns2, '192.0.2.10', 'from', '10.0.1.1')]
    assert [e['table'] for e in here] == [254, 100] and [e['table'] for e in there] == [254, 254]
    assert [e['dev'] for e in there] == ['veth1', 'veth1'] and here[0]['dev'] == 'veth0'


def test_an_empty_list_of_probes_makes_no_lookup(ns):
    assert probes_call(ns.name, []) == []


@pytest.mark.parametrize('probes, needle', [
    ([{'dst': '192.0.2.1'}, {'dst': '192.0.2.2'}, {'dst': '192.0.2.3'}, {'dst': '10.0.0.0/24'}],
     "probes[3].dst='10.0.0.0/24' is not a valid IP address"),
    ([{'dst': '192.0.2.1'}, {'dst': '192.0.2.2', 'src': '2001:db8::1'}], "probes[1].src='2001:db8::1' is IPv6"),
    ([{'dst': '192.0.2.1'}, {'dst': '192.0.2.2', 'oif': 'nope0'}], "probes[1].oif='nope0': no such interface"),
    ([{'dst': '192.0.2.1', 'iif': 'veth1'}], "required by 'iif': src found in probes"),
])
def test_a_bad_probe_fails_the_call_naming_index_option_and_value(ns, probes, needle):
    res = run_module('route_lookup', {'netns': ns.name, 'probes': probes})
    assert res['rc'] == 1 and needle in res['msg'] and 'results' not in res, res


def test_probes_and_dst_are_mutually_exclusive(ns):
    res = run_module('route_lookup', {'netns': ns.name, 'dst': '192.0.2.1', 'probes': [{'dst': '192.0.2.2'}]})
    assert res['rc'] == 1 and 'dst|probes' in res['msg'], res


def test_probes_in_a_missing_namespace_fail_the_call(ns):
    missing = 'mnt-missing-%s' % ns.name[4:]
    res = run_module('route_lookup', {'netns': missing, 'probes': [{'dst': '192.0.2.1'}]})
    assert res['rc'] == 1 and repr(missing) in res['msg'] and 'does not exist' in res['msg'], res
    assert not os.path.exists('/run/netns/%s' % missing)
