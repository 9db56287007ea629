# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.rt_table, without writing anything.

The argument spec is the module's real one (_rt_table.SPEC); names and ids go through
the checks the module runs before it reads or writes any file. Whole-module runs use check
mode, so even a validation bug could not write to the host's /etc/iproute2. File handling is
tested in tests/kernel/test_rt_table.py inside a private /etc/iproute2.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _rt_table
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError
from tests.kernel.conftest import run_module


def validate(**params):
    return _rt_table.SPEC.validate(params)


BAD_NAMES = [
    ('main', 'built-in'), ('local', 'built-in'), ('default', 'built-in'), ('unspec', 'built-in'),
    ('100', 'number'), ('0x10', 'number'), ('1_000', 'number'), ('007', 'number'),
    ('a b', 'letters'), ('da/ta', 'letters'), ('data\n', 'letters'), ('', 'letters'),
    ('caf\u00e9', 'letters'), ('.hidden', '"."'), ('x' * 251, 'too long'),
]


@pytest.mark.parametrize('name,why', BAD_NAMES, ids=[repr(n)[:20] for n, _w in BAD_NAMES])
def test_bad_names_are_named(name, why):
    with pytest.raises(ValidationError) as err:
        _rt_table.check_name(name)
    assert 'name=%r' % (name,) in err.value.msg and why in err.value.msg, err.value.msg


@pytest.mark.parametrize('name', ['data', 'ctl_1', 'zone-2.data', 'A9', '-x', 'x' * 250, '1e5'])
def test_good_names(name):
    assert _rt_table.check_name(name) == name


BAD_IDS = [(0, 'unspec'), (253, 'default'), (254, 'main'), (255, 'local'),
           (-1, 'out of range'), (4294967296, 'out of range')]


@pytest.mark.parametrize('number,why', BAD_IDS)
def test_bad_ids_are_named(number, why):
    with pytest.raises(ValidationError) as err:
        _rt_table.check_id(number)
    assert 'id=%d' % number in err.value.msg and why in err.value.msg, err.value.msg


@pytest.mark.parametrize('number', [1, 200, 252, 256, 100000, 4294967295])
def test_good_ids(number):
    assert _rt_table.check_id(number) == number


def test_argument_spec():
    assert 'id' in ' '.join(validate(name='data').error_messages)
    assert not validate(name='data', state='absent').error_messages
    assert not validate(name='data', id=201).error_messages
    assert 'state' in ' '.join(validate(name='data', id=1, state='gone').error_messages)
    assert 'name' in ' '.join(validate(id=201).error_messages)
    assert 'id' in ' '.join(validate(name='data', id='two').error_messages)
    assert 'netns' in ' '.join(validate(name='data', id=201, netns='x').error_messages)


def test_file_content():
    text = _rt_table.content('data', 201)
    lines = text.splitlines()
    assert lines[0].startswith('# Managed by multinic.routing') and lines[-1] == '201\tdata'
    assert all(line.startswith('#') for line in lines[:-1])
    assert _rt_table.managed_path('data') == '/etc/iproute2/rt_tables.d/data.conf'


@pytest.mark.parametrize('args,words', [
    ({'name': 'main', 'id': 201}, ["name='main'", 'built-in']),
    ({'name': 'data', 'id': 254}, ['id=254', "'main'"]),
    ({'name': 'data', 'id': 0}, ['id=0']),
    ({'name': '42', 'id': 201}, ["name='42'", 'number']),
    ({'name': 'data'}, ['id', 'state is present']),
])
def test_whole_module_fails_cleanly(args, words):
    res = run_module('rt_table', args, check_mode=True)
    assert res['rc'] != 0 and res['failed'] is True, res
    for word in words:
        assert word in res['msg'], (word, res['msg'])
