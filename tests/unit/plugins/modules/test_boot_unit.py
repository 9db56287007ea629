# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.boot_unit and the pieces of its applier, without writing anything.

Steps are validated with the real argument specs of the modules they name (their SPEC),
as the module does; whole-module runs use check mode. Writing the files and applying them with the
installed applier is tested in tests/kernel/test_boot_unit.py inside a private mount namespace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _boot_apply
from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError
from tests.kernel.conftest import run_module

MODULE_UTILS = os.path.dirname(os.path.abspath(_boot_unit.__file__))


def params(**args):
    result = _boot_unit.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def want(**args):
    args.setdefault('name', 'data')
    args.setdefault('order', 'before-network')
    return _boot_unit.validate(params(**args))


def step_error(*steps):
    with pytest.raises(ValidationError) as err:
        want(steps=list(steps))
    return err.value.msg


NETNS_STRATEGY = [
    {'module': 'netns', 'params': {'name': 'data'}},
    {'module': 'link', 'params': {'name': 'ens4', 'netns': 'data', 'state': 'up', 'addresses': ['10.240.64.4/24']}},
    {'module': 'link', 'params': {'name': 'lo', 'netns': 'data', 'state': 'up'}},
    {'module': 'route', 'params': {'dest': 'default', 'gateway': '10.240.64.1', 'dev': 'ens4', 'netns': 'data'}},
]


def test_steps_are_normalised_by_their_modules_specs():
    got = want(steps=NETNS_STRATEGY, wait_for_links=['ens4', 'ens4'])
    assert got['wait_for_links'] == ['ens4'] and got['wait_timeout'] == 60
    assert [s['module'] for s in got['steps']] == ['netns', 'link', 'link', 'route']
    assert got['steps'][0]['params'] == {'name': 'data', 'state': 'present', 'force': False}
    link = got['steps'][1]['params']
    assert link == {'name': 'ens4', 'netns': 'data', 'state': 'up', 'addresses': ['10.240.64.4/24'],
                    'source_netns': None, 'mtu': None, 'networkd_handover': False}
    route = got['steps'][3]['params']
    assert route['table'] == 'main' and route['type'] == 'unicast' and route['state'] == 'present'
    assert set(route) == set(_boot_unit._route.SPEC.argument_spec)


def test_rule_step_keeps_from():
    got = want(steps=[{'module': 'rule', 'params': {'priority': 1000, 'from': '10.240.64.4', 'table': '201'}}])
    assert got['steps'][0]['params']['from'] == '10.240.64.4' and got['steps'][0]['params']['action'] is None


@pytest.mark.parametrize('step, words', [
    ({'module': 'link', 'params': {'name': 'ens4', 'mtu': 'big'}}, ["steps[0].params.mtu='big'", 'int']),
    ({'module': 'link', 'params': {'name': 'ens4', 'state': 'gone'}}, ["steps[0].params.state='gone'", 'up']),
    ({'module': 'link', 'params': {'mtu': 1500}}, ['steps[0].params.name', 'missing required']),
    ({'module': 'link', 'params': {'name': 'ens4', 'adresses': []}},
     ["steps[0].params.adresses=[]", 'not an option of multinic.routing.link', 'addresses']),
    ({'module': 'link', 'params': {'name': 'ens4', 'addresses': ['10.0.0.1']}},
     ["steps[0].params.addresses[0]='10.0.0.1'", 'no prefix length', 'step module link']),
    ({'module': 'link', 'params': {'name': 'much-too-long-name'}}, ["steps[0].params.name='much-too-long-name'"]),
    ({'module': 'link', 'params': {'name': 'ens4', 'netns': 'a/b'}}, ["steps[0].params.netns='a/b'"]),
    ({'module': 'netns', 'params': {'name': '..'}}, ["steps[0].params.name='..'"]),
    ({'module': 'route', 'params': {'dest': '10.0.0.5/24', 'dev': 'ens4'}},
     ["steps[0].params.dest='10.0.0.5/24'", 'host bits', 'step module route']),
    ({'module': 'route', 'params': {'dest': '10.0.0.0/24'}}, ['steps[0].params: a unicast route needs']),
    ({'module': 'route', 'params': {'dest': '10.0.0.0/24', 'gateway': '10.0.0.1', 'nexthops': []}},
     ['steps[0].params: parameters are mutually exclusive: nexthops|gateway']),
    ({'module': 'route', 'params': {'dest': '10.0.0.0/24', 'nexthops': [{'gateway': '10.0.0.1', 'weight': 'x'}]}},
     ['steps[0].params.nexthops[].weight', 'int']),
    ({'module': 'route', 'params': {'dest': '10.0.0.0/24', 'dev': 'ens4', 'table': 'no-such-table'}},
     ["steps[0].params.table='no-such-table'"]),
    ({'module': 'rule', 'params': {'from': '10.0.0.1'}}, ['steps[0].params: state is present', 'priority']),
    ({'module': 'rule', 'params': {'priority': 10, 'from': '10.0.0.1', 'to': '2001:db8::/64'}},
     ['steps[0].params.', 'IPv6']),
])
def test_bad_steps_are_named(step, words):
    msg = step_error(step)
    for word in words:
        assert word in msg, (word, msg)


def test_the_failing_step_is_the_one_named():
    msg = step_error(NETNS_STRATEGY[0], {'module': 'link', 'params': {'name': 'ens4', 'mtu': 10}})
    assert msg.startswith('steps[1].params.mtu=10 is out of range'), msg


@pytest.mark.parametrize('args, needle', [
    (dict(name='a b'), "name='a b'"),
    (dict(name='-x'), "name='-x'"),
    (dict(name='.x'), "name='.x'"),
    (dict(name='x' * 201), 'at most 200'),
    (dict(wait_for_links=['ens 4']), "wait_for_links[0]='ens 4'"),
    (dict(wait_timeout=-1), 'wait_timeout=-1'),
    (dict(wait_timeout=3601), 'wait_timeout=3601'),
])
def test_bad_options_are_named(args, needle):
    with pytest.raises(ValidationError) as err:
        want(steps=NETNS_STRATEGY, **args)
    assert needle in err.value.msg, err.value.msg


@pytest.mark.parametrize('name', ['data', 'netns-data', 'a.b_c-1', 'X' * 200])
def test_good_names(name):
    assert _boot_apply.check_name(name) == name


def test_argument_spec():
    def errors(**args):
        return ' '.join(_boot_unit.SPEC.validate(args).error_messages)
    assert 'steps' in errors(name='x', order='before-network')
    assert 'order' in errors(name='x', steps=[])
    assert errors(name='x', state='absent') == ''
    assert 'order' in errors(name='x', steps=[], order='whenever')
    assert 'module' in errors(name='x', order='after-network', steps=[{'module': 'ip'}])
    assert 'module' in errors(name='x', order='after-network', steps=[{'params': {}}])


def test_unit_text():
    got = want(steps=NETNS_STRATEGY, name='netns-data')
    text = _boot_unit.unit_text(got).splitlines()
    assert text[0].startswith('# Managed by multinic.routing')
    assert 'ExecStart=/usr/local/sbin/multinic-routing-apply netns-data' in text
    assert 'Before=network-pre.target shutdown.target' in text and 'DefaultDependencies=no' in text
    assert [line for line in text if line.startswith('WantedBy=')] == ['WantedBy=multi-user.target']
    late = _boot_unit.unit_text(dict(got, order='after-network')).splitlines()
    assert 'After=network-online.target' in late and 'DefaultDependencies=no' not in late
    assert _boot_unit.unit_path('x') == '/etc/systemd/system/multinic-routing-x.service'
    assert _boot_unit.wants_path('x') == '/etc/systemd/system/multi-user.target.wants/multinic-routing-x.service'


def test_state_text_round_trips_through_the_applier_reader(tmp_path):
    got = want(steps=NETNS_STRATEGY, wait_for_links=['ens4'])
    path = tmp_path / 'data.json'
    path.write_text(_boot_unit.state_text(got))
    state = _boot_apply.load(str(path))
    assert state['steps'] == got['steps'] and state['format'] == _boot_apply.STATE_FORMAT
    path.write_text('{"format": 99, "steps": []}')
    with pytest.raises(_boot_apply.StateError):
        _boot_apply.load(str(path))


# --------------------------------------------------------------------------- the library

def _top_level_ansible_imports(source):
    """Imports of ``ansible`` (not ansible_collections) outside any function."""
    found = []
    for node in ast.parse(source).body:
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) else []:
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.module.split('.')[0] == 'ansible':
                found.append(sub.module)
            elif isinstance(sub, ast.Import):
                found.extend(a.name for a in sub.names if a.name.split('.')[0] == 'ansible')
    return found


def test_library_is_the_import_closure_of_the_applier_and_needs_no_ansible():
    files = _boot_unit.library()
    assert {'_boot_apply.py', '_common.py', '_errors.py', '_iproute2_names.py', '_link.py', '_netlink.py', '_netns.py',
            '_netns_files.py', '_pyroute2.py', '_route.py', '_rtnl_codec.py', '_rule.py'} <= set(files)
    assert '_boot_unit.py' not in files
    for name, data in files.items():
        with open(os.path.join(MODULE_UTILS, name), 'rb') as handle:
            assert handle.read() == data, name
        for imported in _boot_unit.imported_module_utils(data):
            assert imported.rsplit('.', 1)[1] + '.py' in files, (name, imported)
        assert _top_level_ansible_imports(data) == [], (name, 'imports Ansible at import time')


def test_step_module_is_all_run_uses():
    """StepModule stands in for AnsibleModule: it has every attribute the steps' run() use."""
    stand_in = _boot_apply.StepModule({})
    for module in _boot_apply.STEP_MODULES.values():
        with open(module.__file__) as handle:
            tree = ast.parse(handle.read())
        used = set(node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                   and isinstance(node.value, ast.Name) and node.value.id == 'module')
        assert used and all(hasattr(stand_in, attr) for attr in used), (module.__name__, used)


def test_applier_text():
    text = _boot_unit.applier_text('/usr/bin/python3')
    assert text.startswith('#!/usr/bin/python3\n# Managed by multinic.routing')
    compile(text, 'multinic-routing-apply', 'exec')
    assert "sys.path.insert(0, '/usr/local/lib/multinic-routing')" in text


# --------------------------------------------------------------------------- the applier's pieces

def test_step_descriptions_and_outcomes():
    assert _boot_apply.describe_step(NETNS_STRATEGY[1]) == 'link ens4 (netns data, state up)'
    assert _boot_apply.describe_step({'module': 'route', 'params': {'dest': 'default', 'table': '201'}}) == \
        'route default table 201'
    assert _boot_apply.describe_step({'module': 'rule', 'params': {'priority': 5, 'state': 'absent'}}) == \
        'rule priority 5 (state absent)'
    assert _boot_apply.outcome({'changed': False}) == 'unchanged'
    assert _boot_apply.outcome({'changed': True, 'differences': ['netns', 'state']}) == 'changed (netns, state)'
    assert _boot_apply.link_places(NETNS_STRATEGY) == [None, 'data']


def test_bad_steps_in_a_state_file_are_errors_not_tracebacks():
    for step, needle in [({'module': 'ip', 'params': {}}, "unknown step module 'ip'"),
                         ({'module': 'link', 'params': 'x'}, 'must be a mapping'),
                         ({'module': 'link', 'params': {'name': 'x', 'netns': '../x'}}, "netns='../x'")]:
        with pytest.raises((_boot_apply.StateError, ValidationError)) as err:
            _boot_apply.run_step(step)
        assert needle in err.value.msg


def test_wait_for_links_polls_until_there_or_timeout():
    now = [0.0]
    seen = {'ens4': 3.0}         # ens4 appears at t=3, ens5 never

    def found(name, places):
        return name in seen and now[0] >= seen[name]

    def sleep(seconds):
        now[0] += seconds

    log = []
    missing = _boot_apply.wait_for_links(['ens4'], 10, [None], log.append, found, lambda: now[0], sleep)
    assert missing == [] and now[0] == 3.0 and log == ['waiting up to 10 s for ens4', 'all links there after 3.0 s']
    now[0], log[:] = 0.0, []
    missing = _boot_apply.wait_for_links(['ens4', 'ens5'], 5, [None], log.append, found, lambda: now[0], sleep)
    assert missing == ['ens5'] and now[0] == 5.0, log
    assert log[-1] == 'still missing after 5 s: ens5; applying anyway'
    log[:] = []
    assert _boot_apply.wait_for_links([], 5, [None], log.append, found) == [] and log == []


def test_applier_usage():
    assert _boot_apply.main([]) == 2
    assert _boot_apply.main(['a', 'b']) == 2
    assert _boot_apply.main(['../x']) == 2
    assert _boot_apply.main(['--help']) == 0


@pytest.mark.parametrize('args, words', [
    ({'name': 'x', 'order': 'before-network', 'steps': [{'module': 'link', 'params': {'name': 'ens4', 'mtu': 1}}]},
     ['steps[0].params.mtu=1']),
    ({'name': 'x', 'steps': []}, ['order']),
    ({'name': 'bad name', 'state': 'absent'}, ["name='bad name'"]),
])
def test_whole_module_fails_cleanly(args, words):
    res = run_module('boot_unit', args, check_mode=True)
    assert res['rc'] != 0 and res['failed'] is True, res
    for word in words:
        assert word in res['msg'], (word, res['msg'])
