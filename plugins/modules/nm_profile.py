#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nm_profile
short_description: Routes and rules kept by NetworkManager in the profile active on one interface
version_added: 0.3.0
description:
  - Adds routes and policy rules to the NetworkManager connection profile that is active on one
    interface (C(ipv4.routes), C(ipv4.routing-rules), and the C(ipv6.*) ones for IPv6 entries),
    so NetworkManager itself creates them, keeps them through C(nmcli connection up) (a link
    flap, a lost lease), restarts and DHCP renewals, and creates them again at boot.
  - The profile is the one NetworkManager has active on the interface now (C(nmcli device show),
    C(GENERAL.CON-UUID)). Fails, writing nothing and naming the interface, when NetworkManager does
    not run, does not know or manage the interface, or has no profile active on it.
  - With O(reapply=true) a change is made live at once with C(nmcli device reapply <interface>),
    which applies the changed profile without activating it again (the DHCP lease and the address
    stay); the module then waits until the kernel holds every route and rule (and none of those it
    removed). When the profile already holds everything but the kernel does not, it reapplies too.
  - Ownership. NetworkManager cannot mark an entry as added by someone, so the entries this module
    added are recorded in C(/etc/multinic-routing/nm/<interface>.<name>.json). Only recorded entries
    are ever removed; an entry the profile already held before is left alone and not recorded,
    and every other route and rule of the profile stays as it is.
  - NetworkManager installs the routes and rules with kernel protocol C(static) (it cannot set
    another), not 241 (C(multinic)) like M(multinic.routing.route); a route without O(routes[].metric)
    gets metric 0 (not the profile's default metric), like the other modules' routes.
  - O(routes) are written to C(ipv4.routes) / C(ipv6.routes) with their C(table=); O(rules) to
    C(ipv4.routing-rules) / C(ipv6.routing-rules) (C(suppress_prefixlength), C(not), C(type) for
    actions other than C(lookup)). O(routes[].proto) is refused.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
  - multinic.routing.entries
  - multinic.routing.guard
options:
  interface:
    description: The interface whose active NetworkManager profile gets the entries.
    type: str
    required: true
  name:
    description:
      - Names the record of what this module added, C(/etc/multinic-routing/nm/<interface>.<name>.json);
        one per purpose (the roles use their own names). Letters, digits, C(_), C(-) and C(.).
    type: str
    required: true
  state:
    description:
      - V(present) makes the profile hold exactly these entries of ours (entries recorded earlier and
        no longer given are removed from it), and records them.
      - V(absent) removes the recorded entries from the profile they were added to and deletes the
        record. Without a record it changes nothing (and needs no NetworkManager).
    type: str
    default: present
    choices: [present, absent]
  reapply:
    description: Make a change live at once (C(nmcli device reapply), then wait; see above).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the kernel to hold the entries after the reapply. While it does not,
        C(nmcli device reapply) is issued again every 8 seconds (NetworkManager 1.42 was seen to
        take a reapply right after another NIC's without making it live); a task that needed
        more than one says so in a warning.
    type: int
    default: 30
notes:
  - The interface must be in the host's own namespace (NetworkManager does not manage other namespaces).
  - A profile that is switched for another on the interface (a new profile activated) keeps our
    entries until the module runs again, which moves them to the active one.
requirements:
  - NetworkManager with C(nmcli) on the managed node (tested with 1.42).
seealso:
  - module: multinic.routing.route
  - module: multinic.routing.rule
  - module: multinic.routing.networkd_dropin
'''

EXAMPLES = r'''
- name: The data NIC's table and source rules, kept in its NetworkManager profile
  multinic.routing.nm_profile:
    interface: ens4
    name: source_routing
    routes:
      # no src: NetworkManager 1.42 adds static routes before a DHCP address is there
      - {dest: 10.240.64.0/24, scope: link, table: 201}
      - {dest: default, gateway: 10.240.64.1, table: 201}
    rules:
      - {priority: 999, table: main, suppress_prefixlength: 0, family: ipv4}
      - {priority: 1000, from: 10.240.64.4, table: 201}

- name: Only write the profile; NetworkManager applies it at the next activation
  multinic.routing.nm_profile:
    interface: ens4
    name: custom_routes
    routes:
      - {dest: 10.240.128.0/24, gateway: 10.240.64.1, metric: 50}
    reapply: false

- name: Take out what the module added (the profile's own entries stay)
  multinic.routing.nm_profile:
    interface: ens4
    name: custom_routes
    state: absent
'''

RETURN = r'''
interface:
  description: The interface.
  returned: always
  type: str
  sample: ens4
connection:
  description: UUID of the profile changed (null with O(state=absent) and nothing recorded).
  returned: always
  type: str
  sample: f4bce4fa-3684-565e-b701-b931190cb51d
record:
  description: The file that records the entries this module added.
  returned: always
  type: str
  sample: /etc/multinic-routing/nm/ens4.custom_routes.json
added:
  description: The entries added to the profile, in nmcli's syntax (C(routes), C(rules)).
  returned: always
  type: dict
  sample: {"routes": ["10.240.128.0/24 10.240.64.1 0 table=254"], "rules": []}
removed:
  description: The recorded entries removed from the profile (C(routes), C(rules)).
  returned: always
  type: dict
  sample: {"routes": [], "rules": []}
reapplied:
  description: Whether C(nmcli device reapply) ran (and the kernel then held the entries).
  returned: always
  type: bool
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(routes) and V(rules) when entries are added to or
      removed from the profile, V(record) when the record changes, V(live) when the profile
      holds every entry but the kernel lacks some (the profile is reapplied).
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [routes, record]
guard:
  description:
    - The management-path guard (O(guard)) - whether it was on (C(active)), why not (C(reason)),
      the controller's address (C(peer)), the host's (C(local)), where they came from
      (C(source)) and the kernel's way between them before the change (C(path)). When the
      reapplied profile moved that way, every C(nmcli connection modify) of the task is taken
      back, the record restored, the device reapplied again, and the task fails naming the route.
  returned: success
  type: dict
  sample: {active: true, reason: null, peer: 10.240.0.254, local: 10.240.0.4,
           source: SSH_CONNECTION of the module process,
           path: {dev: ens3, gateway: null, prefsrc: 10.240.0.4, table: 254}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _nm


def main():
    module = AnsibleModule(**_nm.SPEC.module_kwargs())
    _common.run_module(module, _nm.run)


if __name__ == '__main__':
    main()
