#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rollback
short_description: Commit-confirmed changes - restore routes, rules, links and files unless confirmed in time
version_added: 0.2.0
description:
  - V(armed) takes a snapshot of what a change is about to touch (routes, rules, the namespace of
    NICs, namespaces, sysctls, configuration files) and arms, on the host itself, a timer that
    restores that snapshot once the controller has been silent for O(timeout) seconds. Run it
    before the change.
  - Every module of this collection that runs on the host (not in check mode) is word from the
    controller - it moves the deadline of every armed rollback to now + its O(timeout). A play
    that is slow but alive is not rolled back in its middle; one that dies is, O(timeout) seconds
    after its last module ran.
  - V(confirmed), run after the change, first checks that the management path recorded at arm
    time still holds (see O(guard)); then it disarms the timer and forgets the snapshot. When the
    path moved, the change is rolled back at once and the task fails.
  - When the controller vanishes, the SSH connection drops or the play is killed between the two,
    nothing confirms, and the timer restores the host by itself.
  - V(rolled_back) restores the armed snapshot now.
  - The timer is a transient systemd timer (C(multinic-routing-rollback-<name>.timer)) where
    systemd is the init; elsewhere a detached process (its own session, so the end of the SSH or
    container session does not stop it). The restorer is this collection's own code, copied to
    C(/run/multinic-routing/rollback/lib) with the Python this module runs with (it needs
    pyroute2, like the modules).
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.guard
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Nothing is armed, confirmed or restored; V(confirmed) reports whether the path moved.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
requirements:
  - pyroute2 >= 0.7 for the Python this module runs with; the restorer runs with that same
    interpreter.
notes:
  - Arming, confirming and disarming change nothing of the host's configuration, so they report
    C(changed=false); the timer and the snapshot under C(/run) are gone after a confirm.
  - A second V(armed) under the same name before a confirm keeps the first snapshot (the state
    before the first change) and arms the timer again; a different scope takes a new snapshot,
    with a warning.
  - When a rollback fired, the next V(armed) of that name warns and returns it as RV(previous); a
    V(confirmed) after it fails, saying what was undone.
  - What is restored is exactly the scope given. Routes - those on O(interfaces) (any table) and
    those in O(tables), in the host's namespace, without the ones the kernel derives from
    addresses (proto kernel, the local table) or router advertisements. Rules - every rule when
    O(rules=true). Links - each of O(interfaces) goes back to the namespace it was in (the
    addresses move with it) and up or down as it was; each of O(namespaces) exists again or not.
    Files - every path matching O(paths), directories with their content; what matches later
    and was not there is removed.
  - After the files are back, the network manager that runs reads them (C(networkctl reload) and
    C(reconfigure), or C(nmcli) reload and reapply), then routes and rules are set as in the
    snapshot.
  - What it cannot protect. A reboot during the window (the snapshot and the timer are in
    C(/run); files already changed stay changed). Routes inside a namespace that existed before.
    Anything outside the scope. A connection that does not use the network (C(local), a container
    connection) - the timer still fires when the play dies, but the guard is off and says why.
options:
  name:
    description:
      - The rollback's name; one snapshot and one timer per name. Letters, digits, C(_), C(.) and
        C(-), not starting with C(.) or C(-), at most 100 characters.
    type: str
    default: multinic-routing
  state:
    description:
      - V(armed) snapshots and arms, V(confirmed) checks the path and disarms, V(rolled_back)
        restores now.
    type: str
    default: armed
    choices: [armed, confirmed, rolled_back]
  timeout:
    description:
      - Seconds of silence from the controller (since the arm, or since the last module of this
        collection ran on the host) after which the snapshot is restored unless confirmed (5 to
        3600).
    type: int
    default: 120
  interfaces:
    description: Interfaces whose routes (any table) and namespace are restored.
    type: list
    elements: str
    default: []
  tables:
    description: Tables (numbers, or names the host knows) whose routes are all restored.
    type: list
    elements: str
    default: []
  namespaces:
    description:
      - Named namespaces the change may make, delete or move O(interfaces) into.
    type: list
    elements: str
    default: []
  paths:
    description:
      - Absolute paths or glob patterns of the configuration files the change may write; a
        directory stands for everything in it.
    type: list
    elements: str
    default: []
  sysctls:
    description: Sysctl names whose values are restored, such as C(net.ipv4.conf.ens4.rp_filter).
    type: list
    elements: str
    default: []
  rules:
    description: Restore the policy rules of the host's namespace (both families).
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Arm - restore the data NIC's routes, the rules and networkd's files in 120 s unless confirmed
  multinic.routing.rollback:
    name: data-plane
    timeout: 120
    interfaces: [ens3, ens4]
    tables: [201, 202]
    paths: [/etc/systemd/network]
    guard: true

- name: The change
  multinic.routing.routing_state:
    routes:
      - {dest: 10.20.64.0/24, gateway: 10.10.64.1, dev: ens4}

- name: Confirm - only when the way to the controller still holds
  multinic.routing.rollback:
    name: data-plane
    state: confirmed
    guard: true
'''

RETURN = r'''
rollback:
  description: The rollback after the task.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    armed:
      description: Whether a timer is armed now.
      type: bool
    reason:
      description: Why not armed, or what happened (V(confirmed), V(rolled back), ...).
      type: str
    timeout:
      description: Seconds from arming to the restore.
      type: int
    armed_at:
      description: When it was armed (seconds since the epoch).
      type: float
    deadline:
      description: When it fires unless confirmed or moved by another module run (seconds since the epoch).
      type: float
    mechanism:
      description: V(systemd) (a transient timer) or V(process) (a detached process).
      type: str
    unit:
      description: The transient unit's name, with V(systemd).
      type: str
    pid:
      description: The waiting process, with V(process).
      type: int
    confirmed:
      description: Present and true after a confirm.
      type: bool
  sample: {name: data-plane, armed: true, reason: null, timeout: 120, mechanism: systemd,
           unit: multinic-routing-rollback-data-plane, pid: null, armed_at: 1795800000.0,
           deadline: 1795800120.0}
guard:
  description: The management path recorded when the rollback was armed (see the guard options).
  returned: when a snapshot was armed or found
  type: dict
previous:
  description: A rollback of this name that fired since the last arm - what it restored and when.
  returned: with O(state=armed) or O(state=confirmed)
  type: dict
restored:
  description: What V(rolled_back) restored.
  returned: with O(state=rolled_back) when something was armed
  type: dict
log:
  description: What the restore did, line by line.
  returned: when this task restored
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _rollback_run


def main():
    module = AnsibleModule(**_rollback_run.SPEC.module_kwargs())
    _common.run_module(module, _rollback_run.run)


if __name__ == '__main__':
    main()
