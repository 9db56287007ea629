#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route_lookup
short_description: Ask the kernel which way a packet would go (ip route get)
version_added: 0.1.0
description:
  - Asks the kernel, over netlink (C(RTM_GETROUTE), what C(ip route get) does), which route a
    packet to O(dst) would take, and returns the outgoing interface, gateway, preferred source
    address and routing table at the top level of the result.
  - The kernel evaluates the policy routing rules, so a lookup with O(src) (or O(fwmark),
    O(iif), O(oif)) shows what source routing does with such a packet.
  - Many lookups at once - O(probes) - run in one netlink session, one module run, and return
    one entry per probe in RV(results), in the order given.
  - Never changes anything.
  - A destination the kernel has no usable route for (no route, or an C(unreachable),
    C(prohibit) or C(blackhole) route or rule) fails with a message saying which. With
    O(probes), such a probe does not fail the task - its entry has C(failed=true) and C(msg)
    saying which - and the other probes are still looked up.
  - Invalid input fails before any lookup is made, naming the option and value (for a probe,
    its index too, for example C(probes[3].dst='10.0.0.0/24' is not a valid IP address)); an
    O(iif) or O(oif) that names no interface there is such an error too.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES_READ_ONLY
options:
  dst:
    description:
      - Destination address (IPv4 or IPv6, no prefix length).
      - Exactly one of O(dst) and O(probes) is required.
    type: str
  src:
    description:
      - Source address of the packet (C(from)). Same address family as O(dst).
      - Without O(iif), the packet is one this host sends, and O(src) should be one of its own
        addresses - for instance to check that replies from an address leave through the NIC
        that owns it.
      - Required with O(iif).
    type: str
  iif:
    description:
      - Look up a packet that arrives on this interface and is forwarded, rather than one this
        host sends. Needs O(src); the forwarding sysctl of the interface must be on, or the
        kernel answers unreachable.
    type: str
  oif:
    description: Output interface the packet is bound to (like a socket bound with C(SO_BINDTODEVICE)).
    type: str
  fwmark:
    description: Firewall mark of the packet, decimal or C(0x) hex (for C(fwmark) rules).
    type: str
  probes:
    description:
      - Several lookups in one call, each with the options of a single lookup; they run in
        order in one netlink session (in O(netns) when given) and RV(results) has one entry per
        probe.
      - Mutually exclusive with O(dst), O(src), O(iif), O(oif) and O(fwmark) - each probe
        carries its own.
      - An empty list makes no lookup and returns an empty RV(results).
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      dst:
        description: Destination address (IPv4 or IPv6, no prefix length).
        type: str
        required: true
      src:
        description: Source address of the packet, as O(src). Required with O(probes[].iif).
        type: str
      iif:
        description: Input interface of a forwarded packet, as O(iif).
        type: str
      oif:
        description: Output interface the packet is bound to, as O(oif).
        type: str
      fwmark:
        description: Firewall mark of the packet, decimal or C(0x) hex, as O(fwmark).
        type: str
notes:
  - This is a route lookup, not a probe; no packet is sent.
seealso:
  - module: multinic.routing.routing_facts
  - module: multinic.routing.rule
  - module: multinic.routing.route
'''

EXAMPLES = r'''
- name: Which way does a reply from the data address to a peer go?
  multinic.routing.route_lookup:
    dst: 10.240.128.4
    src: 10.240.64.4
  register: reply_path

- name: It must leave through the data NIC
  ansible.builtin.assert:
    that: reply_path.dev == 'ens4'
    fail_msg: "replies from 10.240.64.4 leave through {{ reply_path.dev }} (table {{ reply_path.table_name | default(reply_path.table, true) }})"

- name: Default path to a peer, without choosing the source
  multinic.routing.route_lookup:
    dst: 10.240.128.4
  register: default_path

- name: Inside the data namespace
  multinic.routing.route_lookup:
    dst: 10.240.128.4
    netns: data

- name: A packet marked 0x10 by the firewall
  multinic.routing.route_lookup:
    dst: 192.0.2.10
    fwmark: "0x10"

- name: A packet arriving on ens4 from a peer, to be forwarded
  multinic.routing.route_lookup:
    dst: 192.0.2.10
    src: 10.240.128.4
    iif: ens4

- name: Replies from the data address to every peer, in one call
  multinic.routing.route_lookup:
    probes:
      - dst: 10.240.128.4
        src: 10.240.64.4
      - dst: 10.240.192.4
        src: 10.240.64.4
      - dst: 192.0.2.10
        fwmark: "0x10"
  register: paths

- name: Every probe must have a route, and replies must leave through the data NIC
  ansible.builtin.assert:
    that:
      - paths.results | selectattr('failed') | length == 0
      - paths.results[:2] | map(attribute='dev') | unique == ['ens4']
    fail_msg: "{{ paths.results | selectattr('failed') | map(attribute='msg') }}"
'''

RETURN = r'''
dev:
  description: Interface the packet would leave through (C(lo) for a local destination).
  returned: success, without O(probes)
  type: str
  sample: ens4
gateway:
  description: Next-hop address, or null when the destination is directly connected.
  returned: success, without O(probes)
  type: str
  sample: 10.240.64.1
prefsrc:
  description:
    - Source address the packet would carry - the kernel's choice when O(src) is not given,
      else O(src).
  returned: success, without O(probes)
  type: str
  sample: 10.240.64.4
table:
  description:
    - Number of the routing table the route was found in (after the policy rules).
    - For a local destination the kernel says C(main) (254) rather than C(local) (255) as long as
      no policy rule was ever added, because it then merges the local table into main;
      C(ip route get) shows the same.
  returned: success, without O(probes)
  type: int
  sample: 201
table_name:
  description: Name of that table where the host knows one (C(main), C(local), names from C(rt_tables)), else null.
  returned: success, without O(probes)
  type: str
  sample: data
type:
  description: Route type - C(unicast), C(local) (the destination is this host), C(broadcast), C(multicast)...
  returned: success, without O(probes)
  type: str
  sample: unicast
route:
  description:
    - The kernel's whole answer. C(src) in it is the preferred source the kernel reports (null
      when it keeps O(src)); C(iif) is the input interface of an O(iif) lookup.
  returned: success, without O(probes)
  type: dict
  contains:
    family:
      description: 4 or 6.
      type: int
    table:
      description: Table number.
      type: int
    table_name:
      description: Table name or null.
      type: str
    dest:
      description: The destination as a host prefix.
      type: str
    metric:
      description: Metric (IPv6).
      type: int
    tos:
      description: TOS.
      type: int
    type:
      description: Route type.
      type: str
    proto:
      description: Protocol id.
      type: int
    scope:
      description: Scope name.
      type: str
    gateway:
      description: Next-hop address or null.
      type: str
    dev:
      description: Outgoing interface.
      type: str
    src:
      description: Preferred source the kernel reports, or null.
      type: str
    onlink:
      description: Onlink flag.
      type: bool
    mtu:
      description: Path MTU or null.
      type: int
    nexthops:
      description: Null (a lookup resolves one next hop).
      type: list
      elements: dict
    iif:
      description: Input interface of an O(iif) lookup, else null.
      type: str
    uid:
      description: UID the lookup was made for, or null.
      type: int
  sample:
    family: 4
    table: 201
    table_name: data
    dest: 10.240.128.4/32
    metric: 0
    tos: 0
    type: unicast
    proto: 0
    scope: global
    gateway: 10.240.64.1
    dev: ens4
    src: null
    onlink: false
    mtu: null
    nexthops: null
    iif: null
    uid: null
results:
  description:
    - With O(probes) - one entry per probe, in the order of O(probes).
    - An entry holds C(probe) (the probe as given, every option present, null when not set) and
      C(failed). A lookup the kernel answered has C(failed=false) and the keys a single lookup
      returns at the top level - C(dev), C(gateway), C(prefsrc), C(table), C(table_name),
      C(type), C(route). A lookup the kernel refused (no route, C(unreachable), C(prohibit),
      C(blackhole)) has C(failed=true) and C(msg) saying why, and only those.
  returned: success, with O(probes)
  type: list
  elements: dict
  sample:
    - probe: {dst: 10.240.128.4, src: 10.240.64.4, iif: null, oif: null, fwmark: null}
      failed: false
      dev: ens4
      gateway: 10.240.64.1
      prefsrc: 10.240.64.4
      table: 201
      table_name: data
      type: unicast
      route: {family: 4, table: 201, table_name: data, dest: 10.240.128.4/32, metric: 0, tos: 0,
              type: unicast, proto: 0, scope: global, gateway: 10.240.64.1, dev: ens4, src: null,
              onlink: false, mtu: null, nexthops: null, iif: null, uid: null}
    - probe: {dst: 192.0.2.10, src: null, iif: null, oif: null, fwmark: null}
      failed: true
      msg: "route lookup dst=192.0.2.10 in the host's namespace failed: no route to 192.0.2.10:
        the tables the policy rules select have no route for it (ENETUNREACH)"
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _lookup


def main():
    module = AnsibleModule(**_lookup.SPEC.module_kwargs())
    _common.run_module(module, _lookup.run, needs_pyroute2=False)


if __name__ == '__main__':
    main()
