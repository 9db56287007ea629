# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which manager configures a NIC, read from the managers' runtime files (here: files laid out
the way systemd-networkd 252, NetworkManager 1.42 and ifupdown 0.8 write them, in tmp_path)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
