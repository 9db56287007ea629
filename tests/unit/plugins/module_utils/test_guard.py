# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the management-path guard finds the controller: SSH_CONNECTION of the module process or
of its nearest ancestor (a /proc tree written for the test; the kernel side is in
tests/kernel/test_routing_state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError

SESSION = '10.240.0.254 50022 10.240.0.4 22'


def fake_proc(tmp_path, chain):
    """chain: [(pid, ppid, comm, environ dict)], the module process first."""
    for pid, ppid, comm, env in chain:
        d = tmp_path / str(pid)
        d.mkdir()
        (d / 'stat').write_text(u'%d (%s) S %d 1 1 0 -1' % (pid, comm, ppid))
        (d / 'environ').write_bytes(b''.join(('%s=%s' % kv).encode() + b'\0' for kv in env.items()))
    return str(tmp_path)


def test_own_environment_first():
    assert _guard.ssh_connection({'SSH_CONNECTION': SESSION}) == (
        '10.240.0.254', '10.240.0.4', 'SSH_CONNECTION of the module process')


def test_nearest_ancestor_that_has_it(tmp_path):
    # python <- sh <- sudo (environment reset) <- sh -c of the SSH session <- sshd
    proc = fake_proc(tmp_path, [(40, 39, 'python3', {}), (39, 38, 'sh', {'PATH': '/bin'}),
                                (38, 37, 'sudo) (x', {}), (37, 30, 'sh', {'SSH_CONNECTION': SESSION}),
                                (30, 1, 'sshd', {'SSH_CONNECTION': '192.0.2.1 1 192.0.2.2 22'})])
    assert _guard.ssh_connection({}, pid=40, proc=proc) == (
        '10.240.0.254', '10.240.0.4', 'SSH_CONNECTION of process 37 (an ancestor of the module process)')


def test_none_up_to_init_says_so(tmp_path):
    proc = fake_proc(tmp_path, [(40, 39, 'python3', {}), (39, 1, 'sh', {})])
    peer, local, why = _guard.ssh_connection({}, pid=40, proc=proc)
    assert (peer, local) == (None, None)
    assert why.startswith('no SSH_CONNECTION in the environment of the module process or of its ancestors')


def test_unreadable_ancestor_ends_the_walk(tmp_path):
    proc = fake_proc(tmp_path, [(40, 39, 'python3', {})])   # 39 is gone
    assert _guard.ssh_connection({}, pid=40, proc=proc)[:2] == (None, None)


def test_malformed_value_is_named():
    peer, local, why = _guard.ssh_connection({'SSH_CONNECTION': '10.0.0.1 22'})
    assert (peer, local) == (None, None)
    assert why == 'SSH_CONNECTION=\'10.0.0.1 22\' of the module process is not "peer port local port"'


@pytest.mark.parametrize('params, netns, reason', [
    ({'guard': False}, None, 'guard=false'),
    ({'guard': True, 'guard_peer': '10.0.0.9'}, 'data',
     "the task acts in namespace 'data', not where the controller's session arrives"),
])
def test_session_off(params, netns, reason):
    state = _guard.session(params, netns)
    assert not state['active'] and state['reason'].startswith(reason)


def test_session_from_options_in_a_namespace():
    state = _guard.session({'guard': True, 'guard_peer': '10.0.0.9', 'guard_local': '10.0.0.1'}, 'data')
    assert (state['peer'], state['local'], state['source']) == ('10.0.0.9', '10.0.0.1', 'guard_peer and guard_local')


def test_session_bad_address_names_the_option():
    with pytest.raises(ValidationError) as err:
        _guard.session({'guard': True, 'guard_peer': 'controller', 'guard_local': '10.0.0.1'})
    assert err.value.msg == "guard_peer='controller' is not a valid IP address"
