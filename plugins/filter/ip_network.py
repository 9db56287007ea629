# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: ip_network
short_description: The network prefix an interface address belongs to
version_added: 0.1.0
description:
  - Turns an interface address with its prefix length (C(10.240.64.4/24)) into the network it
    belongs to (C(10.240.64.0/24)). A network prefix is returned unchanged (in canonical form).
  - IPv4 and IPv6. Used by the roles to recognise the host's own subnet in a list of subnets.
  - Needs nothing beyond the Python standard library (no C(netaddr), no C(ansible.utils)).
author:
  - multinic.routing maintainers
options:
  _input:
    description: An address with a prefix length, C(ADDRESS/PREFIXLEN), or a network prefix.
    type: str
    required: true
seealso:
  - plugin: multinic.routing.first_host
    plugin_type: filter
  - plugin: multinic.routing.ip_prefix
    plugin_type: test
'''

EXAMPLES = r'''
- name: The data subnet of the data NIC's address
  ansible.builtin.debug:
    msg: "{{ '10.240.64.4/24' | multinic.routing.ip_network }}"  # 10.240.64.0/24

- name: Other zones' data subnets (the host's own one dropped)
  ansible.builtin.set_fact:
    remote_subnets: "{{ subnets | reject('equalto', '10.240.64.4/24' | multinic.routing.ip_network) }}"
  vars:
    subnets: [10.240.64.0/24, 10.240.128.0/24, 10.240.192.0/24]
'''

RETURN = r'''
_value:
  description: The network prefix in canonical form, C(NETWORK/PREFIXLEN).
  type: str
  sample: 10.240.64.0/24
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils import _plan_common

ip_network = _plan_common.raising(_plan_common.ip_network, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'ip_network': ip_network}
