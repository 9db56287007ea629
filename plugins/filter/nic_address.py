# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: nic_address
short_description: The first address of one interface in a list of addresses from routing_facts
version_added: 0.1.0
description:
  - Takes the C(addresses) list that M(multinic.routing.routing_facts) returns for a namespace
    and returns the first address of the given family that sits on the given interface, without
    prefix length.
  - Returns an empty string when the interface has no such address (or is not in the list).
  - The C(multinic.routing.reachability) role uses it to find each host's data and control
    addresses.
author:
  - multinic.routing maintainers
options:
  _input:
    description: The addresses, each a mapping with at least C(dev), C(family) and C(address).
    type: list
    elements: dict
    required: true
  interface:
    description: The interface name (C(dev)) whose address is wanted.
    type: str
    required: true
  family:
    description: The address family, 4 or 6.
    type: int
    default: 4
    choices: [4, 6]
seealso:
  - module: multinic.routing.routing_facts
'''

EXAMPLES = r'''
- name: The IPv4 address of the data NIC
  ansible.builtin.debug:
    msg: "{{ facts.ansible_facts.multinic_routing.netns.host.addresses | multinic.routing.nic_address('ens4') }}"
'''

RETURN = r'''
_value:
  description: The address, without prefix length; empty when there is none.
  type: str
  sample: 10.240.64.4
'''


def nic_address(addresses, interface, family=4):
    """The first address of ``family`` on ``interface`` in a routing_facts address list, or ''."""
    for entry in addresses or []:
        if entry.get('family') == family and entry.get('dev') == interface:
            return entry.get('address')
    return ''


class FilterModule(object):

    def filters(self):
        return {'nic_address': nic_address}
