# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.route_lookup against the real kernel, compared with `ip -j route get`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from .conftest import run_module, sh

TABLE_NUMBERS = {'main': 254, 'local': 255, 'default': 253}


def ip_get(ns, *args):
    """`ip -j route get ...` in the namespace -> (dev, gateway, source, table, type)."""
    answer = ns.ip('route', 'get', *args)
    assert len(answer) == 1, answer
    r = answer[0]
    table = r.get('table', 'main')  # `ip` leaves main out
    table = TABLE_NUMBERS[table] if table in TABLE_NUMBERS else int(table)
    # `ip` shows the kernel's preferred source, or "from" when the source was given
    return r['dev'], r.get('gateway'), r.get('prefsrc') or r.get('from'), table, r.get('type', 'unicast')


def lookup(ns, check_mode=False, wrap=None, **args):
    args['netns'] = ns.name
    res = run_module('route_lookup', args, check_mode=check_mode, wrap=wrap)
    assert res['rc'] == 0, res
    assert res['changed'] is False
    return res


def mine(res):
    return res['dev'], res['gateway'], res['prefsrc'], res['table'], res['type']


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
