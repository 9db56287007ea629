# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which manager configures a NIC, read from the managers' runtime files (here: files laid out
the way systemd-networkd 252, NetworkManager 1.42 and ifupdown 0.8 write them, in tmp_path)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _managers

NETWORKD_LINK = '''# This is private data. Do not parse.
ADMIN_STATE=configured
OPER_STATE=routable
REQUIRED_FOR_ONLINE=yes
NETWORK_FILE=/run/systemd/network/10-netplan-ens4.network
DNS=
'''
NM_DEVICE = '''[device]
managed=true
perm-hw-addr-fake=
connection-uuid=3a4b0c6e-7d1f-4c1e-9f0e-0d7d1e2b9a11
'''


@pytest.fixture
def run_dirs(tmp_path, monkeypatch):
    dirs = {}
    for attr, name in (('NETWORKD_LINKS', 'netif-links'), ('NM_DEVICES', 'nm-devices'),
                       ('IFUPDOWN_STATE', 'network')):
        path = tmp_path / name
        path.mkdir()
        monkeypatch.setattr(_managers, attr, str(path))
        dirs[attr] = path
    return dirs


def test_networkd_names_the_file_it_uses(run_dirs):
    (run_dirs['NETWORKD_LINKS'] / '3').write_text(NETWORKD_LINK)
    assert _managers.of_link(3, 'ens4', {'networkd': True}) == {
        'manager': 'networkd', 'network_file': '/run/systemd/network/10-netplan-ens4.network',
        'state': 'configured'}


@pytest.mark.parametrize('content', [
    NETWORKD_LINK.replace('ADMIN_STATE=configured', 'ADMIN_STATE=unmanaged'),
    NETWORKD_LINK.replace('NETWORK_FILE=/run/systemd/network/10-netplan-ens4.network\n', ''),
])
def test_networkd_unmanaged_or_no_file_is_not_networkd(run_dirs, content):
    (run_dirs['NETWORKD_LINKS'] / '3').write_text(content)
    assert _managers.of_link(3, 'ens4', {'networkd': True}) == {'manager': 'none'}


def test_stopped_daemon_does_not_count(run_dirs):
    # networkd leaves its state files behind when stopped
    (run_dirs['NETWORKD_LINKS'] / '3').write_text(NETWORKD_LINK)
    assert _managers.of_link(3, 'ens4', {'networkd': False}) == {'manager': 'none'}


def test_networkmanager(run_dirs):
    (run_dirs['NM_DEVICES'] / '4').write_text(NM_DEVICE)
    assert _managers.of_link(4, 'ens4', {'NetworkManager': True}) == {
        'manager': 'NetworkManager', 'connection_uuid': '3a4b0c6e-7d1f-4c1e-9f0e-0d7d1e2b9a11'}
    (run_dirs['NM_DEVICES'] / '4').write_text(NM_DEVICE.replace('managed=true', 'managed=false'))
    assert _managers.of_link(4, 'ens4', {'NetworkManager': True}) == {'manager': 'none'}


def test_ifupdown(run_dirs):
    (run_dirs['IFUPDOWN_STATE'] / 'ifstate.ens4').write_text('ens4\n')
    assert _managers.of_link(4, 'ens4', {}) == {'manager': 'ifupdown'}
    assert _managers.of_link(3, 'ens3', {}) == {'manager': 'none'}


def test_running_daemons_reads_process_names(tmp_path):
    for pid, comm in (('1', 'systemd'), ('77', 'systemd-network'), ('80', 'sshd')):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / 'comm').write_text(comm + '\n')
    (tmp_path / 'self').mkdir()
    assert _managers.running_daemons(str(tmp_path)) == {'networkd': True, 'NetworkManager': False}
    assert _managers.init_is_systemd(str(tmp_path)) is True


def _proc(tmp_path, ours, daemons, init='host'):
    """A /proc with this process' network namespace, init's and daemons in the given ones
    (None: a namespace that cannot be read, as networkd's without CAP_SYS_PTRACE)."""
    spaces = tmp_path / 'spaces'
    spaces.mkdir()
    processes = [('self', None, ours), ('1', 'systemd', init)] + [
        (str(pid), comm, ns) for pid, (comm, ns) in enumerate(daemons, start=100)]
    for pid, comm, ns in processes:
        (tmp_path / pid / 'ns').mkdir(parents=True)
        if comm:
            (tmp_path / pid / 'comm').write_text(comm + '\n')
        if ns is not None:
            if not (spaces / ns).exists():
                (spaces / ns).write_text(ns)
            os.link(str(spaces / ns), str(tmp_path / pid / 'ns' / 'net'))
    return str(tmp_path)


@pytest.mark.parametrize('daemons, init, here', [
    ([('systemd-network', 'host')], 'host', True),
    ([('systemd-network', 'other')], 'host', False),
    ([('NetworkManager', 'host')], 'host', False),
    ([('sshd', 'host'), ('systemd-network', 'other'), ('systemd-network', 'host')], 'host', True),
    ([], 'host', False),
    # networkd's namespace unreadable (no CAP_SYS_PTRACE): init's tells
    ([('systemd-network', None)], 'host', True),
    ([('systemd-network', None)], 'other', False),
    ([('systemd-network', None)], None, True),
])
def test_networkd_here_only_when_it_runs_in_our_network_namespace(tmp_path, daemons, init, here):
    assert _managers.networkd_here(_proc(tmp_path, 'host', daemons, init)) is here


class Steps(object):
    """A clock and a sleep that write networkd's state file of link 3 step by step."""

    def __init__(self, directory, states):
        self.directory, self.states, self.now = directory, list(states), 0.0
        self.write()

    def write(self):
        state = self.states.pop(0) if self.states else None
        if state is not None:
            (self.directory / '3').write_text('ADMIN_STATE=%s\nNETWORK_FILE=/run/systemd/network/10-ens4.network\n' % state)

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.write()


@pytest.mark.parametrize('states, done, last', [
    (['configured'], True, 'configured'),
    ([None, None, 'pending', 'configuring', 'configuring', 'configured'], True, 'configured'),
    ([None, 'unmanaged'], True, 'unmanaged'),
    (['linger', 'pending', 'failed'], True, 'failed'),
    (['pending'], False, 'pending'),
    ([None], False, None),
])
def test_wait_networkd_link_until_it_is_done_or_the_time_is_up(run_dirs, states, done, last):
    steps = Steps(run_dirs['NETWORKD_LINKS'], states)
    state, finished = _managers.wait_networkd_link(3, 5, clock=steps.clock, sleep=steps.sleep)
    assert finished is done and state.get('ADMIN_STATE') == last
    assert steps.now <= 5.2 and (done or steps.now >= 5)
