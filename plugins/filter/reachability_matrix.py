# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: reachability_matrix
short_description: The printed reachability matrix of a play's hosts
version_added: 0.1.0
description:
  - Lays out the rows the C(multinic.routing.reachability) role collected on every host
    (see P(multinic.routing.reachability_row#filter)) as text lines - a header naming the
    strategy and what is expected, then for data and for control a table hosts x hosts (rows -
    from, columns - to) whose cells read V(ok) or what is wrong, marked C(*) when not as
    expected, and the addresses used.
  - The data table says how data pairs were pinged for the strategy - C(ping) (V(custom_routes),
    or no strategy), C(ping -I <data address>) (V(source_routing)), C(ip netns exec NETNS ping)
    (V(netns); hosts without the namespace are named).
seealso:
  - plugin: multinic.routing.reachability_row
    plugin_type: filter
  - plugin: multinic.routing.reachability_violations
    plugin_type: filter
extends_documentation_fragment:
  - multinic.routing.reachability
options:
  _input:
    description: The hosts, in the order of the rows and columns.
    type: list
    elements: str
    required: true
  strategy:
    description: The strategy the data path was checked for.
    type: str
    required: true
    choices: ["", custom_routes, source_routing, netns]
  interfaces:
    description: The interface replies of each kind (C(data), C(control)) must leave through.
    type: dict
    required: true
  netns:
    description: The namespace of the V(netns) strategy.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Matrix of every pair
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts | multinic.routing.reachability_matrix(hostvars=hostvars, strategy='source_routing',
             interfaces={'data': 'ens4', 'control': 'ens3'}, netns='data') }}"
  run_once: true
'''

RETURN = r'''
_value:
  description: The lines of the matrix.
  type: list
  elements: str
  sample:
    - "strategy source_routing, expect pass - rows: from, columns: to; * = not as expected"
    - ""
    - "DATA - ping -I <data address>; replies must leave via ens4"
    - "from \\ to  w1         w2"
    - "w1         -          ok"
    - "w2         ok         -"
    - "addresses: w1 10.240.64.4, w2 10.240.128.4"
'''

from ansible_collections.multinic.routing.plugins.plugin_utils._reachability import reachability_matrix


class FilterModule(object):

    def filters(self):
        return {'reachability_matrix': reachability_matrix}
