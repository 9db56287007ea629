#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: boot_unit
short_description: Re-apply netns, link, route and rule steps at boot with a systemd unit
version_added: 0.1.0
description:
  - Installs a systemd unit, C(multinic-routing-<name>.service), that applies a list of steps at
    boot - each step is what one task of M(multinic.routing.netns), M(multinic.routing.link),
    M(multinic.routing.route) or M(multinic.routing.rule) does, with the same options.
  - For hosts where no network manager can hold the collection's state (ifupdown hosts, hosts
    without a manager), and for a data NIC that must be in its namespace before the host's network
    manager starts (the netns strategy, on every host).
  - At boot the unit runs C(/usr/local/sbin/multinic-routing-apply <name>), which runs every step
    through the code of the modules themselves - a copy of this collection's module_utils installed
    from this module's own payload under C(/usr/local/lib/multinic-routing/). Ansible is not needed
    on the node at boot; pyroute2 is.
  - Each step's O(steps[].params) are validated with the argument spec and the checks of the
    module named in O(steps[].module) before anything is written, and are stored normalised
    (defaults filled in) in C(/etc/multinic-routing/<name>.json).
  - This module only writes files. It never changes the kernel's state - run the modules
    themselves to apply the same steps now.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
requirements:
  - pyroute2 >= 0.7 for the Python this module runs with; the applier runs with that same
    interpreter at boot.
  - systemd, for the unit to run at boot (the files are written on any host).
options:
  name:
    description:
      - Name of the boot state. The unit is C(multinic-routing-<name>.service), the state file
        C(/etc/multinic-routing/<name>.json).
      - Letters, digits, C(_), C(.) and C(-), not starting with C(.) or C(-), at most 200
        characters.
    type: str
    required: true
  state:
    description:
      - V(present) writes the state file, the unit, its enablement link, the library and the
        applier (each only when its content differs).
      - V(absent) removes the state file, the unit and its link; the library and the applier too
        when no other state file is left.
    type: str
    default: present
    choices: [present, absent]
  steps:
    description:
      - What the unit applies at boot, in this order. Required with O(state=present).
      - A step that fails is logged and the next one is still applied; the unit then fails.
    type: list
    elements: dict
    suboptions:
      module:
        description: The module whose work the step does.
        type: str
        required: true
        choices: [link, netns, route, rule]
      params:
        description:
          - The options of that module, as in a task of it (for example C(name), C(netns) and
            C(addresses) for V(link)). Validated with that module's argument spec and checks.
        type: dict
        default: {}
  order:
    description:
      - When the unit runs at boot. Required with O(state=present).
      - V(before-network) runs early, before C(network-pre.target) - so before
        systemd-networkd, NetworkManager and ifupdown configure anything. An interface moved into
        a namespace then is never configured by the host's network manager. Nothing has an
        address from DHCP yet; steps must give what they need (O(multinic.routing.link#module:addresses)).
      - V(after-network) runs after C(network-online.target), once the host's network manager
        (its DHCP client) has configured the interfaces - for routes and rules that need their
        addresses and gateways.
    type: str
    choices: [before-network, after-network]
  wait_for_links:
    description:
      - Interfaces to wait for before the steps are applied (a NIC's driver and udev's renaming
        may not be done that early in boot). An interface counts as there when it is in the host's
        namespace or in a namespace the steps name (so running the applier again after a move
        does not wait).
      - The applier polls over netlink; the unit has no dependency on C(sys-subsystem-net-devices-*.device)
        units, which never appear in containers without udev.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait for O(wait_for_links) (0..3600). The steps are applied when the time is
        up even if an interface is missing (the steps that need it fail and are logged).
    type: int
    default: 60
  enabled:
    description:
      - Whether the unit starts at boot - the C(multi-user.target.wants) link C(systemctl enable)
        makes.
    type: bool
    default: true
notes:
  - Files written (mode 0644, the applier 0755), each to a temporary file renamed over the old
    one - C(/etc/multinic-routing/<name>.json), C(/etc/systemd/system/multinic-routing-<name>.service),
    the link C(/etc/systemd/system/multi-user.target.wants/multinic-routing-<name>.service),
    C(/usr/local/sbin/multinic-routing-apply) and the library under
    C(/usr/local/lib/multinic-routing/). The library and the applier are shared by every unit
    and refreshed when the collection changes them.
  - C(systemctl daemon-reload) is run when the unit file or its link changed and PID 1 is systemd.
    The unit is not started now.
  - The applier logs one line per step (C(journalctl -u multinic-routing-<name>)); run it by hand
    with C(multinic-routing-apply <name>) or C(multinic-routing-apply --all).
  - The unit has no stop action; removing it does not undo what it applied.
seealso:
  - module: multinic.routing.netns
  - module: multinic.routing.link
  - module: multinic.routing.route
  - module: multinic.routing.rule
'''

EXAMPLES = r'''
- name: The data NIC in namespace data from early boot on, before the host's network manager starts
  multinic.routing.boot_unit:
    name: netns-data
    order: before-network
    wait_for_links: [ens4]
    steps:
      - module: netns
        params: {name: data}
      - module: link
        params: {name: ens4, netns: data, state: up, addresses: [10.240.64.4/24]}
      - module: link
        params: {name: lo, netns: data, state: up}
      - module: route
        params: {dest: default, gateway: 10.240.64.1, dev: ens4, netns: data}

- name: Source routing for the data NIC, re-applied once DHCP has configured the NICs
  multinic.routing.boot_unit:
    name: source-routing
    order: after-network
    wait_for_links: [ens4]
    steps:
      - module: route
        params: {dest: 10.240.64.0/24, dev: ens4, src: 10.240.64.4, table: 201}
      - module: route
        params: {dest: default, gateway: 10.240.64.1, dev: ens4, table: 201}
      - module: rule
        params: {priority: 1000, from: 10.240.64.4, table: 201}

- name: Remove the unit and its state (the library goes with the last one)
  multinic.routing.boot_unit:
    name: netns-data
    state: absent
'''

RETURN = r'''
name:
  description: The boot state name.
  returned: always
  type: str
  sample: netns-data
unit:
  description: The systemd unit.
  returned: always
  type: str
  sample: multinic-routing-netns-data.service
unit_path:
  description: The unit file.
  returned: always
  type: str
  sample: /etc/systemd/system/multinic-routing-netns-data.service
state_path:
  description: The state file the applier reads.
  returned: always
  type: str
  sample: /etc/multinic-routing/netns-data.json
applier:
  description: The program the unit runs.
  returned: always
  type: str
  sample: /usr/local/sbin/multinic-routing-apply
enabled:
  description: Whether the unit is enabled after the run (false with O(state=absent)).
  returned: always
  type: bool
  sample: true
order:
  description: O(order) (null with O(state=absent)).
  returned: always
  type: str
  sample: before-network
steps:
  description:
    - The steps the unit applies at boot, as stored - each O(steps[].params) with every option of
      its module, defaults filled in. Empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  sample:
    - module: netns
      params: {name: data, state: present}
changed_paths:
  description: The files and links written or removed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/multinic-routing/netns-data.json, /etc/systemd/system/multinic-routing-netns-data.service]
daemon_reload:
  description: Whether C(systemctl daemon-reload) was run (in check mode, would be).
  returned: always
  type: bool
  sample: false
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). The files written or removed, of V(state_file),
      V(unit), V(enabled) (the C(.wants) link), V(applier), V(library) and V(state_dir).
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [state_file, unit, enabled]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils import _common


def main():
    module = AnsibleModule(**_boot_unit.SPEC.module_kwargs())
    _common.run_module(module, _boot_unit.run)


if __name__ == '__main__':
    main()
