# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.batch against the real kernel: a table name (in a private /etc/iproute2),
routes and rules (in a throwaway namespace) in one module run, read back with `ip -j` and from
the files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

import pytest

from .conftest import check_run_rerun, private_run_wrap, run_module


@pytest.fixture(autouse=True)
def ready(ns):
    ns.wait_ready()


def observe(ns, etc):
    tables_d = os.path.join(etc, 'rt_tables.d')
    files = {}
    for name in sorted(os.listdir(tables_d)):
        with open(os.path.join(tables_d, name)) as handle:
            files[name] = handle.read()
    return (ns.ip('-d', 'route', 'show', 'table', 'all'), ns.ip('-6', '-d', 'route', 'show', 'table', 'all'),
            ns.ip('-d', 'rule', 'show'), files)


def batch(ns, wrap, steps, check_mode=False, diff=True):
    return run_module('batch', {'steps': steps}, check_mode=check_mode, diff=diff, wrap=wrap)


def source_steps(ns, state='present'):
    """A data NIC's table: its name, its routes and source rule, and a route in main."""
    if state == 'absent':
        return [
            {'module': 'multinic.routing.routing_state', 'params': {
                'netns': ns.name,
                'rules': [{'priority': 1000, 'table': '201', 'state': 'absent'}],
                'routes': [{'dest': 'default', 'table': '201', 'state': 'absent'},
                           {'dest': '10.0.0.0/24', 'table': '201', 'state': 'absent'}]}},
            {'module': 'rt_table', 'params': {'name': 'data', 'state': 'absent'}},
        ]
    return [
        {'module': 'multinic.routing.rt_table', 'params': {'name': 'data', 'id': 201}},
        {'module': 'multinic.routing.routing_state', 'params': {
            'netns': ns.name,
            'routes': [{'dest': '10.0.0.0/24', 'dev': 'veth0', 'scope': 'link', 'src': '10.0.0.1', 'table': '201'},
                       {'dest': 'default', 'gateway': '10.0.0.2', 'dev': 'veth0', 'src': '10.0.0.1', 'table': '201'}],
            'rules': [{'priority': 1000, 'from': '10.0.0.1', 'table': '201'}]}},
        {'module': 'route', 'params': {'netns': ns.name, 'dest': '10.9.0.0/24', 'gateway': '10.0.1.2'}},
    ]


def test_apply_rerun_and_remove(ns, private_iproute2):
    etc, wrap = private_iproute2
    _check, first, _second = check_run_rerun(
        lambda check_mode: batch(ns, wrap, source_steps(ns), check_mode=check_mode),
        lambda: observe(ns, etc), same=('changed', 'differences', 'diff'))
    assert [r['module'] for r in first['results']] == [
        'multinic.routing.rt_table', 'multinic.routing.routing_state', 'multinic.routing.route']
    assert all(r['changed'] for r in first['results'])
    assert first['differences'][0] == 'steps[0].absent'
    assert 'steps[1].routes[0].absent' in first['differences'] and 'steps[2].absent' in first['differences']
    assert isinstance(first['diff'], list) and len(first['diff']) == 3
    # read back independently
    with open(os.path.join(etc, 'rt_tables.d', 'data.conf')) as handle:
        assert '201\tdata\n' in handle.read()
    table = ns.ip('-d', 'route', 'show', 'table', '201')
    assert sorted((r['dst'], r.get('gateway'), r.get('prefsrc')) for r in table) == [
        ('10.0.0.0/24', None, '10.0.0.1'), ('default', '10.0.0.2', '10.0.0.1')]
    assert [(r['dst'], r['gateway']) for r in ns.ip('route', 'show') if r['dst'] == '10.9.0.0/24'] == [
        ('10.9.0.0/24', '10.0.1.2')]
    assert [(r['src'], r['table']) for r in ns.ip('rule', 'show') if r['priority'] == 1000] == [('10.0.0.1', '201')]

    check_run_rerun(lambda check_mode: batch(ns, wrap, source_steps(ns, 'absent'), check_mode=check_mode),
                    lambda: observe(ns, etc), same=('changed', 'differences'))
    assert ns.ip('-d', 'route', 'show', 'table', '201') == []
    assert [r for r in ns.ip('rule', 'show') if r['priority'] == 1000] == []
    assert not os.path.exists(os.path.join(etc, 'rt_tables.d', 'data.conf'))


@pytest.mark.parametrize('bad, message', [
    ({'module': 'route', 'params': {'dest': '10.9.0.1/24', 'gateway': '10.0.1.2'}},
     "steps[2].params.dest='10.9.0.1/24' has host bits set; the network is 10.9.0.0/24 (step module route)"),
    ({'module': 'rt_table', 'params': {'name': 'other', 'id': 'x'}},
     "steps[2].params.id='x': argument 'id' is of type str"),
    ({'module': 'multinic.routing.rollback', 'params': {}},
     "steps[2].module='multinic.routing.rollback': a rollback can only be steps[0]"),
    ({'module': 'networkd_dropin', 'params': {'interface': 'ens4', 'name': 'x', 'colour': 'blue'}},
     "steps[2].params.colour='blue': not an option of multinic.routing.networkd_dropin"),
])
def test_bad_step_fails_before_anything_is_written(ns, private_iproute2, bad, message):
    etc, wrap = private_iproute2
    before = observe(ns, etc)
    res = batch(ns, wrap, source_steps(ns)[:2] + [bad])
    assert res['rc'] != 0 and res['failed'] is True
    assert message in res['msg'], res['msg']
    assert observe(ns, etc) == before


def test_failing_step_stops_the_batch(ns, private_iproute2):
    """A kernel error in step 1: step 0 stays done, step 2 never runs, the task says which."""
    etc, wrap = private_iproute2
    steps = source_steps(ns)
    steps[1] = {'module': 'route', 'params': {'netns': ns.name, 'dest': '10.8.0.0/24', 'gateway': '192.0.2.1'}}
    res = batch(ns, wrap, steps)
    assert res['rc'] != 0 and res['failed'] is True and res['changed'] is True, res
    assert res['msg'].startswith('steps[1] (multinic.routing.route) failed: '), res['msg']
    assert 'unreachable' in res['msg'], res['msg']
    assert res['failed_step'] == 1
    assert [(r['module'], r['changed'], r.get('failed', False)) for r in res['results']] == [
        ('multinic.routing.rt_table', True, False), ('multinic.routing.route', False, True)]
    assert os.path.exists(os.path.join(etc, 'rt_tables.d', 'data.conf'))
    assert [r for r in ns.ip('route', 'show') if r['dst'] in ('10.8.0.0/24', '10.9.0.0/24')] == []


@pytest.fixture
def armed_place(ns, private_iproute2, tmp_path):
    """(etc, wrap, run directory): module runs inside ``ns``, with a private /etc/iproute2 and a
    private /run/multinic-routing (the rollback's snapshot and restorer; see test_rollback.py)."""
    etc, iproute2_wrap = private_iproute2
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    wrap = private_run_wrap(ns, run_dir) + iproute2_wrap
    return etc, wrap, run_dir


def test_a_rollback_first_arms_only_when_a_step_changes(ns, armed_place):
    """The arm as steps[0]: armed before a change (and confirmed after it), nothing armed when
    nothing is to change, armed again while an earlier arm waits for its confirm."""
    etc, wrap, run_dir = armed_place
    arm = {'module': 'multinic.routing.rollback',
           'params': {'name': 't', 'timeout': 60, 'interfaces': ['veth0'], 'tables': ['201']}}
    snapshot = run_dir / 'rollback' / 't' / 'snapshot.json'

    first = batch(ns, wrap, [arm] + source_steps(ns))
    assert first['rc'] == 0 and first['changed'] is True, first
    assert first['rollback']['armed'] is True and first['results'][0]['rollback']['armed'] is True
    assert snapshot.exists()
    assert [(r['src'], r['table']) for r in ns.ip('rule', 'show') if r['priority'] == 1000] == [('10.0.0.1', '201')]
    done = run_module('rollback', {'name': 't', 'state': 'confirmed'}, wrap=wrap)
    assert done['rc'] == 0 and done['rollback']['confirmed'] is True, done
    assert not snapshot.exists()

    before = observe(ns, etc)
    again = batch(ns, wrap, [arm] + source_steps(ns))
    assert again['rc'] == 0 and again['changed'] is False, again
    assert again['rollback']['armed'] is False and 'nothing to change' in again['rollback']['reason']
    assert [r['module'] for r in again['results']][:2] == ['multinic.routing.rollback', 'multinic.routing.rt_table']
    assert not snapshot.exists() and observe(ns, etc) == before

    # armed, not confirmed; the same change again (nothing to change) arms it again for its confirm
    removed = batch(ns, wrap, [arm] + source_steps(ns, 'absent'))
    assert removed['rc'] == 0 and removed['changed'] is True and removed['rollback']['armed'] is True, removed
    assert [r for r in ns.ip('rule', 'show') if r['priority'] == 1000] == []
    rerun = batch(ns, wrap, [arm] + source_steps(ns, 'absent'))
    assert rerun['rc'] == 0 and rerun['changed'] is False and rerun['rollback']['armed'] is True, rerun
    assert any('armed before and not confirmed' in str(w) for w in rerun.get('warnings', [])), rerun
    done = run_module('rollback', {'name': 't', 'state': 'confirmed'}, wrap=wrap)
    assert done['rc'] == 0 and done['rollback']['confirmed'] is True, done
    # nothing left armed: the waiting restorer exits and the directory goes (a moment after the confirm)
    deadline = time.time() + 15
    while os.listdir(str(run_dir)) and time.time() < deadline:
        time.sleep(0.2)
    assert [str(p.relative_to(run_dir)) for p in sorted(run_dir.rglob('*'))] == []


def plan_settings(tmp_path, state='present', **extra):
    """source_routing's plan for veth0 (data, 10.0.0.1/24) and veth1 (control, 10.0.1.1/24) of
    the test's namespace, kept by nothing (persist off): the tables, rules and names only."""
    settings = {
        'state': state, 'interface': 'veth0', 'gateway': '10.0.0.2', 'table': 'kt_data', 'table_id': 201,
        'priority': 1000, 'control_interface': 'veth1', 'control_gateway': '10.0.1.2', 'control_table': 'kt_control',
        'control_table_id': 202, 'control_priority': 1001, 'main_first': True, 'main_first_priority': 999,
        'rp_filter_loose': False, 'persist': False, 'guard': False, 'name': 'kt_plan',
        'sysctl_file': str(tmp_path / 'sysctl.conf'), 'legacy_file': str(tmp_path / 'legacy.yaml'),
        'legacy_header': '# legacy', 'host': 'kt-host'}
    settings.update(extra)
    return settings


def record(tmp_path, state='present', strategy='source_routing'):
    return {'name': 'kt_record', 'directory': str(tmp_path), 'state': state, 'prune': False,
            'content': {'strategy': strategy} if state == 'present' else None}


def planned(ns, wrap, settings, rec=None, check_mode=False):
    plan = {'role': 'source_routing', 'settings': settings}
    if rec:
        plan['record'] = rec
    return run_module('batch', {'plan': plan}, check_mode=check_mode, diff=True,
                      wrap=['ip', 'netns', 'exec', ns.name] + wrap)


def test_plan_reads_decides_and_applies_in_one_run(ns, private_iproute2, tmp_path):
    etc, wrap = private_iproute2
    fact = tmp_path / 'kt_record.fact'

    def observed():
        return observe(ns, etc) + (fact.read_text() if fact.exists() else None,)

    _check, first, second = check_run_rerun(
        lambda check_mode: planned(ns, wrap, plan_settings(tmp_path), record(tmp_path), check_mode=check_mode),
        observed, same=('changed', 'differences'))
    # read back independently: each NIC's table and rule, main first, the names, the record
    assert sorted((r['dst'], r.get('gateway'), r.get('prefsrc')) for r in ns.ip('route', 'show', 'table', '201')) == [
        ('10.0.0.0/24', None, '10.0.0.1'), ('default', '10.0.0.2', '10.0.0.1')]
    assert sorted((r['dst'], r.get('gateway')) for r in ns.ip('route', 'show', 'table', '202')) == [
        ('10.0.1.0/24', None), ('default', '10.0.1.2')]
    rules = dict((r['priority'], r) for r in ns.ip('rule', 'show'))
    assert (rules[999]['table'], rules[999].get('suppress_prefixlen')) == ('main', 0)
    assert (rules[1000]['src'], rules[1000]['table']) == ('10.0.0.1', '201')
    assert (rules[1001]['src'], rules[1001]['table']) == ('10.0.1.1', '202')
    with open(os.path.join(etc, 'rt_tables.d', 'kt_data.conf')) as handle:
        assert '201\tkt_data\n' in handle.read()
    assert json.loads(fact.read_text()) == {'strategy': 'source_routing',
                                            'persistence': {'veth0': 'runtime', 'veth1': 'runtime'}}
    assert first['plan']['kept'] == {'veth0': 'runtime', 'veth1': 'runtime'} and first['plan']['errors'] == []
    assert first['recorded'] == '' and second['recorded'] == 'source_routing'
    assert first['results'][-1]['module'] == 'multinic.routing.local_fact'

    # absent: check mode, run, re-run - the tables, rules, names and the record go
    check_run_rerun(
        lambda check_mode: planned(ns, wrap, plan_settings(tmp_path, 'absent'), record(tmp_path, 'absent'),
                                   check_mode=check_mode),
        observed, same=('changed', 'differences'), rerun=False)
    assert ns.ip('route', 'show', 'table', '201') == [] and ns.ip('route', 'show', 'table', '202') == []
    assert [r for r in ns.ip('rule', 'show') if r['priority'] in (999, 1000, 1001)] == []
    assert not fact.exists()
    # absent again, with no record: nothing runs, and it says so
    again = planned(ns, wrap, plan_settings(tmp_path, 'absent'), record(tmp_path, 'absent'))
    assert again['rc'] == 0 and again['changed'] is False and again['nothing_to_remove'] is True, again
    assert again['results'] == [] and 'no strategy is recorded' in again['msg']


def test_plan_fails_before_writing_for_another_strategy_or_bad_input(ns, private_iproute2, tmp_path):
    etc, wrap = private_iproute2
    fact = tmp_path / 'kt_record.fact'
    fact.write_text(json.dumps({'strategy': 'netns'}))
    before = observe(ns, etc)
    other = planned(ns, wrap, plan_settings(tmp_path), record(tmp_path))
    assert other['rc'] == 1 and other['failed'], other
    assert other['msg'] == ('kt-host has the netns strategy applied (%s), not source_routing. Remove it first - '
                            'run with data_plane_strategy=netns data_plane_state=absent - then apply source_routing.'
                            % fact)
    assert observe(ns, etc) == before
    fact.unlink()
    # every input error at once, with its option: a bad gateway, and a NIC without an IPv4 address
    ns.ip('addr', 'flush', 'dev', 'veth1')
    before = observe(ns, etc)
    bad = planned(ns, wrap, plan_settings(tmp_path, gateway='10.0.0'), record(tmp_path))
    assert bad['rc'] == 1 and bad['failed'], bad
    assert 'not IPv4 addresses: source_routing_gateway=10.0.0' in bad['msg'], bad['msg']
    assert 'veth1 has no IPv4 address on kt-host' in bad['msg'], bad['msg']
    assert bad['plan']['errors'] and 'results' not in bad
    unknown = planned(ns, wrap, dict((k, v) for k, v in plan_settings(tmp_path).items() if k != 'table'))
    assert unknown['rc'] == 1 and unknown['msg'] == 'plan.settings lack table', unknown
    badname = planned(ns, wrap, plan_settings(tmp_path), dict(record(tmp_path), name='no good'))
    assert badname['rc'] == 1 and badname['msg'].startswith("plan.record: name='no good' is not a fact name"), badname
    assert observe(ns, etc) == before and not fact.exists()
