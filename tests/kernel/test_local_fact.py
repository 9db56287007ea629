# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.local_fact run as Ansible runs it, on files under a temporary directory.

Every run names ``directory`` under pytest's tmp_path, so the host's /etc/ansible is never
touched. The files are read back with open() and os.stat(), and the text is compared with what
ansible-core's own to_nice_json filter writes (what the data_plane role wrote before).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible.plugins.filter.core import to_nice_json

from .conftest import check_run_rerun, run_module

CONTENT = {'strategy': 'source_routing', 'interface': 'ens4', 'netns': None,
           'persistence': {'ens3': 'networkd', 'ens4': 'networkd'}, 'list': [3, 1, 'x']}


def observe(path):
    """(text, mode, uid, gid) of the file, None when it is not there; and the directories."""
    directory = os.path.dirname(path)
    found = [os.path.isdir(directory), os.path.isdir(os.path.dirname(directory))]
    if not os.path.exists(path):
        return found + [None]
    st = os.stat(path)
    with open(path) as handle:
        return found + [(handle.read(), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)]


@pytest.fixture
def where(tmp_path):
    directory = str(tmp_path / 'ansible' / 'facts.d')
    return directory, os.path.join(directory, 'multinic_test.fact')


def fact(directory, check_mode=False, diff=False, **params):
    args = dict(name='multinic_test', directory=directory)
    args.update(params)
    return run_module('local_fact', args, check_mode=check_mode, diff=diff)


def test_written_as_to_nice_json_with_its_directories(where):
    directory, path = where
    check, first, _second = check_run_rerun(lambda cm: fact(directory, cm, content=CONTENT), lambda: observe(path))
    assert first['changed'] and first['differences'] == ['absent'] and first['path'] == path, first
    assert observe(path) == [True, True, (to_nice_json(CONTENT) + '\n', 0o644, 0, 0)]
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o755
    assert first['content'] == CONTENT


def test_content_mode_and_owner_are_set_again(where):
    directory, path = where
    assert fact(directory, content=CONTENT)['changed']
    os.chmod(path, 0o600)
    os.chown(path, 1000, 1000)
    _check, first, _second = check_run_rerun(lambda cm: fact(directory, cm, content=CONTENT), lambda: observe(path))
    assert first['differences'] == ['mode', 'owner'], first
    assert observe(path)[2][1:] == (0o644, 0, 0)
    res = fact(directory, content=dict(CONTENT, strategy='custom_routes'), diff=True)
    assert res['changed'] and res['differences'] == ['content'], res
    assert '"strategy": "custom_routes"' in res['diff']['after'] and '"source_routing"' in res['diff']['before']
    assert observe(path)[2][0] == to_nice_json(dict(CONTENT, strategy='custom_routes')) + '\n'


def test_absent_removes_the_file_and_only_the_directories_it_left_empty(where):
    directory, path = where
    parent = os.path.dirname(directory)
    assert fact(directory, content=CONTENT)['changed']
    with open(os.path.join(parent, 'ansible.cfg'), 'w') as handle:   # the parent holds something else
        handle.write('[defaults]\n')
    _check, first, _second = check_run_rerun(lambda cm: fact(directory, cm, state='absent', prune=True),
                                             lambda: observe(path))
    assert first['differences'] == ['present'] and first['content'] is None, first
    assert observe(path) == [False, True, None]
    os.unlink(os.path.join(parent, 'ansible.cfg'))
    # no file to remove: directories the module did not empty stay, even empty ones
    os.makedirs(directory)
    res = fact(directory, state='absent', prune=True)
    assert not res['changed'] and observe(path) == [True, True, None]
    assert fact(directory, content=CONTENT)['changed']
    assert fact(directory, state='absent', prune=True)['changed']
    assert observe(path) == [False, False, None]


def test_absent_without_prune_keeps_the_directories(where):
    directory, path = where
    assert fact(directory, content=CONTENT)['changed']
    res = fact(directory, state='absent')
    assert res['changed'] and observe(path) == [True, True, None]


@pytest.mark.parametrize('params, message', [
    (dict(name='9lives', content={}), "name='9lives' is not a fact name"),
    (dict(name='a-b', content={}), "name='a-b' is not a fact name"),
    (dict(directory='etc/ansible/facts.d', content={}), "directory='etc/ansible/facts.d' must be an absolute path"),
    (dict(state='present'), 'state is present but all of the following are missing: content'),
    (dict(content={}, state='gone'), 'value of state must be one of: present, absent, got: gone'),
])
def test_bad_input_fails_naming_the_option_before_anything_is_written(where, params, message):
    directory, path = where
    args = dict(dict(directory=directory), **params)
    res = fact(**args)
    assert res['rc'] == 1 and res['failed'] and message in res['msg'], res
    assert observe(path) == [False, False, None]


def test_a_batch_step(where):
    directory, path = where
    steps = [dict(module='multinic.routing.local_fact',
                  params=dict(name='multinic_test', directory=directory, content=CONTENT))]
    _check, first, _second = check_run_rerun(lambda cm: run_module('batch', dict(steps=steps), check_mode=cm),
                                             lambda: observe(path))
    assert first['differences'] == ['steps[0].absent'], first
    assert observe(path)[2][0] == to_nice_json(CONTENT) + '\n'
    bad = run_module('batch', dict(steps=[dict(module='local_fact', params=dict(name='x y', content={}))]))
    assert bad['rc'] == 1 and bad['msg'].startswith("steps[0].params.name='x y' is not a fact name"), bad
