# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: custom_routes_plan
short_description: What the custom_routes role does on one host, from what the host has
version_added: 0.3.0
description:
  - Takes the C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts) (gathered
    with C(links), C(addresses) and C(managers), and the role's file) and the role's settings,
    and returns everything the C(multinic.routing.custom_routes) role derives from them - the
    data NIC's address, subnet and gateway, the routes to the other zones' data subnets and what
    keeps them, the steps of its one M(multinic.routing.batch) task, and the input errors.
  - The role's logic in Python, run once per host by one C(set_fact); as Jinja it was compiled
    again in every task and on every host that used it.
author:
  - multinic.routing maintainers
options:
  _input:
    description: C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts).
    type: dict
    required: true
  settings:
    description:
      - The role's variables without the C(custom_routes_) prefix (C(state), C(interface),
        C(subnets), C(gateway), C(persist), C(guard)), and C(name) (the drop-in's and boot
        unit's name), C(legacy_file) and C(legacy_header) (the netplan file an earlier version
        wrote), C(host) (for messages).
    type: dict
    required: true
seealso:
  - plugin: multinic.routing.source_routing_plan
    plugin_type: filter
'''

EXAMPLES = r'''
- name: The plan of the custom_routes role on this host
  ansible.builtin.set_fact:
    plan: "{{ facts.ansible_facts.multinic_routing | multinic.routing.custom_routes_plan(settings) }}"
'''

RETURN = r'''
_value:
  description:
    - C(address), C(network), C(gateway) - the data NIC's address (no prefix length), subnet and
      gateway (C('') where it has no IPv4 address).
    - C(routes) - a route (C(dest), C(gateway)) to every subnet but the NIC's own.
    - C(backend) - what keeps them (V(networkd), V(networkmanager), V(boot_unit), V(runtime);
      V(none) with C(state=absent), no route, or the NIC not in the host's namespace).
      C(kept) - interface to backend. C(report) - what survives a reboot, for the role's report.
    - C(steps) - the batch's steps (the keeping mechanisms, then the routes in the kernel or
      their removal).
    - C(legacy) - whether the netplan file an earlier version wrote is there (to remove).
    - C(errors) - the input errors, empty when the role can go on.
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import raising
from ansible_collections.multinic.routing.plugins.module_utils import _plan_custom_routes

custom_routes_plan = raising(_plan_custom_routes.plan, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'custom_routes_plan': custom_routes_plan}
