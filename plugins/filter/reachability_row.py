# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: reachability_row
short_description: One host's row of the reachability matrix, from its pings and route lookups
version_added: 0.1.0
description:
  - Sums up what the C(multinic.routing.reachability) role probed on one host into one cell
    per peer and kind (C(data), C(control)).
  - A cell holds C(reply) (the peer answered the ping), C(via) (the interface a reply to the
    peer leaves through, empty when the lookup failed), C(text) (V(ok), or what is wrong -
    C(no reply), C(via DEV), C(no route)), C(expected) (whether the cell is what
    O(expect) asks for) and the C(from) and C(to) addresses.
  - With O(expect=fail) a data cell is expected when the peer did not answer; control cells are
    always expected to hold.
seealso:
  - plugin: multinic.routing.reachability_probes
    plugin_type: filter
  - plugin: multinic.routing.reachability_matrix
    plugin_type: filter
extends_documentation_fragment:
  - multinic.routing.reachability
options:
  _input:
    description: The peers, in the order the pings and lookups were made.
    type: list
    elements: str
    required: true
  pings:
    description: Lines C(KIND PEER reply) or C(KIND PEER none), one per ping.
    type: list
    elements: str
    required: true
  egress:
    description:
      - Per kind (C(data), C(control)), the registered result of one
        M(multinic.routing.route_lookup) call whose O(multinic.routing.route_lookup#module:probes)
        were one lookup per peer, in the order of the peers (see
        P(multinic.routing.reachability_probes#filter)).
      - A probe that failed, or a call that failed as a whole (registered with
        C(failed_when=false)), gives the peer's cell C(no route).
    type: dict
    required: true
  interfaces:
    description: The interface replies of each kind (C(data), C(control)) must leave through.
    type: dict
    required: true
  host:
    description: The host the row is for.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: This host's row
  ansible.builtin.set_fact:
    row: "{{ peers | multinic.routing.reachability_row(pings=pings.stdout_lines,
             egress={'data': data_egress, 'control': control_egress},
             interfaces={'data': 'ens4', 'control': 'ens3'}, hostvars=hostvars,
             host=inventory_hostname) }}"
'''

RETURN = r'''
_value:
  description: "C({PEER: {data: CELL, control: CELL}})."
  type: dict
  sample:
    worker-2:
      data: {text: ok, reply: true, via: ens4, expected: true, from: 10.240.64.4, to: 10.240.128.4}
      control: {text: ok, reply: true, via: ens3, expected: true, from: 10.240.0.4, to: 10.240.1.4}
'''

from ansible_collections.multinic.routing.plugins.plugin_utils._reachability import reachability_row


class FilterModule(object):

    def filters(self):
        return {'reachability_row': reachability_row}
