# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: reachability_probes
short_description: One host's route lookups of the reachability proof, as route_lookup probes
version_added: 0.2.0
description:
  - For one host and kind (C(data), C(control)), the
    O(multinic.routing.route_lookup#module:probes) that ask which way a reply from the host's
    address of that kind to each peer's address of that kind leaves - one probe per peer, in
    the order of the peers, so one M(multinic.routing.route_lookup) call covers every peer.
seealso:
  - plugin: multinic.routing.reachability_row
    plugin_type: filter
  - module: multinic.routing.route_lookup
options:
  _input:
    description: The peers.
    type: list
    elements: str
    required: true
  hostvars:
    description:
      - The play's C(hostvars); each host's addresses are read from
        C(__reachability_data_address) and C(__reachability_control_address), where the
        preflight of the C(multinic.routing.reachability) role puts them.
    type: dict
    required: true
  host:
    description: The host the lookups are made on.
    type: str
    required: true
  kind:
    description: Which addresses.
    type: str
    required: true
    choices: [data, control]
author:
  - multinic.routing maintainers
'''

EXAMPLES = r'''
- name: Data - which way a reply from the data address to each peer leaves
  multinic.routing.route_lookup:
    probes: "{{ peers | multinic.routing.reachability_probes(hostvars=hostvars, host=inventory_hostname, kind='data') }}"
  register: data_egress
'''

RETURN = r'''
_value:
  description: "C([{dst: PEER ADDRESS, src: HOST ADDRESS}]), one per peer."
  type: list
  elements: dict
  sample:
    - {dst: 10.240.128.4, src: 10.240.64.4}
    - {dst: 10.240.192.4, src: 10.240.64.4}
'''

from ansible_collections.multinic.routing.plugins.plugin_utils._reachability import reachability_probes


class FilterModule(object):

    def filters(self):
        return {'reachability_probes': reachability_probes}
