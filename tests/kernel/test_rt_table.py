# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.rt_table with the real `ip`, inside a private /etc/iproute2.

Every module run and every `ip` call that reads table names goes through the
``private_iproute2`` wrapper, so the host's /etc/iproute2 is never touched; the autouse
fixture below proves it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import subprocess

import pytest

from .conftest import check_run_rerun, run_module

HOST_DIR = '/etc/iproute2'


def _tree(top):
    found = {}
    for base, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(base, name)
            st = os.lstat(path)
            with open(path, 'rb') as handle:
                found[path] = (st.st_mode, st.st_mtime, handle.read())
    return found


@pytest.fixture(autouse=True)
def host_iproute2_untouched():
    before = _tree(HOST_DIR)
    yield
    assert _tree(HOST_DIR) == before, 'the host /etc/iproute2 changed'


@pytest.fixture
def etc(private_iproute2):
    """(private /etc/iproute2 copy, wrap) with an empty rt_tables.d."""
    directory, wrap = private_iproute2
    tables_d = os.path.join(directory, 'rt_tables.d')
    for name in os.listdir(tables_d):
        if name.endswith('.conf'):
            os.unlink(os.path.join(tables_d, name))
    return directory, wrap


def rt(etc, check_mode=False, diff=True, **args):
    return run_module('rt_table', args, check_mode=check_mode, diff=diff, wrap=etc[1])


def wrapped(etc, *argv):
    """Run a command inside the private /etc/iproute2; return the CompletedProcess."""
    return subprocess.run(list(etc[1]) + list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)


def conf(etc, name):
    return os.path.join(etc[0], 'rt_tables.d', name + '.conf')


def listing(etc):
    directory = os.path.join(etc[0], 'rt_tables.d')
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def read(path):
    with open(path) as handle:
        return handle.read()


def apply(etc, **args):
    """Check mode (writes nothing), real run, then again (unchanged)."""
    _check, first, _second = check_run_rerun(
        lambda check_mode: rt(etc, check_mode=check_mode, **args),
        lambda: {n: read(os.path.join(etc[0], 'rt_tables.d', n)) for n in listing(etc)},
        same=('changed', 'diff'))
    return first


def test_present_writes_one_file_that_ip_and_the_modules_use(etc, ns):
    res = apply(etc, name='data', id=201)
    path = conf(etc, 'data')
    assert res['changed'] is True
    assert (res['name'], res['id'], res['path']) == ('data', 201, '/etc/iproute2/rt_tables.d/data.conf')
    text = read(path)
    assert text.startswith('# Managed by multinic.routing') and text.endswith('\n201\tdata\n')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert listing(etc) == ['README', 'data.conf'], 'a temporary file was left behind'
    assert res['diff']['before'] == '' and res['diff']['after'] == text
    # the name works for the route and rule modules and for ip itself
    route = run_module('route', {'dest': '192.0.2.0/24', 'dev': 'veth0', 'table': 'data',
                                 'netns': ns.name}, wrap=etc[1])
    assert route['rc'] == 0 and route['route']['table'] == 201, route
    rule = run_module('rule', {'priority': 100, 'from': '10.0.0.1', 'table': 'data', 'netns': ns.name},
                      wrap=etc[1])
    assert rule['rc'] == 0 and rule['rule']['table'] == 201, rule
    shown = wrapped(etc, 'ip', '-n', ns.name, '-j', 'route', 'show', 'table', 'data')
    assert shown.returncode == 0, shown.stderr
    assert [r['dst'] for r in json.loads(shown.stdout)] == ['192.0.2.0/24']
    rules = json.loads(wrapped(etc, 'ip', '-n', ns.name, '-j', 'rule', 'show', 'priority', '100').stdout)
    assert rules[0]['table'] == 'data'
    # outside the wrapper the host does not know the name
    assert subprocess.run(['ip', '-n', ns.name, 'route', 'show', 'table', 'data'],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False).returncode != 0


def test_table_above_255(etc, ns):
    apply(etc, name='big.one', id=4294967295)
    apply(etc, name='mid-table_2', id=100000)
    assert read(conf(etc, 'big.one')).endswith('\n4294967295\tbig.one\n')
    run_module('route', {'dest': '198.51.100.0/24', 'type': 'blackhole', 'table': 'mid-table_2',
                         'netns': ns.name}, wrap=etc[1])
    shown = wrapped(etc, 'ip', '-n', ns.name, '-j', 'route', 'show', 'table', 'mid-table_2')
    assert shown.returncode == 0 and json.loads(shown.stdout)[0]['dst'] == '198.51.100.0/24'
    plain = json.loads(subprocess.run(['ip', '-n', ns.name, '-j', 'route', 'show', 'table', '100000'],
                                      stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)
    assert plain[0]['dst'] == '198.51.100.0/24'


def test_changing_the_id_updates_the_managed_file(etc):
    apply(etc, name='data', id=201)
    res = apply(etc, name='data', id=202)
    assert res['changed'] is True and res['id'] == 202
    assert res['diff']['before'].endswith('201\tdata\n') and res['diff']['after'].endswith('202\tdata\n')
    assert read(conf(etc, 'data')).endswith('\n202\tdata\n')
    assert listing(etc) == ['README', 'data.conf']


def test_hand_made_file_with_the_same_mapping_stays_the_admins(etc):
    """A file the collection did not write is never taken over, rewritten or removed."""
    with open(conf(etc, 'data'), 'w') as handle:
        handle.write('201 data\n')
    res = apply(etc, name='data', id=201)
    assert res['changed'] is False and res['diff']['before'] == res['diff']['after'] == '201 data\n'
    res = apply(etc, name='data', state='absent')
    assert res['changed'] is False and res['id'] == 201
    assert 'not written by this collection' in json.dumps(res['warnings']), res
    assert read(conf(etc, 'data')) == '201 data\n'


def test_hand_made_file_with_another_mapping_is_refused(etc):
    with open(conf(etc, 'data'), 'w') as handle:
        handle.write('300 data\n')
    res = rt(etc, name='data', id=201)
    assert res['rc'] != 0 and 'data.conf' in res['msg'] and 'not written by this collection' in res['msg'], res
    assert read(conf(etc, 'data')) == '300 data\n'


def test_name_taken_elsewhere_is_refused(etc):
    with open(os.path.join(etc[0], 'rt_tables'), 'a') as handle:
        handle.write('201\tdata\n')
    res = rt(etc, name='data', id=202)
    assert res['rc'] != 0 and res['failed'] is True
    assert "name='data'" in res['msg'] and '201' in res['msg'] and '/etc/iproute2/rt_tables' in res['msg']
    assert listing(etc) == ['README']
    # the same mapping elsewhere is no conflict
    res = apply(etc, name='data', id=201)
    assert res['changed'] is True and os.path.exists(conf(etc, 'data'))


def test_id_taken_elsewhere_is_refused(etc):
    with open(conf(etc, 'other'), 'w') as handle:
        handle.write('201 other\n')
    res = rt(etc, name='data', id=201)
    assert res['rc'] != 0 and 'id=201' in res['msg'] and "'other'" in res['msg'] \
        and 'rt_tables.d/other.conf' in res['msg'], res
    assert listing(etc) == ['README', 'other.conf']
    res = rt(etc, name='data', id=254)
    assert res['rc'] != 0 and 'id=254' in res['msg'] and "'main'" in res['msg'], res


def test_managed_file_naming_other_tables_is_refused(etc):
    with open(conf(etc, 'data'), 'w') as handle:
        handle.write('201 data\n300 extra\n')
    for args in ({'name': 'data', 'id': 201}, {'name': 'data', 'state': 'absent'}):
        res = rt(etc, **args)
        assert res['rc'] != 0 and "'extra'" in res['msg'] and 'data.conf' in res['msg'], res
    assert read(conf(etc, 'data')) == '201 data\n300 extra\n'


def test_absent_removes_only_the_managed_file(etc):
    with open(os.path.join(etc[0], 'rt_tables'), 'a') as handle:
        handle.write('201\tdata\n')
    apply(etc, name='data', id=201)
    apply(etc, name='keep', id=300)
    text = read(conf(etc, 'data'))
    res = apply(etc, name='data', state='absent')
    assert res['changed'] is True and res['id'] == 201 and res['path'].endswith('/data.conf')
    assert res['diff'] == {'before': text, 'after': '', 'before_header': res['path'],
                           'after_header': res['path']}
    assert listing(etc) == ['README', 'keep.conf']
    assert read(os.path.join(etc[0], 'rt_tables')).endswith('201\tdata\n'), 'rt_tables was changed'


def test_absent_without_file_is_unchanged(etc):
    res = rt(etc, name='data', state='absent')
    assert res['rc'] == 0 and res['changed'] is False and res['id'] is None
    res = rt(etc, name='data', id=201, state='absent')
    assert res['rc'] == 0 and res['changed'] is False and res['id'] == 201


def test_absent_with_another_id_is_refused(etc):
    apply(etc, name='data', id=201)
    res = rt(etc, name='data', id=202, state='absent')
    assert res['rc'] != 0 and 'id=202' in res['msg'] and '201' in res['msg'], res
    assert os.path.exists(conf(etc, 'data'))
    apply(etc, name='data', id=201, state='absent')
    assert not os.path.exists(conf(etc, 'data'))


def test_missing_rt_tables_d_is_created(etc, ns):
    tables_d = os.path.join(etc[0], 'rt_tables.d')
    for name in os.listdir(tables_d):
        os.unlink(os.path.join(tables_d, name))
    os.rmdir(tables_d)
    check = rt(etc, check_mode=True, name='data', id=201)
    assert check['rc'] == 0 and check['changed'] is True and not os.path.exists(tables_d)
    apply(etc, name='data', id=201)
    assert stat.S_IMODE(os.stat(os.path.join(etc[0], 'rt_tables.d')).st_mode) == 0o755
    assert listing(etc) == ['data.conf']
    added = wrapped(etc, 'ip', '-n', ns.name, 'route', 'add', 'blackhole', '192.0.2.0/24', 'table', 'data')
    assert added.returncode == 0, added.stderr
    shown = wrapped(etc, 'ip', '-n', ns.name, 'route', 'show', 'table', 'data')
    assert shown.returncode == 0 and '192.0.2.0/24' in shown.stdout, shown.stderr


def test_bad_input_writes_nothing(etc):
    for args in ({'name': 'main', 'id': 201}, {'name': '100', 'id': 201}, {'name': 'a b', 'id': 201},
                 {'name': 'data', 'id': 0}, {'name': 'data', 'id': 4294967296}, {'name': 'data'}):
        res = rt(etc, **args)
        assert res['rc'] != 0 and res['failed'] is True, (args, res)
    assert listing(etc) == ['README']
