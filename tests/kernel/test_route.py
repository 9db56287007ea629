# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.route against the real kernel, in a throwaway namespace per test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest

from .conftest import run_module, sh


def routes(ns, *args, **kwargs):
    """`ip -j -d route show ...` in the test namespace (read independently of the module).

    A table the kernel has not created yet reads as empty (`ip` itself fails on it).
    """
    family = kwargs.get('family', [])
    proc = subprocess.run(['ip', '-n', ns.name, '-j', '-d'] + family + ['route', 'show'] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    if proc.returncode != 0:
        assert 'table does not exist' in proc.stderr, proc.stderr
        return []
    return json.loads(proc.stdout) if proc.stdout.strip() else []


def one(ns, dest, *args):
    found = [r for r in routes(ns, *args) if r['dst'] == dest]
    assert len(found) <= 1, found
    return found[0] if found else None


def apply(ns, check_unchanged=True, **args):
    """Check mode first (must write nothing), then real run, then again (must be unchanged)."""
    args['netns'] = ns.name
    table = args.get('table', 'main')
    family = ['-6'] if ':' in str(args.get('dest', '')) + str(args.get('gateway', '')) else []
    before = routes(ns, 'table', str(table), family=family)
    check = run_module('route', args, check_mode=True, diff=True)
    assert check['rc'] == 0, check
    assert routes(ns, 'table', str(table), family=family) == before, 'check mode changed the kernel'
    first = run_module('route', args, diff=True)
    assert first['rc'] == 0, first
    assert first['changed'] == check['changed']
    if check_unchanged:
        second = run_module('route', args)
        assert second['rc'] == 0 and second['changed'] is False, second
    return first


def test_add_ipv4_route_with_gateway(ns):
    res = apply(ns, dest='10.240.128.0/24', gateway='10.0.0.2', dev='veth0')
    assert res['changed'] is True
    route = one(ns, '10.240.128.0/24')
    assert route['gateway'] == '10.0.0.2' and route['dev'] == 'veth0'
    assert route['protocol'] in ('241', 241, 'multinic')
    assert res['diff']['before'] == {} and res['diff']['after']['gateway'] == '10.0.0.2'


def test_replace_in_place_never_duplicates(ns):
    apply(ns, dest='10.240.128.0/24', gateway='10.0.0.2', dev='veth0')
    res = apply(ns, dest='10.240.128.0/24', gateway='10.0.1.2', dev='veth1', src='10.0.1.1')
    assert res['changed'] is True and set(res['differences']) >= {'gateway', 'dev', 'src'}
    assert res['diff']['before']['gateway'] == '10.0.0.2'
    assert res['diff']['after']['gateway'] == '10.0.1.2'
    route = one(ns, '10.240.128.0/24')
    assert route['gateway'] == '10.0.1.2' and route['dev'] == 'veth1' and route['prefsrc'] == '10.0.1.1'


def test_metric_is_identity(ns):
    apply(ns, dest='10.5.0.0/16', gateway='10.0.0.2', metric=10)
    apply(ns, dest='10.5.0.0/16', gateway='10.0.1.2', metric=20)
    found = sorted((r.get('metric', 0), r['gateway']) for r in routes(ns) if r['dst'] == '10.5.0.0/16')
    assert found == [(10, '10.0.0.2'), (20, '10.0.1.2')]
    res = run_module('route', dict(dest='10.5.0.0/16', metric=10, state='absent', netns=ns.name))
    assert res['changed'] is True
    found = [r.get('metric') for r in routes(ns) if r['dst'] == '10.5.0.0/16']
    assert found == [20]


def test_named_and_big_tables(ns, private_iproute2):
    etc, wrap = private_iproute2
    with open(os.path.join(etc, 'rt_tables.d', 'data.conf'), 'w') as handle:
        handle.write('4000000000\tdata\n')
    args = dict(dest='default', gateway='10.0.0.2', dev='veth0', src='10.0.0.1', table='data',
                netns=ns.name)
    assert run_module('route', args, check_mode=True, wrap=wrap)['changed'] is True
    assert routes(ns, 'table', '4000000000') == []
    res = run_module('route', args, wrap=wrap)
    assert res['changed'] is True and res['route']['table'] == 4000000000
    got = routes(ns, 'table', '4000000000')
    assert [(r['dst'], r['gateway'], r['prefsrc']) for r in got] == [('default', '10.0.0.2', '10.0.0.1')]
    assert run_module('route', args, wrap=wrap)['changed'] is False
    # the host's table list has no 'data': the same name outside the private copy is refused
    res = run_module('route', args)
    assert res['rc'] != 0 and "table='data'" in res['msg']


def test_link_scope_route_with_src_in_table(ns):
    res = apply(ns, dest='10.0.0.0/24', dev='veth0', src='10.0.0.1', table='201')
    assert res['route']['scope'] == 'link'
    got = routes(ns, 'table', '201')
    assert got[0]['scope'] == 'link' and got[0]['prefsrc'] == '10.0.0.1' and got[0]['dev'] == 'veth0'


@pytest.mark.parametrize('rtype', ['blackhole', 'unreachable', 'prohibit', 'throw'])
def test_special_types(ns, rtype):
    apply(ns, dest='198.51.100.0/24', type=rtype, table='100')
    got = routes(ns, 'table', '100')
    assert [(r['type'], r['dst']) for r in got] == [(rtype, '198.51.100.0/24')]


def test_type_change_replaces(ns):
    apply(ns, dest='198.51.100.0/24', type='blackhole')
    apply(ns, dest='198.51.100.0/24', gateway='10.0.0.2')
    got = [r for r in routes(ns) if r['dst'] == '198.51.100.0/24']
    assert len(got) == 1 and got[0]['type'] == 'unicast' and got[0]['gateway'] == '10.0.0.2'


def test_multipath_with_weights(ns):
    hops = [dict(gateway='10.0.0.2', dev='veth0', weight=3), dict(gateway='10.0.1.2', dev='veth1')]
    apply(ns, dest='192.0.2.0/24', nexthops=hops)
    route = one(ns, '192.0.2.0/24')
    got = sorted((h['gateway'], h['dev'], h.get('weight', 1)) for h in route['nexthops'])
    assert got == [('10.0.0.2', 'veth0', 3), ('10.0.1.2', 'veth1', 1)]
    hops[0]['weight'] = 1
    res = apply(ns, dest='192.0.2.0/24', nexthops=hops)
    assert res['differences'] == ['nexthops']
    route = one(ns, '192.0.2.0/24')
    assert sorted(h.get('weight', 1) for h in route['nexthops']) == [1, 1]


def test_onlink_and_mtu(ns):
    apply(ns, dest='203.0.113.0/24', gateway='192.168.77.1', dev='veth0', onlink=True, mtu=1400)
    route = one(ns, '203.0.113.0/24')
    assert 'onlink' in route['flags'] and route['metrics'][0]['mtu'] == 1400
    res = apply(ns, dest='203.0.113.0/24', gateway='192.168.77.1', dev='veth0', onlink=True, mtu=1300)
    assert res['differences'] == ['mtu']
    assert one(ns, '203.0.113.0/24')['metrics'][0]['mtu'] == 1300


def test_proto_compared_only_when_given(ns):
    ns.run('route', 'add', '10.77.0.0/16', 'via', '10.0.0.2', 'proto', 'static')
    res = run_module('route', dict(dest='10.77.0.0/16', gateway='10.0.0.2', netns=ns.name))
    assert res['changed'] is False
    res = apply(ns, dest='10.77.0.0/16', gateway='10.0.0.2', proto='bird')
    assert res['changed'] is True and one(ns, '10.77.0.0/16')['protocol'] == 'bird'


def test_ipv6_route_and_default_metric(ns):
    res = apply(ns, dest='2001:db8:99::/64', gateway='2001:db8::2', dev='veth0')
    assert res['route']['metric'] == 1024
    got = [r for r in routes(ns, family=['-6']) if r['dst'] == '2001:db8:99::/64']
    assert len(got) == 1 and got[0]['gateway'] == '2001:db8::2' and got[0]['metric'] == 1024
    res = run_module('route', dict(dest='2001:db8:99::/64', state='absent', netns=ns.name))
    assert res['changed'] is True
    assert [r for r in routes(ns, family=['-6']) if r['dst'] == '2001:db8:99::/64'] == []


def test_ipv6_default_route_family_from_gateway(ns):
    apply(ns, dest='default', gateway='2001:db8:1::2', table='300')
    got = routes(ns, 'table', '300', family=['-6'])
    assert [(r['dst'], r['gateway']) for r in got] == [('default', '2001:db8:1::2')]


def test_absent_is_idempotent_and_check_safe(ns):
    apply(ns, dest='10.240.128.0/24', gateway='10.0.0.2')
    args = dict(dest='10.240.128.0/24', state='absent', netns=ns.name)
    assert run_module('route', args, check_mode=True)['changed'] is True
    assert one(ns, '10.240.128.0/24') is not None
    res = run_module('route', args, diff=True)
    assert res['changed'] is True and res['diff']['after'] == {}
    assert one(ns, '10.240.128.0/24') is None
    assert run_module('route', args)['changed'] is False


def settled(ns):
    """Every table but the kernel-managed local one and IPv6 link-local autoconf routes, which
    appear on their own schedule after links come up."""
    return [r for r in routes(ns, 'table', 'all')
            if r.get('table') != 'local' and not r['dst'].startswith('fe80:')]


@pytest.mark.parametrize('args, needle', [
    (dict(dest='10.9.0.0/24', gateway='10.0.0.2', dev='nosuch0'), "dev='nosuch0'"),
    (dict(dest='10.9.0.0/24', gateway='10.55.0.2'), 'ENETUNREACH'),
    (dict(dest='10.9.0.0/24', gateway='10.0.0.2', table='nosuchtable'), "table='nosuchtable'"),
])
def test_errors_are_messages_and_write_nothing(ns, args, needle):
    before = settled(ns)
    args['netns'] = ns.name
    res = run_module('route', args)
    assert res['rc'] != 0 and res['failed'] is True and needle in res['msg'], res
    assert settled(ns) == before


def test_missing_namespace_is_an_error_and_not_created():
    name = 'mnt-missing-route'
    sh('ip', 'netns', 'del', name, check=False)
    res = run_module('route', dict(dest='10.9.0.0/24', gateway='10.0.0.2', netns=name))
    assert res['rc'] != 0 and name in res['msg'] and 'does not exist' in res['msg']
    assert name not in sh('ip', 'netns', 'list')
    assert not os.path.exists('/run/netns/' + name)
