#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: batch
short_description: Several of this collection's modules in one module run on the host
version_added: 0.2.0
description:
  - Runs a list of steps, each one task of a module of this collection - its name and its
    options - in one module run on the host, in order. A worker's whole state (table names,
    routes and rules, the network manager's drop-in or profile, the boot unit) is one task and
    one round trip instead of one per module and loop item; over SSH, and on a fleet, each round
    trip costs far more than the work it carries.
  - Each step behaves exactly as its module with the same options - it runs the module's own
    code, with the task's check mode and diff mode - and its result is the module's result.
  - B(Every step is validated before any runs.) The step's options are checked against its
    module's argument spec (types, choices, defaults, required options and constraints) and by
    the module's own checks that come before it reads anything, so bad input anywhere fails the
    task with nothing read or written, naming the step and the option
    (C(steps[2].params.dest='10.0.0.1/8' has host bits set ...)).
  - B(The first step that fails stops the batch.) The task fails with that step's message,
    prefixed with the step's index and module (C(steps[3]) and C(multinic.routing.networkd_dropin)); the
    steps before it stay done, as they would in a play, and RV(results) has their results and
    the failed step's. A step whose module undoes its own change when the management-path guard
    trips (O(multinic.routing.routing_state#module:guard)) does so before the batch stops.
  - The modules a step can name are the ones that change something -
    M(multinic.routing.boot_unit), M(multinic.routing.link), M(multinic.routing.local_fact),
    M(multinic.routing.netns),
    M(multinic.routing.networkd_dropin), M(multinic.routing.nm_profile),
    M(multinic.routing.route), M(multinic.routing.routing_state), M(multinic.routing.rt_table)
    and M(multinic.routing.rule) - and the arm of a M(multinic.routing.rollback), as the first
    step only. The read-only M(multinic.routing.routing_facts) and
    M(multinic.routing.route_lookup) stay tasks of their own, and so does a rollback's confirm
    (it must come from the controller, after the changes).
  - B(A rollback arm as the first step is armed only when something is to change.) The steps
    after it run in check mode first. When none of them would change anything, nothing is armed
    and they do not run again; RV(rollback) says C(armed=false), and no confirm is needed. When
    one would change something, or fails in check mode, or a rollback of that name is armed and
    not confirmed yet (from an earlier run), the rollback is armed and then the steps run for
    real, so everything they change is restored unless the confirm comes in time. In check mode
    the steps run once and nothing is armed.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
options:
  steps:
    description:
      - The steps, run in this order.
      - With O(plan), the steps run before the plan's (a rollback arm as the first, armed only
        when a step after it, the plan's included, is to change something).
      - O(steps), O(plan) or both are required.
    type: list
    elements: dict
    suboptions:
      module:
        description:
          - The module, by its full name (C(multinic.routing.rt_table)) or its short name
            (C(rt_table)).
        type: str
        required: true
      params:
        description:
          - The module's options, as a task of that module takes them (defaults filled in the
            same way).
        type: dict
        default: {}
  plan:
    description:
      - A strategy role's state, worked out on the host (see the description). Its steps run
        after O(steps); RV(plan) returns the plan.
    type: dict
    version_added: 0.3.0
    suboptions:
      role:
        description: The role whose plan it is.
        type: str
        required: true
        choices: [custom_routes, source_routing]
      settings:
        description:
          - The plan's settings - the role's variables, as the filter
            C(multinic.routing.<role>_plan) takes them (its C(settings) option).
        type: dict
        required: true
      record:
        description:
          - The record M(multinic.routing.data_plane) keeps of the strategy applied on the host,
            as the options of a M(multinic.routing.local_fact) task (C(name), C(directory),
            C(state), C(content) with C(strategy)). It is read in the same run. When it names
            another strategy the task fails before anything is written, saying how to remove
            that one first. With C(state=absent) in the record and no record on the host,
            nothing runs (there is nothing of the role's to remove) and RV(nothing_to_remove) is
            true. Otherwise it is written (or removed) as the last step, with how the state is
            kept (the plan's C(kept)) as C(persistence) in its content.
        type: dict
notes:
  - pyroute2 is needed on the host unless every step is M(multinic.routing.rt_table) or
    M(multinic.routing.local_fact).
  - With several steps for the same object the later one sees what the earlier one did, as with
    tasks; in check mode nothing is written, so it sees the state before the task.
seealso:
  - module: multinic.routing.routing_state
  - module: multinic.routing.boot_unit
'''

EXAMPLES = r'''
- name: A data NIC's table, its routes and rule, kept by systemd-networkd - one task per host
  multinic.routing.batch:
    steps:
      - module: multinic.routing.rt_table
        params: {name: data, id: 201}
      - module: multinic.routing.networkd_dropin
        params:
          interface: ens4
          name: data-plane
          routes:
            - {dest: default, gateway: 10.240.64.1, table: 201}
          rules:
            - {priority: 10001, from: 10.240.64.4, table: 201}
      - module: multinic.routing.routing_state
        params:
          routes:
            - {dest: default, gateway: 10.240.64.1, dev: ens4, src: 10.240.64.4, table: 201}
          rules:
            - {priority: 10001, from: 10.240.64.4, table: 201}

- name: Routes to the other zones, restored unless confirmed within 120 s (armed only if one is to change)
  multinic.routing.batch:
    steps:
      - module: multinic.routing.rollback
        params: {name: data-plane, timeout: 120, interfaces: [ens4]}
      - module: multinic.routing.route
        params: {dest: 10.240.128.0/24, gateway: 10.240.64.1, dev: ens4}
      - module: multinic.routing.route
        params: {dest: 10.240.192.0/24, gateway: 10.240.64.1, dev: ens4}
  register: applied

- name: Confirm it from the controller
  multinic.routing.rollback:
    name: data-plane
    state: confirmed
  when: applied.rollback.armed

- name: The source_routing role's tables and rules, worked out and applied on the host in one run
  multinic.routing.batch:
    plan:
      role: source_routing
      settings:
        state: present
        interface: ens4
        gateway: ""
        table: data
        table_id: 201
        priority: 1000
        control_interface: ens3
        control_gateway: ""
        control_table: control
        control_table_id: 202
        control_priority: 1001
        main_first: true
        main_first_priority: 999
        rp_filter_loose: true
        persist: true
        guard: true
        sysctl_file: /etc/sysctl.d/60-multinic-source-routing.conf
        name: source_routing
        legacy_file: /etc/netplan/60-multinic-source-routing.yaml
        legacy_header: "# Managed by the multinic.routing.source_routing role"
        host: "{{ inventory_hostname }}"
  register: planned

- name: What keeps each NIC's tables
  ansible.builtin.debug:
    msg: "{{ planned.plan.report }}"

- name: The same, taken down
  multinic.routing.batch:
    steps:
      - module: multinic.routing.networkd_dropin
        params: {interface: ens4, name: data-plane, state: absent}
      - module: multinic.routing.routing_state
        params:
          rules:
            - {priority: 10001, table: 201, state: absent}
          routes:
            - {dest: default, table: 201, state: absent}
      - module: multinic.routing.rt_table
        params: {name: data, state: absent}
'''

RETURN = r'''
results:
  description:
    - One result per step that ran, in order - the result its module returns (without C(diff),
      which is in the task's C(diff), and C(warnings), which are the task's, prefixed with the
      step) with C(module), the step's module by its full name.
    - When a step fails it is the last, with C(failed=true) and its C(msg).
  returned: always
  type: list
  elements: dict
  sample:
    - {module: multinic.routing.rt_table, changed: false, differences: [], name: data, id: 201,
       path: /etc/iproute2/rt_tables.d/data.conf}
differences:
  description:
    - What differed, from every step that changed something, prefixed with the step
      (C(steps[0].absent)); empty exactly when C(changed) is false.
  returned: always
  type: list
  elements: str
  sample: ['steps[0].absent']
rollback:
  description:
    - With a rollback arm as the first step, the rollback after the task (as
      M(multinic.routing.rollback) returns it); C(armed=false) with C(reason) when nothing was to
      change. Confirm it (a M(multinic.routing.rollback) task with O(multinic.routing.rollback#module:state=confirmed))
      when C(armed) is true.
  returned: when the first step is a rollback
  type: dict
  sample: {name: data-plane, armed: false, reason: 'nothing to change: the steps after it found everything as wanted'}
plan:
  description:
    - With O(plan), the plan the host worked out - what the filter C(multinic.routing.<role>_plan)
      returns for the same facts and settings (C(steps), C(kept), C(report), C(errors), ...).
    - Returned on a failure of the plan's input check too, with its C(errors).
  returned: with O(plan)
  type: dict
  sample: {kept: {ens4: networkd}, report: 'ens4: kept by systemd-networkd (drop-in for /run/systemd/network/10-netplan-ens4.network)', errors: []}
recorded:
  description: With O(plan.record), the strategy the record named before the task (V('') for none).
  returned: with O(plan.record)
  type: str
  sample: source_routing
nothing_to_remove:
  description:
    - True when O(plan.record) had C(state=absent) and no record was found on the host, so that
      nothing ran; C(msg) says so.
  returned: when nothing ran for that reason
  type: bool
  sample: true
failed_step:
  description: The index of the step that failed.
  returned: failure in a step
  type: int
  sample: 1
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _batch
from ansible_collections.multinic.routing.plugins.module_utils import _common


def main():
    module = AnsibleModule(**_batch.SPEC.module_kwargs())
    _common.run_module(module, _batch.run, needs_pyroute2=False)


if __name__ == '__main__':
    main()
