# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.batch without a kernel: what is validated before any step runs, how steps
run and how their results, warnings, diffs and failures come back (the kernel tests run it for
real: tests/kernel/test_batch.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest
import yaml

from ansible_collections.multinic.routing.plugins.module_utils import _batch
from ansible_collections.multinic.routing.plugins.module_utils import _plan_source_routing
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError
from ansible_collections.multinic.routing.plugins.modules import batch


class FakeModule(object):
    def __init__(self, steps, check_mode=False, diff=False):
        self.params = {'steps': steps}
        self.check_mode = check_mode
        self._diff = diff
        self.commands = []

    def run_command(self, argv, **kwargs):
        self.commands.append(argv)
        return 0, 'out', ''

    def fail_json(self, **kwargs):
        raise AssertionError('fail_json: %r' % kwargs)


@pytest.fixture
def fake_modules(monkeypatch):
    """Two stand-in step modules (the real specs of rt_table and route), recording their runs."""
    ran = []

    class Step(object):
        def __init__(self, real, outcome):
            self.SPEC = real.SPEC
            self.build = getattr(real, 'build', None)     # the module's own checks (route)
            self.outcome = outcome

        def run(self, module):
            ran.append((module.params, module.check_mode, module._diff))
            return self.outcome(module)

    def table(module):
        module.warn('a word from rt_table')
        module.run_command(['true'])
        return {'changed': True, 'differences': ['content'], 'diff': {'before': '', 'after': 'x'}}

    def route(module):
        if module.params['dest'] == '10.66.0.0/16':
            raise ModuleFailure('the kernel said no', code=22, path='/x')
        return {'changed': False, 'differences': [], 'warnings': ['a word from route'],
                'diff': [{'before': 'a', 'after': 'a'}]}

    modules = dict(_batch.MODULES, rt_table=Step(_batch.MODULES['rt_table'], table),
                   route=Step(_batch.MODULES['route'], route))
    monkeypatch.setattr(_batch, 'MODULES', modules)
    monkeypatch.setattr(_batch, 'require_pyroute2', lambda module: None)
    return ran


TABLE = {'module': 'multinic.routing.rt_table', 'params': {'name': 'data', 'id': 201}}
ROUTE = {'module': 'route', 'params': {'dest': '10.9.0.0/24', 'gateway': '10.0.1.2'}}


def test_steps_run_in_order_with_the_task_modes(fake_modules):
    module = FakeModule([TABLE, ROUTE], check_mode=True, diff=True)
    result = _batch.run(module)
    assert [(p['name'] if 'name' in p else p['dest'], check, diff) for p, check, diff in fake_modules] == [
        ('data', True, True), ('10.9.0.0/24', True, True)]
    assert fake_modules[1][0]['state'] == 'present'        # defaults filled as the module's own spec does
    assert module.commands == [['true']]                   # run_command is the task's module's
    assert result['changed'] is True
    assert result['differences'] == ['steps[0].content']
    assert [r['module'] for r in result['results']] == ['multinic.routing.rt_table', 'multinic.routing.route']
    assert all('diff' not in r and 'warnings' not in r for r in result['results'])
    assert result['diff'] == [{'before': '', 'after': 'x'}, {'before': 'a', 'after': 'a'}]
    assert result['warnings'] == ['steps[0] (multinic.routing.rt_table): a word from rt_table',
                                  'steps[1] (multinic.routing.route): a word from route']


def test_no_diff_key_without_diff_mode(fake_modules):
    assert 'diff' not in _batch.run(FakeModule([TABLE]))


def test_a_failing_step_stops_the_batch_and_is_named(fake_modules):
    bad = {'module': 'route', 'params': {'dest': '10.66.0.0/16', 'gateway': '10.0.1.2'}}
    with pytest.raises(ModuleFailure) as err:
        _batch.run(FakeModule([TABLE, bad, ROUTE]))
    assert err.value.msg == 'steps[1] (multinic.routing.route) failed: the kernel said no'
    assert err.value.code == 22
    result = err.value.result
    assert result['failed_step'] == 1 and result['changed'] is True
    assert [(r['module'], r['changed'], r.get('failed', False)) for r in result['results']] == [
        ('multinic.routing.rt_table', True, False), ('multinic.routing.route', False, True)]
    assert result['results'][1]['path'] == '/x' and result['results'][1]['msg'] == 'the kernel said no'
    assert len(fake_modules) == 2                          # the third step never ran


@pytest.mark.parametrize('steps, needle', [
    ([TABLE, {'module': 'multinic.routing.rollback', 'params': {}}],
     "steps[1].module='multinic.routing.rollback': a rollback can only be steps[0]"),
    ([{'module': 'rollback', 'params': {'state': 'confirmed'}}],
     "steps[0].params.state='confirmed': a rollback step can only arm (state=armed)"),
    ([{'module': 'rollback', 'params': {'timeout': 1}}], "steps[0].params.timeout=1 is out of range"),
    ([{'module': 'community.general.ufw', 'params': {}}], "steps[0].module='community.general.ufw' is not one of"),
    ([TABLE, {'module': 'route', 'params': {'dest': '10.9.0.1/24', 'gateway': '10.0.1.2'}}],
     "steps[1].params.dest='10.9.0.1/24' has host bits set; the network is 10.9.0.0/24 (step module route)"),
    ([TABLE, {'module': 'route', 'params': {'dest': 'default', 'dev': 'eth0', 'netns': 'a/b'}}],
     "steps[1].params.netns='a/b' is not a valid namespace name"),
    ([{'module': 'rt_table', 'params': {'name': 'main', 'id': 5}}], "steps[0].params.name='main' is a built-in"),
    ([{'module': 'rt_table', 'params': {'name': 'x', 'id': 5, 'colour': 'blue'}}],
     "steps[0].params.colour='blue': not an option of multinic.routing.rt_table"),
    ([{'module': 'networkd_dropin', 'params': {'interface': 'ens4'}}], 'steps[0].params.name: missing required arguments: name'),
    ([{'module': 'routing_state', 'params': {'routes': [{'dest': '10.0.0.1/8'}]}}],
     "steps[0].params.routes[0].dest='10.0.0.1/8' has host bits set"),
    ([{'module': 'boot_unit', 'params': {'name': 'x', 'order': 'after-network',
                                         'steps': [{'module': 'route', 'params': {'dest': 'nowhere'}}]}}],
     "steps[0].params.steps[0].params.dest='nowhere'"),
    ([{'module': 'netns', 'params': {'name': '..'}}], "steps[0].params.name='..' is not a valid namespace name"),
])
def test_bad_input_anywhere_fails_before_any_step_runs(fake_modules, steps, needle):
    with pytest.raises(ValidationError) as err:
        _batch.run(FakeModule(steps))
    assert needle in err.value.msg, err.value.msg
    assert fake_modules == []


ARM = {'module': 'multinic.routing.rollback', 'params': {'name': 'data-plane', 'timeout': 60}}


@pytest.fixture
def fake_rollback(monkeypatch, fake_modules):
    """A stand-in rollback (the real spec), recording its runs in the same list; no snapshot on disk."""

    class Rollback(object):
        SPEC = _batch.MODULES['rollback'].SPEC

        def run(self, module):
            fake_modules.append((module.params, module.check_mode, module._diff))
            return {'changed': False, 'rollback': {'name': module.params['name'], 'armed': not module.check_mode}}

    monkeypatch.setitem(_batch.MODULES, 'rollback', Rollback())
    monkeypatch.setattr(_batch.os.path, 'exists', lambda path: False)
    return fake_modules


def runs(ran):
    return [(p.get('dest') or p['name'], check) for p, check, diff in ran]


def test_a_rollback_first_arms_nothing_when_no_step_would_change(fake_rollback):
    result = _batch.run(FakeModule([ARM, ROUTE]))
    assert runs(fake_rollback) == [('10.9.0.0/24', True)]          # the step in check mode only; no arm
    assert result['changed'] is False
    assert result['rollback'] == {'name': 'data-plane', 'armed': False, 'reason': _batch.NOTHING_TO_CHANGE}
    assert [r['module'] for r in result['results']] == ['multinic.routing.rollback', 'multinic.routing.route']
    assert result['warnings'] == ['steps[1] (multinic.routing.route): a word from route']


def test_a_rollback_first_is_armed_before_the_steps_that_change(fake_rollback):
    result = _batch.run(FakeModule([ARM, TABLE, ROUTE]))
    assert runs(fake_rollback) == [('data', True), ('10.9.0.0/24', True),                  # would change
                                   ('data-plane', False), ('data', False), ('10.9.0.0/24', False)]
    assert result['changed'] is True and result['rollback']['armed'] is True
    assert result['differences'] == ['steps[1].content']


def test_a_rollback_first_is_armed_when_a_step_fails_in_check_mode(fake_rollback):
    bad = {'module': 'route', 'params': {'dest': '10.66.0.0/16', 'gateway': '10.0.1.2'}}
    with pytest.raises(ModuleFailure) as err:
        _batch.run(FakeModule([ARM, bad]))
    assert err.value.msg == 'steps[1] (multinic.routing.route) failed: the kernel said no'
    assert runs(fake_rollback) == [('10.66.0.0/16', True), ('data-plane', False), ('10.66.0.0/16', False)]
    assert err.value.result['results'][0]['rollback']['armed'] is True


def test_a_rollback_armed_before_is_armed_again_so_that_its_confirm_comes(monkeypatch, fake_rollback):
    monkeypatch.setattr(_batch.os.path, 'exists', lambda path: path == '/run/multinic-routing/rollback/data-plane/snapshot.json')
    result = _batch.run(FakeModule([ARM, ROUTE]))
    assert runs(fake_rollback) == [('data-plane', False), ('10.9.0.0/24', False)]
    assert result['rollback']['armed'] is True


def test_a_rollback_first_in_check_mode_runs_once_and_arms_nothing(fake_rollback):
    result = _batch.run(FakeModule([ARM, TABLE], check_mode=True))
    assert runs(fake_rollback) == [('data-plane', True), ('data', True)]
    assert result['rollback']['armed'] is False and result['changed'] is True


def test_pyroute2_is_needed_unless_every_step_writes_files_only(monkeypatch, fake_modules):
    asked = []
    monkeypatch.setattr(_batch, 'require_pyroute2', asked.append)
    _batch.run(FakeModule([TABLE]))
    assert asked == []
    _batch.run(FakeModule([TABLE, ROUTE]))
    assert len(asked) == 1


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(batch.DOCUMENTATION)
    spec = _batch.SPEC.argument_spec
    assert set(doc['options']) == set(spec) == {'steps', 'plan'}
    for option in ('steps', 'plan'):
        documented = doc['options'][option]
        for key in ('type', 'elements', 'required'):
            assert documented.get(key) == spec[option].get(key), (option, key)
        for name, sub in spec[option]['options'].items():
            for key in ('type', 'default', 'required', 'choices'):
                assert documented['suboptions'][name].get(key) == sub.get(key), (option, name, key)
    assert _batch.SPEC.required_one_of == [('steps', 'plan')]
    assert doc['extends_documentation_fragment'] == ['multinic.routing.netns.ATTRIBUTES']
    listed = set(re.findall(r'M\(multinic\.routing\.(\w+)\)', ' '.join(doc['description'])))
    assert listed - {'routing_facts', 'route_lookup'} == set(_batch.MODULES)
    examples = yaml.safe_load(batch.EXAMPLES)
    for example in examples:
        if 'multinic.routing.batch' in example:
            _batch.validate({'steps': example['multinic.routing.batch'].get('steps')})
    assert sum('multinic.routing.batch' in example for example in examples) == 4
    plan = [e['multinic.routing.batch']['plan'] for e in examples if 'plan' in e.get('multinic.routing.batch', {})]
    assert [p['role'] for p in plan] == ['source_routing']
    assert set(plan[0]['settings']) == set(_plan_source_routing.SETTINGS)
    yaml.safe_load(batch.RETURN)
    assert _batch.SPEC.module_kwargs()['supports_check_mode'] is True
