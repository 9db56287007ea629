# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one runner every module goes through, and the one error base class it turns into messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _errors


class Exited(Exception):
    pass


class Module(object):
    """What run_module uses of AnsibleModule; exit_json / fail_json end the run."""

    def __init__(self, **params):
        self.params = params
        self.check_mode = True      # run_module moves armed rollbacks' deadlines only for real runs
        self.warnings = []
        self.result = None

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        self.result = dict(result, failed=False)
        raise Exited()

    def fail_json(self, **result):
        self.result = dict(result, failed=True)
        raise Exited()


@pytest.fixture
def gate(monkeypatch):
    """Records whether the pyroute2 gate ran."""
    calls = []
    monkeypatch.setattr(_common, 'require_pyroute2', calls.append)
    return calls


def run(module, action, **kwargs):
    with pytest.raises(Exited):
        _common.run_module(module, action, **kwargs)
    return module.result


def test_a_result_exits_with_its_warnings_handed_to_ansible(gate):
    module = Module(netns='data')
    result = run(module, lambda m: {'changed': True, 'warnings': ['careful']})
    assert result == {'changed': True, 'failed': False} and module.warnings == ['careful']
    assert gate == [module]


@pytest.mark.parametrize('failure', [
    _errors.ValidationError('dest=x is bad'),
    _errors.NetlinkFailure('adding rule failed', errno.EEXIST),
    _errors.FileFailure('writing /x failed: Read-only file system', changed=True, changed_paths=['/y']),
    _errors.ModuleFailure('networkctl reload failed (rc 1)'),
], ids=['validation', 'netlink', 'file', 'base'])
def test_every_failure_becomes_a_message_with_the_keys_it_carries(gate, failure):
    def action(module):
        raise failure
    result = run(Module(), action)
    assert result == dict(failure.result, msg=failure.msg, failed=True)


@pytest.mark.parametrize('netns', ['a/b', ['ok', '..'], ''])
def test_netns_given_as_a_name_or_a_list_is_checked_before_the_action(gate, netns):
    def action(module):
        raise AssertionError('must not run')
    result = run(Module(netns=netns), action)
    assert result['failed'] and 'is not a valid namespace name' in result['msg']


def test_a_file_only_module_runs_without_the_pyroute2_gate(gate):
    assert run(Module(), lambda m: {'changed': False}, needs_pyroute2=False)['failed'] is False
    assert gate == []


def test_errors_name_the_attempt_and_the_errno():
    exc = OSError(errno.ENODEV, 'x')
    assert _errors.describe_error(exc, 'moving link ens4') == 'moving link ens4 failed: no such device (ENODEV)'
    assert _errors.describe_error(Exception('boom'), 'x') == 'x failed: boom (error)'


def test_a_real_run_moves_armed_rollbacks_deadlines_at_its_start_and_its_end(gate, monkeypatch):
    """A long run (a reload, a batch) does not eat the window before the next module's word;
    check mode is no word from the controller."""
    from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
    events = []
    monkeypatch.setattr(_keepalive, 'extend_all', lambda: events.append('extend'))
    module = Module()
    module.check_mode = False
    run(module, lambda m: events.append('action') or {'changed': False})
    assert events == ['extend', 'action', 'extend']
    events[:] = []
    run(Module(), lambda m: events.append('action') or {'changed': False})
    assert events == ['action']
