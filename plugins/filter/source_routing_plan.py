# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: source_routing_plan
short_description: What the source_routing role does on one host, from what the host has
version_added: 0.3.0
description:
  - Takes the C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts) (gathered
    with C(links), C(addresses), C(managers) and C(rp_filter), and the role's files) and the
    role's settings, and returns everything the C(multinic.routing.source_routing) role
    derives from them - each NIC's address, subnet, gateway, routes and rules and what keeps
    them, the steps of its one M(multinic.routing.batch) task, the reverse-path filter decision
    and the input errors.
  - The role's logic in Python, run once per host by one C(set_fact); as Jinja it was compiled
    again in every task that used it (most of a no-op's controller time).
  - The input errors come back in C(errors), for the role's assert; the only one raised is an
    interface that does not exist (by the C(multinic.routing.persistence) filter).
author:
  - multinic.routing maintainers
options:
  _input:
    description: C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts).
    type: dict
    required: true
  settings:
    description:
      - The role's variables without the C(source_routing_) prefix (C(state), C(interface),
        C(gateway), C(table), C(table_id), C(priority), C(control_interface),
        C(control_gateway), C(control_table), C(control_table_id), C(control_priority),
        C(main_first), C(main_first_priority), C(rp_filter_loose), C(persist), C(guard),
        C(sysctl_file)), and C(name) (the drop-ins' and boot unit's name), C(legacy_file) and
        C(legacy_header) (the netplan file an earlier version wrote), C(host) (for messages).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: The plan of the source_routing role on this host
  ansible.builtin.set_fact:
    plan: "{{ facts.ansible_facts.multinic_routing | multinic.routing.source_routing_plan(settings) }}"
'''

RETURN = r'''
_value:
  description:
    - C(nics) - per NIC (data first, then control unless its interface is empty) C(kind),
      C(interface), C(gateway), C(table), C(table_id), C(priority), C(address), C(network),
      C(backend) (V(networkd), V(networkmanager), V(boot_unit), V(runtime); V(none) for
      C(state=absent)), C(note), C(routes) and C(rules).
    - C(kept) - interface to backend. C(steps) - the batch's steps (the keeping mechanisms,
      then the tables, routes and rules or their removal).
    - C(files) - path to text of the role's files. C(rp) - C(loosen), C(found), C(restore), C(here) (whether the data NIC is in the host's namespace).
      C(files_task) - whether anything of the role's file tasks has to run.
    - C(report) - each NIC's interface and note (what keeps its tables), for the role's report.
    - C(errors) - the input errors, empty when the role can go on.
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import raising
from ansible_collections.multinic.routing.plugins.module_utils import _plan_source_routing

source_routing_plan = raising(_plan_source_routing.plan, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'source_routing_plan': source_routing_plan}
