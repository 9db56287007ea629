#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: networkd_dropin
short_description: Routes and rules kept by systemd-networkd for one interface
version_added: 0.2.0
description:
  - Writes the routes and policy rules of one interface into a systemd-networkd drop-in,
    C(/etc/systemd/network/<file>.network.d/60-multinic-<name>.conf), next to the C(.network)
    file that networkd really uses for that interface, so networkd itself creates them, keeps them
    through C(networkctl reload)/C(reconfigure), C(netplan apply), restarts and DHCP renewals, and
    creates them again at boot.
  - The C(.network) file is read from networkd's own runtime state
    (C(/run/systemd/netif/links/<ifindex>), C(NETWORK_FILE=)), so a lower-numbered file that
    shadows another is never a trap. On netplan hosts that file is netplan's
    C(/run/systemd/network/10-netplan-<id>.network); the drop-in lives in C(/etc), which
    C(netplan generate) never touches.
  - Fails, writing nothing, when systemd-networkd does not run or does not configure the
    interface.
  - With O(reload=true) a change is made live at once with C(networkctl reload) (networkd
    reconfigures the links whose files changed); the module then waits until the link is
    configured again and every route and rule is in the kernel (one C(networkctl reconfigure)
    if that does not come by itself).
  - Routes carry protocol 241 (C(multinic)) unless O(routes[].proto) says otherwise, like those of
    M(multinic.routing.route).
  - Only the module's own file is written or removed; other drop-ins and the C(.network) files stay
    as they are.
  - O(routes) are written as C([Route]) sections, O(rules) as C([RoutingPolicyRule]) sections.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
  - multinic.routing.entries
  - multinic.routing.guard
options:
  interface:
    description: The interface whose C(.network) file gets the drop-in.
    type: str
    required: true
  name:
    description:
      - Names the drop-in, C(60-multinic-<name>.conf); one per purpose (the roles use their own
        names). Letters, digits, C(_), C(-) and C(.).
    type: str
    required: true
  state:
    description:
      - V(present) writes the drop-in unless it already holds exactly that content.
      - V(absent) removes the drop-ins this module wrote for O(interface) under O(name), wherever
        they are (they carry a header naming both), and nothing else.
    type: str
    default: present
    choices: [present, absent]
  reload:
    description: Make a change live at once (C(networkctl reload), then wait; see above).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for networkd to configure the link after a reload.
    type: int
    default: 30
notes:
  - Reconfiguring a link makes networkd renew its DHCP lease; with a reserved address (a cloud
    VPC's) the address stays the same and established connections survive.
  - The interface must be in the host's own namespace (networkd does not manage other namespaces).
seealso:
  - module: multinic.routing.route
  - module: multinic.routing.rule
  - module: multinic.routing.boot_unit
'''

EXAMPLES = r'''
- name: Routes to the other zones' data subnets, kept by networkd
  multinic.routing.networkd_dropin:
    interface: ens4
    name: custom_routes
    routes:
      - dest: 10.240.128.0/24
        gateway: 10.240.64.1
      - dest: 10.240.192.0/24
        gateway: 10.240.64.1

- name: A table and a source rule for the data NIC
  multinic.routing.networkd_dropin:
    interface: ens4
    name: source_routing
    routes:
      - dest: 10.240.64.0/24
        scope: link
        src: 10.240.64.4
        table: 201
      - dest: default
        gateway: 10.240.64.1
        src: 10.240.64.4
        table: 201
    rules:
      - priority: 1000
        from: 10.240.64.4
        table: 201

- name: Remove it again
  multinic.routing.networkd_dropin:
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
network_file:
  description: The C(.network) file networkd uses for the interface.
  returned: with O(state=present)
  type: str
  sample: /run/systemd/network/10-netplan-ens4.network
path:
  description: The drop-in file (with O(state=absent), the first one removed, or null).
  returned: always
  type: str
  sample: /etc/systemd/network/10-netplan-ens4.network.d/60-multinic-custom_routes.conf
content:
  description: What the drop-in holds (null with O(state=absent)).
  returned: always
  type: str
reloaded:
  description: Whether networkd was told to reload (and configured the link).
  returned: always
  type: bool
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the drop-in did not exist and is
      created, V(present) when it existed and is removed; V(content) when it is rewritten;
      V(stale) when drop-ins of the same name for another C(.network) file are removed.
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [content]
guard:
  description:
    - The management-path guard (O(guard)) - whether it was on (C(active)), why not (C(reason)),
      the controller's address (C(peer)), the host's (C(local)), where they came from
      (C(source)) and the kernel's way between them before the change (C(path)). When the
      drop-in, once live, moved that way, the files are put back as they were, networkd
      configures the link from them again and the task fails naming the route.
  returned: success
  type: dict
  sample: {active: true, reason: null, peer: 10.240.0.254, local: 10.240.0.4,
           source: SSH_CONNECTION of the module process,
           path: {dev: ens3, gateway: null, prefsrc: 10.240.0.4, table: 254}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _networkd


def main():
    module = AnsibleModule(**_networkd.SPEC.module_kwargs())
    _common.run_module(module, _networkd.run)


if __name__ == '__main__':
    main()
