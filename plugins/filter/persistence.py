# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: persistence
short_description: How the roles keep each NIC's routes and rules, from what manages the NIC
version_added: 0.2.0
description:
  - Takes the C(managers) section of M(multinic.routing.routing_facts) (the host's namespace) and
    returns, for each interface asked for, which mechanism keeps the state the roles set.
  - V(networkd) where systemd-networkd configures the NIC (with or without netplan) - a drop-in
    for the C(.network) file networkd uses (M(multinic.routing.networkd_dropin)), made live at
    once and kept through reloads, restarts, DHCP renewals and reboots.
  - V(boot_unit) where nothing that removes foreign routes manages the NIC (ifupdown, no manager)
    and PID 1 is systemd - a unit that applies the state again at every boot with the collection's
    own code (M(multinic.routing.boot_unit)).
  - V(networkmanager) where NetworkManager manages the NIC with an active profile - the entries
    go into that profile (M(multinic.routing.nm_profile)), made live at once with
    C(nmcli device reapply) and kept through C(nmcli connection up), restarts, DHCP renewals and
    reboots.
  - V(runtime) when persistence is off, or there is no systemd to run a boot unit.
author:
  - multinic.routing maintainers
options:
  _input:
    description: The C(managers) dict of M(multinic.routing.routing_facts).
    type: dict
    required: true
  interfaces:
    description: The interfaces to decide for.
    type: list
    elements: str
    required: true
  persist:
    description: Whether the role is asked to persist at all.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: How the data NIC's routes are kept
  ansible.builtin.debug:
    msg: "{{ facts.netns.host.managers | multinic.routing.persistence(['ens4']) }}"
    # {"ens4": {"backend": "networkd", "manager": "networkd", "note": "..."}}
'''

RETURN = r'''
_value:
  description: Per interface, C(backend), the C(manager) found and a C(note) for humans.
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils import _plan_common

persistence = _plan_common.raising(_plan_common.persistence, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'persistence': persistence}
