#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route
short_description: Manage one IPv4 or IPv6 route over netlink
version_added: 0.1.0
description:
  - Ensures one route is present or absent in a routing table, in the host's namespace or in a
    named network namespace, using pyroute2 (netlink) rather than C(ip).
  - A route's identity is the kernel's - address family, table, destination, metric and TOS. A
    route with that identity whose gateway, device, preferred source, scope, type, MTU, onlink
    flag or next hops differ is replaced in place (never duplicated).
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES
options:
  dest:
    description:
      - Destination as a CIDR prefix (C(10.240.128.0/24), C(2001:db8::/64)), a single address
        (a host route) or C(default).
      - A prefix with host bits set (C(10.240.128.5/24)) is refused with the network it would
        be, rather than silently changed.
    type: str
    required: true
  gateway:
    description: Next-hop address (C(via)). Same family as O(dest).
    type: str
  dev:
    description: Outgoing interface. It must exist in the namespace acted in.
    type: str
  src:
    description: Preferred source address for traffic that follows this route (C(src)).
    type: str
  table:
    description:
      - Routing table by number (1..4294967295) or by a name the host knows (C(main), C(local),
        C(default), names in C(/etc/iproute2/rt_tables) and C(rt_tables.d/*.conf);
        M(multinic.routing.rt_table) adds names).
    type: str
    default: main
  metric:
    description:
      - Route metric (priority). Part of the route's identity.
      - Defaults to 0 for IPv4 and 1024 for IPv6 (the kernel stores an IPv6 metric of 0 as 1024).
    type: int
  tos:
    description: Type-of-service key of the route. Part of the route's identity.
    type: int
    default: 0
  scope:
    description:
      - Route scope. When not given, what C(ip route add) picks - C(link) for a unicast route with
        a device and no gateway, C(global) otherwise.
    type: str
    choices: [global, site, link, host, nowhere]
  proto:
    description:
      - Routing protocol id (0..255) or name from C(/etc/iproute2/rt_protos).
      - When not given, new routes get protocol 241, C(multinic) - the collection's own id, so its
        routes can be told apart (C(ip route show proto 241)) - and the protocol of an existing
        route is not compared. When given, it is compared and set.
    type: str
  type:
    description: Route type. Only C(unicast) routes have a next hop.
    type: str
    default: unicast
    choices: [unicast, blackhole, unreachable, prohibit, throw]
  onlink:
    description: Pretend the gateway is directly attached even if no subnet of O(dev) holds it.
    type: bool
    default: false
  mtu:
    description: Path MTU for the route (C(mtu) metric).
    type: int
  nexthops:
    description:
      - Multipath next hops (ECMP); excludes O(gateway) and O(dev). At least two.
    type: list
    elements: dict
    suboptions:
      gateway:
        description: Next-hop address.
        type: str
      dev:
        description: Outgoing interface of this hop.
        type: str
      weight:
        description: Relative weight, 1..256.
        type: int
        default: 1
      onlink:
        description: Treat this hop's gateway as directly attached.
        type: bool
        default: false
  family:
    description:
      - Address family, only needed for O(dest=default) when no gateway, source or next hop
        tells it. Defaults to IPv4 then.
    type: str
    choices: [ipv4, ipv6]
  state:
    description:
      - V(present) creates the route or replaces the one with the same identity.
      - V(absent) deletes the route with that identity (family, table, dest, metric, tos); the
        other options are then ignored.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: multinic.routing.rule
  - module: multinic.routing.rt_table
  - module: multinic.routing.route_lookup
'''

EXAMPLES = r'''
- name: Reach zone 2's data subnet through the data NIC (custom routes strategy)
  multinic.routing.route:
    dest: 10.240.128.0/24
    gateway: 10.240.64.1
    dev: ens4

- name: Link route and default route of the data table (source routing strategy)
  multinic.routing.route:
    dest: "{{ item.dest }}"
    gateway: "{{ item.gateway | default(omit) }}"
    dev: ens4
    src: 10.240.64.4
    table: data
  loop:
    - dest: 10.240.64.0/24
    - dest: default
      gateway: 10.240.64.1

- name: Default route inside the data namespace
  multinic.routing.route:
    dest: default
    gateway: 10.240.64.1
    dev: ens4
    netns: data

- name: Spread traffic over two gateways, twice as much to the first
  multinic.routing.route:
    dest: 192.0.2.0/24
    nexthops:
      - gateway: 10.240.64.1
        dev: ens4
        weight: 2
      - gateway: 10.240.0.1
        dev: ens3

- name: Never send anything to a documentation prefix
  multinic.routing.route:
    dest: 198.51.100.0/24
    type: blackhole
    table: 100

- name: Remove the route again
  multinic.routing.route:
    dest: 10.240.128.0/24
    state: absent
'''

RETURN = r'''
route:
  description:
    - The route as the kernel holds it after the run (read back over netlink), or null when
      absent. In check mode, the route that would be written.
  returned: always
  type: dict
  contains:
    family: {description: 4 or 6., type: int}
    table: {description: Table number., type: int}
    dest: {description: Destination prefix or C(default)., type: str}
    metric: {description: Metric., type: int}
    tos: {description: TOS key., type: int}
    type: {description: Route type., type: str}
    proto: {description: Protocol id., type: int}
    scope: {description: Scope name., type: str}
    gateway: {description: Next-hop address or null., type: str}
    dev: {description: Outgoing interface or null., type: str}
    src: {description: Preferred source or null., type: str}
    onlink: {description: Onlink flag., type: bool}
    mtu: {description: Route MTU or null., type: int}
    nexthops:
      description: Multipath hops, each with C(gateway), C(dev), C(weight) and C(onlink); null for a single next hop.
      type: list
      elements: dict
  sample:
    family: 4
    table: 254
    dest: 10.240.128.0/24
    metric: 0
    tos: 0
    type: unicast
    proto: 241
    scope: global
    gateway: 10.240.64.1
    dev: ens4
    src: null
    onlink: false
    mtu: null
    nexthops: null
differences:
  description: Attributes that differed from the kernel's route (C(absent) when there was none).
  returned: when changed and O(state=present)
  type: list
  elements: str
  sample: [gateway]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _route


def main():
    module = AnsibleModule(**_route.MODULE_KWARGS)
    _common.run_module(module, _route.run)


if __name__ == '__main__':
    main()
