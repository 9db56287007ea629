#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: link
short_description: Manage an interface's network namespace, admin state, MTU and addresses
version_added: 0.1.0
description:
  - Ensures a network interface is in a given network namespace, up or down, with a given MTU
    and given addresses, using pyroute2 (netlink) rather than C(ip).
  - The interface is looked for in the namespace it must end up in (O(netns)) first; when it is
    not there it is looked for in O(source_netns) and moved. An interface already in O(netns)
    with the wanted settings is left alone, wherever it came from, so the task is idempotent.
  - The kernel drops every address of an interface when it is moved to another namespace and
    takes it down. Unless O(addresses) is given, the module reads the addresses (IPv4 and
    IPv6 except link-local) before the move and adds them back after it, and brings the
    interface back up when it was up - moving a cloud VM's data NIC into a namespace keeps its
    address. The MTU is kept by the kernel.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES
options:
  name:
    description: Interface name (1 to 15 characters), as in the namespace it is in.
    type: str
    required: true
  netns:
    description:
      - Name of the network namespace (as listed by C(ip netns list)) the interface must END UP
        in. When not given, the host's own namespace - the one the module runs in (a
        container's own when run in a container).
      - The namespace must exist; it is never created by this module (M(multinic.routing.netns)
        creates namespaces).
    type: str
  source_netns:
    description:
      - Where to look for the interface when it is not already in O(netns). When not given, the
        host's own namespace.
      - It does not matter when the interface is already in O(netns); a O(source_netns) that
        does not exist is an error only when the interface is not in O(netns) either.
    type: str
  state:
    description:
      - V(up) or V(down) set the administrative state.
      - V(present) only requires the interface to exist; its administrative state is not
        changed, and after a move it is what it was before.
    type: str
    default: present
    choices: [present, up, down]
  mtu:
    description:
      - MTU of the interface, 68..65535 (at least 1280 when O(addresses) has an IPv6 address).
      - When not given, the MTU is not changed (and kept across a move).
    type: int
  addresses:
    description:
      - Interface addresses with their prefix length, such as C(10.240.64.4/24) or
        C(2001:db8::4/64). The interface ends up with exactly these addresses - other IPv4 and
        IPv6 addresses are removed. An empty list removes them all.
      - IPv6 link-local addresses (C(fe80::/10)) are left to the kernel - never removed, and
        refused here.
      - When not given, the addresses are not changed (and carried across a move).
      - IPv4 addresses are added with the subnet's broadcast address (like C(ip addr add ...
        brd +)); addresses carried across a move keep the broadcast they had.
      - IPv6 addresses are added without duplicate address detection (like C(ip addr add ...
        nodad)), so they are usable at once - a tentative address can be neither bound to nor
        used as a route's preferred source. Carried addresses were in use on this host a moment
        before; in a cloud VPC addresses are assigned centrally.
    type: list
    elements: str
  networkd_handover:
    description:
      - For an interface coming back to the host's namespace (O(netns) unset, O(source_netns)
        set) on a host where systemd-networkd runs, its addresses are not carried. networkd
        takes the interface up by itself, as at boot (its DHCP lease, its route metric), and the
        module waits until it is done - at most 30 s for networkd to take the interface, and 30 s
        more while it is configuring it.
      - Where networkd leaves the interface unmanaged (no C(.network) file matches it) or fails
        to configure it, or does not run in this namespace, the addresses are carried as
        without this option (a warning says when networkd did not answer in time).
      - Carried addresses are foreign to networkd - it keeps their prefix route's metric - and a
        C(networkctl reconfigure) to start clean can, on systemd 252, land while the DHCP
        address is being configured and leave the interface without it for good. Handing the
        interface over without addresses avoids both.
      - Cannot be given with O(addresses) or O(netns). It matters only when the interface moves.
    type: bool
    default: false
notes:
  - Moving an interface to another namespace drops every route through it, the host's
    default route included when it went through that interface; nothing re-adds them. Add the
    routes the namespace needs with M(multinic.routing.route) and its
    O(multinic.routing.route#module:netns) option (the C(netns_isolation) and C(data_plane) roles
    do).
  - When a step after the move fails (for example IPv6 is disabled in the target namespace),
    the error names the admin state and addresses the interface had, since a rerun can no
    longer read them.
  - Addresses re-added after a move are permanent; DHCP lease lifetimes are not carried over
    (the host's DHCP client no longer sees the interface once it is in another namespace).
    IPv4 address labels (aliases such as C(ens4:1)) are not carried over.
  - Taking an interface down makes the kernel drop its IPv6 addresses (unless
    C(net.ipv6.conf.IFACE.keep_addr_on_down=1)). The module lowers the state before it writes
    addresses, so O(state=down) together with O(addresses) leaves them in place.
  - Some interfaces cannot change namespace (C(lo), bridges and other interfaces the kernel
    marks netns-local); the kernel's refusal is reported.
  - When a namespace is deleted the kernel destroys the virtual interfaces in it (a veth
    loses both ends) and gives physical ones back to the machine's initial namespace; move an
    interface back with this module (O(netns) unset, O(source_netns) set) before deleting its
    namespace with M(multinic.routing.netns).
seealso:
  - module: multinic.routing.netns
  - module: multinic.routing.route
  - module: multinic.routing.routing_facts
'''

EXAMPLES = r'''
- name: Move the data NIC into namespace data, keeping its addresses, MTU and up state
  multinic.routing.link:
    name: ens4
    netns: data

- name: Same, and make sure it is up with exactly this address
  multinic.routing.link:
    name: ens4
    netns: data
    state: up
    addresses:
      - 10.240.64.4/24

- name: Bring the loopback of namespace data up
  multinic.routing.link:
    name: lo
    netns: data
    state: up

- name: Move the data NIC back to the host (undo); idempotent once it is there
  multinic.routing.link:
    name: ens4
    source_netns: data

- name: Same on a systemd-networkd host - networkd configures it again from scratch (DHCP)
  multinic.routing.link:
    name: ens4
    source_netns: data
    networkd_handover: true

- name: Jumbo frames and a dual-stack address on a host interface
  multinic.routing.link:
    name: ens5
    state: up
    mtu: 9000
    addresses:
      - 192.0.2.10/24
      - 2001:db8:5::10/64
'''

RETURN = r'''
link:
  description:
    - The interface as the kernel holds it after the run (read back over netlink). In check
      mode, what it would be.
  returned: success
  type: dict
  contains:
    name: {description: Interface name., type: str}
    netns: {description: Namespace it is in; null for the host's own., type: str}
    state:
      description: Administrative state - C(up) or C(down).
      type: str
    mtu: {description: MTU., type: int}
    addresses:
      description: IPv4 and IPv6 addresses with prefix length, IPv6 link-local ones left out, sorted.
      type: list
      elements: str
  sample:
    name: ens4
    netns: data
    state: up
    mtu: 1500
    addresses: [10.240.64.4/24]
networkd:
  description:
    - With O(networkd_handover), when the interface came back - systemd-networkd's state of it
      when the module returned (C(configured), C(unmanaged), C(failed), C(configuring) when it
      was still at it, C(none) when networkd had no word of it).
  returned: when the interface was handed over to systemd-networkd
  type: str
  sample: configured
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). The settings that differ, of V(netns) (the interface
      is moved), V(state), V(mtu) and V(addresses).
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [netns]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _link


def main():
    module = AnsibleModule(**_link.SPEC.module_kwargs())
    _common.run_module(module, _link.run)


if __name__ == '__main__':
    main()
