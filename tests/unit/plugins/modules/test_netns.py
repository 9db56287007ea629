# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.netns, through the module's real argument spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.multinic.routing.plugins.module_utils import _netns

from tests.kernel.conftest import run_module


def validate(**args):
    return ArgumentSpecValidator(_netns.MODULE_KWARGS['argument_spec']).validate(args)


def test_spec_has_no_netns_option():
    """`name` is the namespace managed; a `netns` option would contradict it."""
    assert set(_netns.ARGUMENT_SPEC) == {'name', 'state'}
    result = validate(name='data', netns='other')
    assert result.error_messages and 'netns' in result.error_messages[0]


def test_defaults():
    result = validate(name='data')
    assert not result.error_messages
    assert result.validated_parameters == {'name': 'data', 'state': 'present'}


@pytest.mark.parametrize('args', [dict(), dict(name='data', state='gone')])
def test_spec_rejects(args):
    assert validate(**args).error_messages


@pytest.mark.parametrize('bad, needle', [
    ('', 'not empty'),
    ('a/b', 'no "/"'),
    ('..', 'not "." or ".."'),
    ('.', 'not "." or ".."'),
    ('x' * 256, 'too long'),
])
def test_bad_names_fail_in_validation(bad, needle):
    res = run_module('netns', dict(name=bad), check_mode=True)
    assert res['rc'] == 1 and res['msg'].startswith('name=%r' % bad), res
    assert needle in res['msg']


def test_longest_name_is_accepted_in_check_mode():
    name = 'mnt-' + 'x' * 251
    res = run_module('netns', dict(name=name), check_mode=True)
    assert res['rc'] == 0 and res['changed'] is True and res['exists'] is True, res
    assert not os.path.exists('/run/netns/' + name)
