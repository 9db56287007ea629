# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.routing_state against the real kernel, in a throwaway namespace per test.

Routes and rules are read back independently with `ip -j`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from .conftest import check_run_rerun, ip_route_get, run_module

SOURCE_TABLE = [
    dict(dest='10.0.0.0/24', dev='veth0', scope='link', src='10.0.0.1', table='201'),
    dict(dest='default', gateway='10.0.0.2', dev='veth0', src='10.0.0.1', table='201'),
    dict(dest='10.9.0.0/24', gateway='10.0.1.2', dev='veth1'),
    dict(dest='2001:db8:9::/64', gateway='2001:db8:1::2', dev='veth1', table='201'),
]
SOURCE_RULES = [
    dict(priority=999, table='main', suppress_prefixlength=0),
    dict(priority=1000, **{'from': '10.0.0.1', 'table': '201'}),
    dict(priority=1000, **{'from': '2001:db8:0::1', 'table': '201'}),
]


@pytest.fixture(autouse=True)
def ready(ns):
    """Tests here compare whole tables: start once the kernel's own routes hold still."""
    ns.wait_ready()


def state(ns):
    """Every route of every table and every rule, both families, as `ip -j` shows them."""
    return (ns.ip('-d', 'route', 'show', 'table', 'all'), ns.ip('-6', '-d', 'route', 'show', 'table', 'all'),
            ns.ip('-d', 'rule', 'show'), ns.ip('-6', '-d', 'rule', 'show'))


def run(ns, check_mode=False, diff=True, **args):
    args['netns'] = ns.name
    return run_module('routing_state', args, check_mode=check_mode, diff=diff)


def apply(ns, **args):
    """Check mode (writes nothing), real run, then again (unchanged, nothing more written)."""
    _check, first, _second = check_run_rerun(
        lambda check_mode: run(ns, check_mode=check_mode, **args), lambda: state(ns),
        same=('changed', 'routes', 'rules', 'added', 'removed', 'diff'))
    return first


def table(ns, number, family=4):
    return ns.ip(*(['-6'] if family == 6 else []) + ['-d', 'route', 'show', 'table', str(number)])


def rules_at(ns, priority, family=4):
    return [r for r in ns.ip(*(['-6'] if family == 6 else []) + ['-d', 'rule', 'show'])
            if r['priority'] == priority]


def is_ours(item):
    return str(item.get('protocol')) in ('241', 'multinic')


def test_apply_rerun_and_kernel_state(ns):
    res = apply(ns, routes=SOURCE_TABLE, rules=SOURCE_RULES)
    assert res['changed'] is True
    assert res['differences'] == ['routes[0].absent', 'routes[1].absent', 'routes[2].absent',
                                  'routes[3].absent', 'rules[0].absent', 'rules[1].absent',
                                  'rules[2].absent']
    got = table(ns, 201)
    assert sorted((r['dst'], r.get('gateway'), r['dev'], r.get('prefsrc')) for r in got) == [
        ('10.0.0.0/24', None, 'veth0', '10.0.0.1'), ('default', '10.0.0.2', 'veth0', '10.0.0.1')]
    assert all(is_ours(r) for r in got)
    got6 = table(ns, 201, 6)
    assert [(r['dst'], r['gateway']) for r in got6] == [('2001:db8:9::/64', '2001:db8:1::2')]
    assert [r for r in ns.ip('route', 'show') if r['dst'] == '10.9.0.0/24'][0]['gateway'] == '10.0.1.2'
    assert [(r.get('src'), r['table']) for r in rules_at(ns, 1000)] == [('10.0.0.1', '201')]
    assert [(r.get('src'), r['table']) for r in rules_at(ns, 1000, 6)] == [('2001:db8::1', '201')]
    assert [r.get('suppress_prefixlen') for r in rules_at(ns, 999)] == [0]
    assert [r['dest'] for r in res['routes']] == ['10.0.0.0/24', 'default', '10.9.0.0/24', '2001:db8:9::/64']
    assert len(res['added']['routes']) == 4 and len(res['added']['rules']) == 3
    assert res['diff']['before'] == {'routes': [], 'rules': []}
    assert len(res['diff']['after']['routes']) == 4 and len(res['diff']['after']['rules']) == 3


def test_change_one_entry_reports_only_it(ns):
    apply(ns, routes=SOURCE_TABLE, rules=SOURCE_RULES)
    changed = [dict(r) for r in SOURCE_TABLE]
    changed[1]['gateway'] = '10.0.0.3'
    res = apply(ns, routes=changed, rules=SOURCE_RULES)
    assert res['differences'] == ['routes[1].gateway']
    assert res['replaced'][0]['index'] == 1 and res['replaced'][0]['previous_proto'] == 241
    assert [r.get('gateway') for r in table(ns, 201) if r['dst'] == 'default'] == ['10.0.0.3']


def test_bad_entry_in_the_middle_fails_before_anything_is_written(ns):
    before = state(ns)
    bad = list(SOURCE_TABLE)
    bad.insert(2, dict(dest='10.8.0.0/24', gateway='10.0.0.300'))
    res = run(ns, routes=bad, rules=SOURCE_RULES)
    assert res['rc'] != 0 and res['msg'].startswith("routes[2].gateway='10.0.0.300'"), res
    assert state(ns) == before
    # an interface that does not exist, found when the kernel is asked: still nothing written
    bad[2] = dict(dest='10.8.0.0/24', dev='nosuch0')
    res = run(ns, routes=bad, rules=SOURCE_RULES)
    assert res['rc'] != 0 and res['msg'].startswith("routes[2].dev='nosuch0'"), res
    assert state(ns) == before
    rules = list(SOURCE_RULES) + [dict(priority=1001, action='goto', goto=1000)]
    res = run(ns, routes=SOURCE_TABLE, rules=rules)
    assert res['rc'] != 0 and res['msg'].startswith('rules[3].goto=1000'), res
    assert state(ns) == before


def test_foreign_route_is_refused_and_nothing_written(ns):
    ns.run('route', 'add', '10.7.0.0/24', 'via', '10.0.0.2', 'proto', 'static')
    before = state(ns)
    routes = [dict(dest='10.6.0.0/24', gateway='10.0.0.2'), dict(dest='10.7.0.0/24', gateway='10.0.1.2')]
    res = run(ns, routes=routes)
    assert res['rc'] != 0 and res['msg'].startswith('routes[1]: route 10.7.0.0/24'), res
    assert 'proto static (4)' in res['msg']
    assert state(ns) == before
    routes[1]['force'] = True
    res = apply(ns, routes=routes)
    assert res['replaced'] == [dict(index=1, previous_proto=4, route=res['routes'][1])]
    assert [r['gateway'] for r in ns.ip('route', 'show') if r['dst'] == '10.7.0.0/24'] == ['10.0.1.2']


def test_absent_entries_and_foreign_route_kept(ns):
    apply(ns, routes=SOURCE_TABLE, rules=SOURCE_RULES)
    ns.run('route', 'add', '10.5.0.0/24', 'via', '10.0.0.2', 'table', '201')
    gone = [dict(dest=r['dest'], table=r.get('table', 'main'), state='absent') for r in SOURCE_TABLE]
    gone.append(dict(dest='10.5.0.0/24', table='201', state='absent'))
    res = apply(ns, routes=gone,
                rules=[dict(priority=1000, table='201', family=f, proto='multinic', state='absent')
                       for f in ('ipv4', 'ipv6')])
    assert res['differences'][:4] == ['rules[0].present', 'rules[1].present', 'routes[0].present',
                                      'routes[1].present']
    assert [r['dst'] for r in table(ns, 201)] == ['10.5.0.0/24']
    assert rules_at(ns, 1000) == [] and rules_at(ns, 1000, 6) == []
    assert len(res['removed']['routes']) == 4 and len(res['removed']['rules']) == 2


def test_purge_removes_only_the_collections_routes_and_rules_in_scope(ns):
    apply(ns, routes=SOURCE_TABLE, rules=SOURCE_RULES)
    # not ours, or not in scope: all of these must survive the purge
    ns.run('route', 'add', '10.5.0.0/24', 'via', '10.0.0.2', 'table', '201', 'proto', 'static')
    ns.run('route', 'add', '10.4.0.0/24', 'via', '10.0.0.2', 'table', '202', 'proto', '241')
    ns.run('rule', 'add', 'priority', '1000', 'from', '10.0.0.9', 'table', '201')
    ns.run('rule', 'add', 'priority', '1002', 'from', '10.0.0.8', 'table', '202', 'protocol', '241')
    keep = [SOURCE_TABLE[0]]
    res = apply(ns, routes=keep, rules=[SOURCE_RULES[1]], purge=True, purge_tables=['201'])
    assert sorted(res['differences']) == sorted([
        'purge - rule "1000: from 2001:db8::1/128 lookup 201"',
        'purge - route default (table 201, metric 0)',
        'purge - route 2001:db8:9::/64 (table 201, metric 1024)'])
    assert sorted(r['dst'] for r in table(ns, 201)) == ['10.0.0.0/24', '10.5.0.0/24']
    assert table(ns, 201, 6) == []
    assert [r['dst'] for r in table(ns, 202)] == ['10.4.0.0/24']
    assert sorted(r.get('src') for r in rules_at(ns, 1000)) == ['10.0.0.1', '10.0.0.9']
    assert rules_at(ns, 1000, 6) == []
    assert len(rules_at(ns, 1002)) == 1 and len(rules_at(ns, 999)) == 1
    # routes in main of the collection are out of scope too
    assert [r['dst'] for r in ns.ip('route', 'show') if r['dst'] == '10.9.0.0/24'] == ['10.9.0.0/24']
    # purge alone empties the scope of what is ours, and only that
    res = apply(ns, purge=True, purge_tables=['201'])
    assert [r['dst'] for r in table(ns, 201)] == ['10.5.0.0/24']
    assert [r.get('src') for r in rules_at(ns, 1000)] == ['10.0.0.9']
    assert len(res['removed']['routes']) == 1 and len(res['removed']['rules']) == 1


def test_purge_needs_a_scope_and_refuses_kernel_proto(ns):
    res = run(ns, purge=True)
    assert res['rc'] != 0 and 'purge_tables' in res['msg'], res
    res = run(ns, purge=True, purge_tables=['main'], proto='kernel')
    assert res['rc'] != 0 and 'protocol 2 (kernel)' in res['msg'], res


def test_check_mode_predicts_the_kernels_view(ns):
    routes = [dict(dest='10.9.0.0/24', gateway='10.0.1.2'),
              dict(dest='2001:db8:7::/64', type='blackhole', table='202')]
    res = apply(ns, routes=routes)
    assert res['routes'][0]['dev'] == 'veth1' and res['routes'][1]['dev'] == 'lo'


def test_duplicate_entries_are_refused(ns):
    res = run(ns, routes=[dict(dest='10.9.0.0/24', gateway='10.0.1.2'),
                          dict(dest='10.9.0.0/24', gateway='10.0.0.2', table='main')])
    assert res['rc'] != 0 and 'routes[0] and routes[1]' in res['msg'], res


def test_in_a_namespace_that_does_not_exist(netns_factory):
    missing = netns_factory(create=False)
    res = run_module('routing_state', dict(netns=missing.name, routes=[dict(dest='default', gateway='10.0.0.2')]))
    assert res['rc'] != 0 and missing.name in res['msg']
    import os
    assert not os.path.exists('/run/netns/' + missing.name)


# -- the management-path guard ------------------------------------------------------------------
# The "controller" is 10.0.0.254, on veth0's subnet; the session arrives on 10.0.0.1. A route to
# it by veth1 moves the path; a route elsewhere does not.
PEER, LOCAL = '10.0.0.254', '10.0.0.1'
WRONG = [dict(dest='10.9.0.0/24', gateway='10.0.1.2', dev='veth1'),
         dict(dest=PEER, gateway='10.0.1.2', dev='veth1')]
WRONG_RULES = [dict(priority=1000, **{'from': '10.0.1.1', 'table': '201'})]


def test_guard_undoes_a_change_that_moves_the_management_path(ns):
    # the collection's own route to the controller (replaced by routes[1]) and one of its rules
    # (deleted by the absent entry) must come back exactly as they were
    ns.run('route', 'add', PEER + '/32', 'dev', 'veth0', 'scope', 'link', 'proto', '241')
    ns.run('rule', 'add', 'priority', '1500', 'from', '10.0.0.1', 'table', '202', 'proto', '241')
    before = state(ns)
    res = run(ns, routes=WRONG, rules=WRONG_RULES + [dict(priority=1500, table='202', state='absent')],
              guard=True, guard_peer=PEER, guard_local=LOCAL)
    assert res['rc'] == 1 and res['failed'], res
    assert res['msg'].startswith('routes[1] (%s/32 (table 254, metric 0) via 10.0.1.2 dev veth1)' % PEER), res['msg']
    assert 'moved the management path: packets from %s to %s' % (LOCAL, PEER) in res['msg']
    assert 'left by dev veth0 src 10.0.0.1 (table 254) before the change and by dev veth1 via 10.0.1.2 src ' \
        '10.0.0.1 (table 254) after it' in res['msg']
    assert 'every change of this task was undone' in res['msg']
    assert res['changed'] is False
    assert res['guard']['active'] and res['guard']['path']['dev'] == 'veth0'
    assert state(ns) == before


def _armed(nl):
    from ansible_collections.multinic.routing.plugins.module_utils import _guard
    state = dict(active=False, reason=None, peer=PEER, local=LOCAL, source='test', path=None)
    _guard.arm(nl, state)
    assert state['active'] and state['path']['dev'] == 'veth0', state
    return state


def test_guard_waits_while_a_network_manager_takes_the_local_address_again(ns):
    """After the task's writes the session's own address is gone - a network manager that an
    earlier step reloaded drops its DHCP address and takes it again: not a move of the writes
    (they cannot remove an address); the guard looks again until the path is back."""
    import threading
    from ansible_collections.multinic.routing.plugins.module_utils import _guard, _netlink
    with _netlink.Netlink(ns.name) as nl:
        state = _armed(nl)
        ns.run('addr', 'del', LOCAL + '/24', 'dev', 'veth0')
        back = threading.Timer(1.0, ns.run, ('addr', 'add', LOCAL + '/24', 'dev', 'veth0'))
        back.start()
        try:
            assert _guard.moved(nl, state)[1].startswith('no way at all'), 'the address is gone now'
            assert _guard.moved_after_write(nl, state, settle=10) is None
        finally:
            back.join()
    assert ip_route_get(ns.name, PEER, 'from', LOCAL)[:3] == ('veth0', None, LOCAL)


def test_guard_gives_up_on_an_address_that_stays_gone(ns):
    from ansible_collections.multinic.routing.plugins.module_utils import _guard, _netlink
    import time
    naps = []

    def nap(seconds):
        naps.append(seconds)
        time.sleep(seconds)

    with _netlink.Netlink(ns.name) as nl:
        state = _armed(nl)
        ns.run('addr', 'del', LOCAL + '/24', 'dev', 'veth0')
        found = _guard.moved_after_write(nl, state, settle=1, sleep=nap)
    assert found is not None and found[0] is None and 'is not an address of' in found[1], found
    assert 3 <= len(naps) <= 6, naps


def test_guard_answers_a_move_of_the_writes_at_once(ns):
    """The address is there and a route moved the path: no waiting (the undo comes at once)."""
    from ansible_collections.multinic.routing.plugins.module_utils import _guard, _netlink
    naps = []
    with _netlink.Netlink(ns.name) as nl:
        state = _armed(nl)
        ns.run('route', 'add', PEER, 'via', '10.0.1.2', 'dev', 'veth1')
        found = _guard.moved_after_write(nl, state, settle=10, sleep=naps.append)
    assert found is not None and found[0]['dev'] == 'veth1' and naps == [], (found, naps)


def test_guard_unguarded_the_same_change_moves_the_path(ns):
    """The control case: without the guard the same task takes the path away."""
    res = run(ns, routes=WRONG)
    off = dict(active=False, reason='guard=false', peer=None, local=None, source=None, path=None)
    assert res['changed'] and res['guard'] == off
    assert ip_route_get(ns.name, PEER, 'from', LOCAL)[:2] == ('veth1', '10.0.1.2')


def test_guard_lets_a_change_that_keeps_the_path_through(ns):
    first = apply(ns, routes=WRONG[:1] + SOURCE_TABLE[:2], rules=SOURCE_RULES[:2],
                  guard=True, guard_peer=PEER, guard_local=LOCAL)
    assert first['changed']
    assert first['guard']['active'] and first['guard']['reason'] is None
    assert first['guard']['path'] == dict(dev='veth0', gateway=None, prefsrc=LOCAL, table=254)
    assert first['guard']['source'] == 'guard_peer and guard_local'
    assert table(ns, 201)


def test_guard_reads_ssh_connection_of_an_ancestor(ns):
    """As under sudo: the module process has no SSH_CONNECTION, the shell above it has."""
    before = state(ns)
    wrap = ['ip', 'netns', 'exec', ns.name, 'env', 'SSH_CONNECTION=%s 50000 %s 22' % (PEER, LOCAL),
            'sh', '-c', 'env -u SSH_CONNECTION "$@"; exit $?', 'sh']
    res = run_module('routing_state', dict(routes=WRONG, guard=True), wrap=wrap)
    assert res['rc'] == 1, res
    assert res['msg'].startswith('routes[1] ('), res['msg']
    assert res['guard']['source'].startswith('SSH_CONNECTION of process '), res['guard']
    assert (res['guard']['peer'], res['guard']['local']) == (PEER, LOCAL)
    assert state(ns) == before


def test_guard_off_says_why(ns):
    # a pid namespace of its own: no ancestor (not the test runner's SSH session either) is seen
    wrap = ['unshare', '--pid', '--fork', '--mount-proc', 'ip', 'netns', 'exec', ns.name,
            'env', '-u', 'SSH_CONNECTION']
    res = run_module('routing_state', dict(routes=WRONG[:1], guard=True), wrap=wrap)
    assert res['changed'] and not res['guard']['active'], res
    assert res['guard']['reason'].startswith('no SSH_CONNECTION in the environment'), res['guard']
    res = run(ns, routes=WRONG[:1], guard=True)
    assert not res['changed'] and not res['guard']['active']
    assert res['guard']['reason'].startswith("the task acts in namespace '%s'" % ns.name), res['guard']
    # check mode records the path and writes nothing
    res = run(ns, routes=WRONG, check_mode=True, guard=True, guard_peer=PEER, guard_local=LOCAL)
    assert res['changed'] and res['guard']['active'] and not res.get('failed')
    assert ip_route_get(ns.name, PEER, 'from', LOCAL)[0] == 'veth0'


@pytest.mark.parametrize('option, value', [('guard_peer', '10.0.0.300'), ('guard_local', 'ens3')])
def test_guard_bad_address_fails_before_anything_is_written(ns, option, value):
    before = state(ns)
    args = dict(routes=WRONG, guard=True, guard_peer=PEER, guard_local=LOCAL)
    args[option] = value
    res = run(ns, **args)
    assert res['rc'] == 1 and res['msg'] == '%s=%r is not a valid IP address' % (option, value), res
    assert state(ns) == before
