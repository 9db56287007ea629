# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' exit: a result holding JSONRows is written directly only when that is what
AnsibleModule.exit_json would write, and the rows read back as the list they stand for.

The exit itself runs in a child process (a real AnsibleModule reading its arguments on stdin,
as Ansible runs a module), once through module.exit_json and once through _exit.exit_json, and
the two outputs are compared as the controller reads them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _exit

ROWS = [('{"dest": "', '10.0.%d.0' % i, '/24", "n": %d, "x": null}' % i) for i in range(5000)]


def test_rows_read_back_as_the_list_they_stand_for():
    rows = _exit.JSONRows(ROWS)
    assert len(rows) == 5000
    assert rows.to_list() == [{'dest': '10.0.%d.0/24' % i, 'n': i, 'x': None} for i in range(5000)]
    assert len(list(rows.chunks())) == 2 + -(-5000 // _exit.CHUNK)
    assert _exit.JSONRows([]).to_list() == []
    assert _exit.JSONRows([('{"a": 1}', '', '')]).to_list() == [{'a': 1}]


def test_only_plain_json_values_are_written_directly():
    found, marks = [], []
    rows = _exit.JSONRows(ROWS[:2])
    copy = _exit._marked({'a': [1, 2.5, None, True, 'x', {'r': rows}]}, found, marks)
    assert found == [rows] and copy == {'a': [1, 2.5, None, True, 'x', {'r': marks[0]}]}
    for odd in ((1, 2), set([1]), b'x', {1: 'a'}, type('Text', (str,), {})('x')):
        with pytest.raises(_exit._NotPlain):
            _exit._marked({'a': odd}, [], [])
    assert _exit._materialized({'a': [rows], 'b': (1,)}) == {'a': [rows.to_list()], 'b': (1,)}


CHILD = r'''
import json, os, sys
from ansible.module_utils import basic
from ansible_collections.multinic.routing.plugins.module_utils import _exit, _facts

case, way = os.environ['CASE'], os.environ['WAY']
if case == 'nolog':
    module = basic.AnsibleModule(argument_spec=dict(secret=dict(type='str', no_log=True),
                                                    netns=dict(type='list', elements='str')))
else:
    module = basic.AnsibleModule(**_facts.SPEC.module_kwargs())
rows = [('{"dest": "', '10.0.%d.0' % i, '/24", "dev": "\\u00e9th0", "hops": null}')
        for i in range(3000)]
result = {'changed': False, 'ansible_facts': {'multinic_routing': {
    'netns': {'data': {'routes': _exit.JSONRows(rows), 'rules': [{'from': None, 'priority': 5}]}},
    'namespaces': ['data', 'caf\u00e9'], 'table_names': {'main': 254}}}}
if case == 'warn':
    module.warn('careful')
if case == 'tuple':
    result['pair'] = (1, 2)
if case == 'patched':
    exit_json = basic.AnsibleModule.exit_json
    basic.AnsibleModule.exit_json = lambda self, **kw: exit_json(self, **kw)

shortcut = _exit._shortcut
def spy(module, result):
    pieces = shortcut(module, result)
    sys.stderr.write('SHORTCUT=%s\n' % (pieces is not None))
    return pieces
_exit._shortcut = spy
if way == 'standard':
    module.exit_json(**_exit._materialized(result))
else:
    _exit.exit_json(module, result)
'''


def run_child(case, way):
    args = {'netns': ['data']}
    if case == 'nolog':
        args['secret'] = '10.0.7.0'     # a value that is also in the rows: remove_values hides it
    env = dict(os.environ, CASE=case, WAY=way)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in [os.environ['MULTINIC_COLLECTIONS_ROOT']] + sys.path if p)
    proc = subprocess.run([sys.executable, '-c', CHILD], input=json.dumps({'ANSIBLE_MODULE_ARGS': args}),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('\n'), proc.stdout[:200]
    return json.loads(proc.stdout), 'SHORTCUT=True' in proc.stderr


@pytest.mark.parametrize('case, direct', [
    ('plain', True), ('warn', False), ('nolog', False), ('tuple', False), ('patched', False)])
def test_the_direct_exit_writes_what_exit_json_writes(case, direct):
    standard, _taken = run_child(case, 'standard')
    mine, taken = run_child(case, 'mine')
    assert taken is direct
    assert mine == standard
    facts = mine['ansible_facts']['multinic_routing']
    # no_log: the value is hidden in the rows too, as remove_values does
    dest = '********/24' if case == 'nolog' else '10.0.7.0/24'
    assert facts['netns']['data']['routes'][7] == {'dest': dest, 'dev': u'\u00e9th0', 'hops': None}
    assert len(facts['netns']['data']['routes']) == 3000
    assert mine['invocation']['module_args']['netns'] == ['data']
    if case == 'warn':
        assert 'careful' in str(mine['warnings'])
    if case == 'nolog':
        assert mine['invocation']['module_args']['secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
