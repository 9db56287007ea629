# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: ip_prefix
short_description: Is the value a network prefix (CIDR without host bits)
version_added: 0.1.0
description:
  - True for a network prefix such as C(10.240.128.0/24) or C(2001:db8::/64); false for
    anything else, including an address with host bits set (C(10.240.128.5/24)), a bare address
    or a non-string.
  - The roles use it to refuse bad subnet lists before anything is changed, naming the bad
    entries.
author:
  - multinic.routing maintainers
options:
  _input:
    description: The value to test.
    type: raw
    required: true
  version:
    description: Only accept this IP version (4 or 6). Any when not given.
    type: int
'''

EXAMPLES = r'''
- name: Refuse subnets that are not prefixes
  ansible.builtin.assert:
    that: bad | length == 0
    fail_msg: "data_plane_subnets: not network prefixes: {{ bad }}"
  vars:
    bad: "{{ data_plane_subnets | reject('multinic.routing.ip_prefix', version=4) }}"
'''

RETURN = r'''
_value:
  description: Whether the value is a network prefix (of the given version).
  type: bool
'''

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import ip_prefix


class TestModule(object):

    def tests(self):
        return {'ip_prefix': ip_prefix}
