# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: data_plane_errors
short_description: What is wrong with the data_plane role's input, each problem with its option and value
version_added: 0.3.0
description:
  - Checks the C(multinic.routing.data_plane) role's subnets, gateways, interfaces and namespace
    name and returns one message per problem, naming the option and its value; an empty list when
    the input is good.
  - The role's preflight assert, in Python; as a Jinja template it was compiled again on every host.
author:
  - multinic.routing maintainers
options:
  _input:
    description:
      - The role's variables without the C(data_plane_) prefix - C(subnets), C(gateway),
        C(control_gateway), C(netns), C(interface), C(control_interface).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Check the input
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join('; ') }}"
  vars:
    errors: "{{ {'subnets': data_plane_subnets, 'gateway': data_plane_gateway, 'control_gateway': data_plane_control_gateway,
                 'netns': data_plane_netns, 'interface': data_plane_interface,
                 'control_interface': data_plane_control_interface} | multinic.routing.data_plane_errors }}"
'''

RETURN = r'''
_value:
  description: One message per problem; empty when the input is good.
  type: list
  elements: str
  sample:
    - "data_plane_subnets: not IPv4 network prefixes (or a default route /0): 10.240.64.1/24"
    - "data_plane_gateway=10.240.64.300 is not an IPv4 address"
'''

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import address_errors, subnet_errors, text

KEYS = ('subnets', 'gateway', 'control_gateway', 'netns', 'interface', 'control_interface')
NETNS_NAME = re.compile(r'^[A-Za-z0-9_.-]+$')


def data_plane_errors(settings):
    if not isinstance(settings, dict) or any(k not in settings for k in KEYS):
        raise AnsibleFilterError('data_plane_errors: the input must be a dict with %s' % ', '.join(KEYS))
    errors = subnet_errors('data_plane_subnets', settings['subnets'])
    errors += address_errors('data_plane_gateway', settings['gateway'])
    errors += address_errors('data_plane_control_gateway', settings['control_gateway'])
    netns, interface, control = (text(settings[k]) for k in ('netns', 'interface', 'control_interface'))
    if not NETNS_NAME.match(netns) or netns in ('.', '..', 'host'):
        errors.append(u'data_plane_netns=%s must be letters, digits, _, . and - (not ., .. or host)' % netns)
    elif not interface or interface == control:
        errors.append(u'data_plane_interface=%s and data_plane_control_interface=%s must name two different NICs'
                      % (interface, control))
    return errors


class FilterModule(object):

    def filters(self):
        return {'data_plane_errors': data_plane_errors}
