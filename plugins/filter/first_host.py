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

import ipaddress

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text


def first_host(value):
    """'10.240.64.4/24' or '10.240.64.0/24' -> '10.240.64.1'."""
    text = to_text(value).strip() if value is not None else ''
    if '/' not in text:
        raise AnsibleFilterError('first_host: %r is not ADDRESS/PREFIXLEN (the prefix length is '
                                 'needed to know the network)' % (value,))
    try:
        network = ipaddress.ip_interface(text).network
    except ValueError as exc:
        raise AnsibleFilterError('first_host: %r is not an IP address with a prefix length: %s'
                                 % (value, exc))
    if network.num_addresses < 2:
        raise AnsibleFilterError('first_host: %s has no host part, so no first host address'
                                 % network)
    return str(network.network_address + 1)


class FilterModule(object):

    def filters(self):
        return {'first_host': first_host}
