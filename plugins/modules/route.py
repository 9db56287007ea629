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
  - A route's identity is the kernel's - address family, table, destination, metric and TOS.
    There is at most one route per identity; it is replaced in place, never duplicated.
  - Only what the task gives is compared with the kernel's route with that identity - O(gateway),
    O(dev), O(src), O(scope), O(mtu), O(onlink), O(nexthops), O(proto) when given, and always
    O(type). An attribute the task does not give is not compared - the C(src) of the kernel's
    connected route, the C(pref) or C(expires) of a route a network manager or router
    advertisement made, the device the kernel derived from the gateway - so such a route is
    reported unchanged and left as it is. Values are compared the way the kernel means them -
    C(default) and C(0.0.0.0/0), table C(main) and C(254), compressed or expanded IPv6 addresses
    are the same.
  - When something given differs, the route is written from the task's options alone (what the
    task does not give is not carried over from the route it replaces).
  - B(Routes of other owners.) Every route records who made it, its protocol - C(kernel) for
    connected routes, C(dhcp), C(ra), C(boot), C(static), a routing daemon's id, or 241
    (C(multinic)) for this collection's. A route with the same identity that belongs to another
    owner (its protocol is neither 241 nor the O(proto) given) and differs in what the task
    gives is B(not) replaced - the task fails naming the route's protocol and each difference -
    unless O(force=true). A replaced or deleted route's protocol is returned as
    RV(previous_proto). A route of another owner that agrees with the task is reported unchanged
    and is not taken over (its protocol stays).
  - With O(state=absent), only a route of this collection (protocol 241) or of the O(proto)
    given is deleted; a route of another owner with that identity is kept, with a warning,
    unless O(force=true).
  - Check mode and diff mode report the route as the kernel will show it after the run - the
    device it derives from the gateway, C(dev lo) on IPv6 routes without a next hop, scope
    C(global) on IPv6 routes - so the check-mode RV(route) and diff equal those of the real run.
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
    description:
      - Type-of-service key of an IPv4 route, 0..255. Part of the route's identity.
      - IPv6 routes have none (the kernel ignores or refuses it); a non-zero O(tos) on an IPv6
        route is refused.
    type: int
    default: 0
  scope:
    description:
      - Route scope of an IPv4 route. Compared only when given. When not given, a new route gets
        what C(ip route add) picks - C(link) for a unicast route with a device and no gateway,
        C(global) otherwise.
      - The kernel keeps no scope for IPv6 routes (they all read C(global)); any other value is
        refused for an IPv6 route.
    type: str
    choices: [global, site, link, host, nowhere]
  proto:
    description:
      - Routing protocol id (0..255) or name from C(/etc/iproute2/rt_protos).
      - When not given, new routes get protocol 241, C(multinic) - the collection's own id, so its
        routes can be told apart (C(ip route show proto 241)) - and the protocol of an existing
        route is not compared. When given, it is compared and set.
      - The routes this task may replace or delete without O(force) are those of protocol 241 and
        of the protocol given here.
    type: str
  type:
    description:
      - Route type. Only C(unicast) routes have a next hop. Always compared (V(unicast) when not
        given).
    type: str
    default: unicast
    choices: [unicast, blackhole, unreachable, prohibit, throw]
  onlink:
    description:
      - Pretend the gateway is directly attached even if no subnet of O(dev) holds it.
      - Compared only when given (V(false) then means the route must not have the flag). When
        not given, a route that is written gets no onlink flag.
    type: bool
  mtu:
    description: Path MTU for the route (C(mtu) metric). Compared only when given.
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
  force:
    description:
      - Replace (O(state=present)) or delete (O(state=absent)) a route with this identity even
        when it belongs to another owner - a protocol other than 241 and the O(proto) given, such
        as the kernel's connected route or a DHCP route. RV(previous_proto) reports whose it was.
      - Without it such a route is never replaced (the task fails, naming the owner and the
        differences) and never deleted (it is kept with a warning).
    type: bool
    default: false
  state:
    description:
      - V(present) creates the route, or replaces the one with the same identity when it differs
        in what the task gives (see O(force) for routes of other owners).
      - V(absent) deletes the route with that identity (family, table, dest, metric, tos) when it
        is this collection's (protocol 241) or has the O(proto) given - any owner's with
        O(force=true). The options besides the identity, O(proto), O(force) and O(netns) are
        then ignored.
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

- name: Remove the route again (only if it is this collection's, protocol 241)
  multinic.routing.route:
    dest: 10.240.128.0/24
    state: absent

- name: Give the data NIC's connected route an MTU, taking it over from the kernel
  multinic.routing.route:
    dest: 10.240.64.0/24
    dev: ens4
    src: 10.240.64.4
    mtu: 1400
    force: true
  register: taken_over  # taken_over.previous_proto is 2 (kernel) if it was the kernel's
'''

RETURN = r'''
route:
  description:
    - The route as the kernel holds it after the run (read back over netlink), or null when
      absent (with O(state=absent), a route of another owner that was kept). In check mode,
      the route as the kernel will report it after a real run.
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
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the route did not exist and is created,
      V(present) when it existed and is removed; otherwise the attributes that differ, of
      V(type), V(gateway), V(dev), V(src), V(scope), V(mtu), V(onlink), V(nexthops) and V(proto)
      (only those the task gives are compared).
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [gateway]
previous_proto:
  description:
    - Protocol id of the route that was replaced or deleted (in check mode, that would be) -
      241 for this collection's own, another number when O(force=true) took over or removed a
      route of another owner (2 C(kernel), 16 C(dhcp), ...).
  returned: when an existing route was replaced or deleted
  type: int
  sample: 2
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _route


def main():
    module = AnsibleModule(**_route.SPEC.module_kwargs())
    _common.run_module(module, _route.run)


if __name__ == '__main__':
    main()
