# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs as objects: composing them, and what the modules get from them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _argspec
from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils import _facts
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _lookup
from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils import _nm
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rt_table
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec

ALL = [_boot_unit, _facts, _link, _lookup, _netns, _networkd, _nm, _route, _rt_table, _rule]


def test_merge_carries_options_and_constraints():
    spec = ArgumentSpec(dict(a=dict(type='str'), b=dict(type='str')), mutually_exclusive=[('a', 'b')],
                        required_by={'a': 'b'})
    spec.merge(ArgumentSpec(dict(c=dict(type='int')), required_if=[('c', 1, ['a'])], required_by={'a': ['c']}))
    assert set(spec.argument_spec) == {'a', 'b', 'c'}
    assert spec.mutually_exclusive == [('a', 'b')] and spec.required_if == [('c', 1, ['a'])]
    assert spec.required_by == {'a': ['b', 'c']}
    assert 'mutually exclusive' in ' '.join(spec.validate({'a': 'x', 'b': 'y'}).error_messages)
    assert 'a' in ' '.join(spec.validate({'c': 1}).error_messages)
    assert spec.validate({'c': 2}).error_messages == []


def test_options_are_copies_with_changes():
    spec = ArgumentSpec(dict(a=dict(type='str', choices=['x', 'y'])))
    options = spec.options(('a',), a={'choices': ['x']})
    assert options == {'a': {'type': 'str', 'choices': ['x']}}
    assert spec.argument_spec['a']['choices'] == ['x', 'y']


def test_netns_is_one_piece():
    for module_utils in (_route, _rule, _link, _lookup):
        assert module_utils.SPEC.argument_spec['netns'] == _argspec.netns_spec().argument_spec['netns']


@pytest.mark.parametrize('module_utils', ALL, ids=lambda m: m.__name__.rsplit('.', 1)[1])
def test_module_kwargs_are_the_spec(module_utils):
    kwargs = module_utils.SPEC.module_kwargs()
    assert kwargs['argument_spec'] is module_utils.SPEC.argument_spec
    assert kwargs['supports_check_mode'] is True
    for name in _argspec.CONSTRAINTS:
        assert kwargs[name] == getattr(module_utils.SPEC, name)


def test_the_constraints_each_module_declares():
    assert _route.SPEC.mutually_exclusive == [('nexthops', 'gateway'), ('nexthops', 'dev')]
    assert _rule.SPEC.required_by == {'fwmask': 'fwmark'}
    assert _rule.SPEC.required_if == [('state', 'present', ['priority']), ('action', 'goto', ['goto'])]
    assert _lookup.SPEC.required_by == {'iif': 'src'}
    assert _rt_table.SPEC.required_if == [('state', 'present', ['id'])]
    assert _boot_unit.SPEC.required_if == [('state', 'present', ['steps', 'order'])]
    assert 'fwmask' in ' '.join(_rule.SPEC.validate({'priority': 1, 'fwmask': '0xff'}).error_messages)


def test_network_manager_modules_share_the_entries():
    shared = set(_networkd.ENTRIES_SPEC.argument_spec)
    assert set(_networkd.SPEC.argument_spec) == shared | {'reload', 'guard', 'guard_peer', 'guard_local'}
    assert set(_nm.SPEC.argument_spec) == shared | {'reapply', 'guard', 'guard_peer', 'guard_local'}
    assert _networkd.SPEC.argument_spec['routes'] == _nm.SPEC.argument_spec['routes']
    route = _networkd.ROUTE_OPTIONS
    assert route['table'] == _route.SPEC.argument_spec['table']
    assert _networkd.RULE_OPTIONS['priority']['required'] is True
    assert 'required' not in _rule.SPEC.argument_spec['priority']
