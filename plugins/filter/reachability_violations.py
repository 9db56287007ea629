# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: reachability_violations
short_description: The pairs of a reachability proof that do not hold
version_added: 0.1.0
description:
  - From the rows the C(multinic.routing.reachability) role collected on every host (see
    P(multinic.routing.reachability_row#filter)), one line per ordered pair and kind
    (C(data), C(control)) whose cell is not as expected, naming both hosts, both addresses and
    what is wrong.
  - An empty list means every pair holds.
seealso:
  - plugin: multinic.routing.reachability_matrix
    plugin_type: filter
options:
  _input:
    description: The hosts of the play.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - multinic.routing.reachability
'''

EXAMPLES = r'''
- name: Every pair must hold
  ansible.builtin.assert:
    that: ansible_play_hosts | multinic.routing.reachability_violations(hostvars) | length == 0
  run_once: true
'''

RETURN = r'''
_value:
  description: One line per pair and kind that is not as expected.
  type: list
  elements: str
  sample:
    - "data w1 -> w2 (10.240.64.4 -> 10.240.128.4): no reply, via ens3"
'''

from ansible_collections.multinic.routing.plugins.plugin_utils._reachability import reachability_violations


class FilterModule(object):

    def filters(self):
        return {'reachability_violations': reachability_violations}
