# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: first_host
short_description: The first host address of a subnet (the VPC gateway convention)
version_added: 0.1.0
description:
  - Returns the first host address of the network that an address with prefix length
    (C(10.240.64.4/24)) or a network prefix (C(10.240.64.0/24)) belongs to - C(10.240.64.1).
  - In IBM Cloud VPC (and many other clouds) that is the subnet's gateway; the roles of this
    collection use it when no gateway is given.
  - Refuses networks without a host part (an IPv4 C(/32), an IPv6 C(/128)).
  - Needs nothing beyond the Python standard library.
author:
  - multinic.routing maintainers
options:
  _input:
    description: An address with a prefix length, C(ADDRESS/PREFIXLEN), or a network prefix.
    type: str
    required: true
seealso:
  - plugin: multinic.routing.ip_network
    plugin_type: filter
'''

EXAMPLES = r'''
- name: The gateway of the data NIC's subnet
  ansible.builtin.debug:
    msg: "{{ '10.240.64.4/24' | multinic.routing.first_host }}"  # 10.240.64.1
'''

RETURN = r'''
_value:
  description: The first host address, without prefix length.
  type: str
  sample: 10.240.64.1
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils import _plan_common

first_host = _plan_common.raising(_plan_common.first_host, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'first_host': first_host}
