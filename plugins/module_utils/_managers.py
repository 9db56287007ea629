# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which network manager configures each interface of the host, read from the managers' own
runtime state (never guessed from configuration files, where a lower-numbered file can shadow
the one a tool would pick).

PRIVATE: internal to multinic.routing, not a public API.

- systemd-networkd: /run/systemd/netif/links/<ifindex> holds NETWORK_FILE=<the .network file
  that configures the link> and ADMIN_STATE (configured, configuring, unmanaged, ...);
- NetworkManager: /run/NetworkManager/devices/<ifindex> (a key file: [device] managed=,
  connection-uuid=);
- ifupdown: /run/network/ifstate.<name> exists while `ifup` has the interface configured.
A manager counts only while its daemon runs (networkd and NetworkManager leave their /run files
behind when stopped).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

NETWORKD_LINKS = '/run/systemd/netif/links'
NM_DEVICES = '/run/NetworkManager/devices'
IFUPDOWN_STATE = '/run/network'
NETWORKD = 'networkd'
NETWORKMANAGER = 'NetworkManager'
IFUPDOWN = 'ifupdown'
NONE = 'none'
# process names (/proc/<pid>/comm, at most 15 characters)
DAEMONS = {NETWORKD: 'systemd-network', NETWORKMANAGER: 'NetworkManager'}


def read_file(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def key_values(text):
    """KEY=VALUE lines (networkd state files, key files without their [section] lines)."""
    values = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if '=' in line and not line.startswith(('#', '[')):
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip()
    return values


def _processes(proc):
    """{pid: process name} of every process (/proc/<pid>/comm)."""
    found = {}
    for pid in os.listdir(proc):
        if pid.isdigit():
            comm = read_file(os.path.join(proc, pid, 'comm'))
            if comm:
                found[pid] = comm.strip()
    return found


def running_daemons(proc='/proc'):
    """The managers whose daemon runs now, e.g. {'networkd': True, 'NetworkManager': False}."""
    names = set(_processes(proc).values())
    return dict((key, comm in names) for key, comm in DAEMONS.items())


def _netns_inode(proc, pid):
    try:
        return os.stat(os.path.join(proc, pid, 'ns', 'net')).st_ino
    except OSError:
        return None


def networkd_here(proc='/proc'):
    """Whether systemd-networkd runs in the network namespace this process is in (a namespace
    of a test or of a container is not networkd's, whatever /run holds). Reading networkd's own
    namespace takes CAP_SYS_PTRACE (it runs as another user); without it, init's (networkd runs
    in init's); when neither can be read, networkd is taken to be here."""
    ours = _netns_inode(proc, 'self')
    pids = [pid for pid, comm in _processes(proc).items() if comm == DAEMONS[NETWORKD]]
    if not pids:
        return False
    theirs = [_netns_inode(proc, pid) for pid in pids]
    if ours in theirs:
        return True
    if any(theirs):
        return False
    init = _netns_inode(proc, '1')
    return ours is None or init is None or init == ours


def networkd_link(index):
    """networkd's state file of a link as KEY=VALUE pairs ({} when it has none)."""
    return key_values(read_file(os.path.join(NETWORKD_LINKS, str(index))))


# networkd's ADMIN_STATE once it is done with a link: configured it, failed to, or leaves it alone
NETWORKD_DONE = ('configured', 'failed', 'unmanaged')


def wait_networkd_link(index, timeout, clock=time.time, sleep=time.sleep):
    """Wait until networkd is done with a link that came into its namespace  -> (its state
    file's keys, whether it was done before the timeout)."""
    deadline = clock() + timeout
    while True:
        state = networkd_link(index)
        if state.get('ADMIN_STATE') in NETWORKD_DONE:
            return state, True
        if clock() >= deadline:
            return state, False
        sleep(0.2)


def init_is_systemd(proc='/proc'):
    return (read_file(os.path.join(proc, '1', 'comm')) or '').strip() == 'systemd'


def of_link(index, name, daemons):
    """What configures one interface: {'manager': ..., and the manager's own details}."""
    if daemons.get(NETWORKD):
        state = networkd_link(index)
        if state.get('NETWORK_FILE') and state.get('ADMIN_STATE') not in (None, 'unmanaged', 'linger'):
            return {'manager': NETWORKD, 'network_file': state['NETWORK_FILE'],
                    'state': state.get('ADMIN_STATE')}
    if daemons.get(NETWORKMANAGER):
        device = key_values(read_file(os.path.join(NM_DEVICES, str(index))))
        if device.get('managed', 'true') == 'true' and device.get('connection-uuid'):
            return {'manager': NETWORKMANAGER, 'connection_uuid': device['connection-uuid']}
    if os.path.exists(os.path.join(IFUPDOWN_STATE, 'ifstate.%s' % name)):
        return {'manager': IFUPDOWN}
    return {'manager': NONE}


def gather(links):
    """{'daemons': {...}, 'systemd': bool, 'links': {name: of_link(...)}} for (index, name) pairs."""
    daemons = running_daemons()
    return {
        'daemons': daemons,
        'systemd': init_is_systemd(),
        'links': dict((name, of_link(index, name, daemons)) for index, name in links),
    }
