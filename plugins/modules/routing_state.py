#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: routing_state
short_description: Many routes and policy rules of a host or namespace in one netlink session
version_added: 0.1.0
description:
  - Ensures a whole set of routes (O(routes)) and policy-routing rules (O(rules)) in the host's
    namespace or in a named network namespace in one module run and one netlink session - what a
    loop of M(multinic.routing.route) and M(multinic.routing.rule) tasks does, in one task.
  - Each entry of O(routes) takes the options of M(multinic.routing.route), each entry of
    O(rules) those of M(multinic.routing.rule) (without C(netns), which is the task's), and is
    validated, compared and applied by the same code, so it behaves exactly as that module with
    the same options - identity, what is compared, C(state=absent), and routes of other owners,
    which are refused unless the entry sets C(force=true).
  - Every entry is validated, then every entry is compared with the kernel, before anything is
    written - a bad entry or a refused route anywhere in the lists fails the task with nothing
    changed, naming the entry (C(routes[2].gateway=...)).
  - The kernel is read once before any change - one route dump per address family and table the
    entries name (the kernel filters it by table; a table only purge works in is also filtered
    by protocol), one rule dump per address family - and once more after the changes, for the
    returned state (not when nothing changes, nor in check mode). Later entries are compared
    with the state the earlier ones leave; the same route twice in O(routes), or the same rule
    twice with C(state=present) in O(rules), is refused.
  - Changes are written in this order - rules deleted, routes deleted, routes written, rules
    added - so a rule never points at a table whose routes are half gone.
  - B(What purge can delete.) With O(purge=true), and only then, the task also deletes - every
    route of protocol O(proto) (241, C(multinic), when not given) in the tables of
    O(purge_tables), IPv4 and IPv6, that no entry of O(routes) names with C(state=present);
    every rule of protocol O(proto) whose action is C(lookup) of one of the O(purge_tables) and
    that no entry of O(rules) names with C(state=present). Nothing else - no route or rule of
    another protocol (the kernel's, DHCP's, C(ip route add)'s, a network manager's), no route in
    another table, no rule looking up another table, no kernel default rule. Protocols 0
    (C(unspec)) and 2 (C(kernel)) are refused with O(purge=true).
  - B(The management-path guard.) With O(guard=true), before anything is written, the task
    asks the kernel how a packet from the address the controller's connection arrives on goes
    back to the controller (O(guard_local) to O(guard_peer), by default both read from
    C(SSH_CONNECTION)); after the writes it asks again. When the outgoing device or the source
    address changed, every write of the task is undone at once (rules added deleted, routes put
    back as they were, routes and rules deleted written again) and the task fails naming the
    entry that moved the path. RV(guard) says whether the guard was on, and why not.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES
  - multinic.routing.guard
options:
  routes:
    description:
      - The routes, each with the options of M(multinic.routing.route) (same defaults, choices,
        validation and meaning) except C(netns).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Destination prefix, a single address (host route) or C(default).
        type: str
        required: true
      gateway:
        description: Next-hop address.
        type: str
      dev:
        description: Outgoing interface; it must exist in the namespace acted in.
        type: str
      src:
        description: Preferred source address.
        type: str
      table:
        description: Table number (1..4294967295) or a name the host knows.
        type: str
        default: main
      metric:
        description: Route metric, part of the identity (IPv6 0 reads 1024).
        type: int
      tos:
        description: TOS key of an IPv4 route, part of the identity.
        type: int
        default: 0
      scope:
        description: Scope of an IPv4 route; compared only when given.
        type: str
        choices: [global, site, link, host, nowhere]
      proto:
        description:
          - Route protocol (number or C(rt_protos) name). When not given, the task's O(proto)
            (241, C(multinic), when that is not given either).
        type: str
      type:
        description: Route type, always compared.
        type: str
        default: unicast
        choices: [unicast, blackhole, unreachable, prohibit, throw]
      onlink:
        description: The gateway is on the link even if no prefix says so.
        type: bool
      mtu:
        description: Route MTU; compared only when given.
        type: int
      nexthops:
        description: Multipath next hops (at least two); excludes C(gateway) and C(dev).
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
        description: Address family, for C(dest=default) with nothing else telling it.
        type: str
        choices: [ipv4, ipv6]
      force:
        description: Replace or delete a route with this identity even when another owner's.
        type: bool
        default: false
      state:
        description: Whether the route must exist.
        type: str
        default: present
        choices: [present, absent]
  rules:
    description:
      - The policy rules, each with the options of M(multinic.routing.rule) (same defaults,
        choices, validation and meaning) except C(netns).
    type: list
    elements: dict
    default: []
    suboptions:
      priority:
        description: Rule priority; required with C(state=present).
        type: int
      from:
        description: Source prefix selector (V(all) for none).
        type: str
      to:
        description: Destination prefix selector.
        type: str
      iif:
        description: Incoming interface selector.
        type: str
      oif:
        description: Outgoing interface selector.
        type: str
      fwmark:
        description: Firewall mark selector, decimal or C(0x) hex.
        type: str
      fwmask:
        description: Mask of C(fwmark).
        type: str
      ipproto:
        description: IP protocol selector, number or name.
        type: str
      sport:
        description: Source port or range (C(1000-2000)).
        type: str
      dport:
        description: Destination port or range.
        type: str
      uidrange:
        description: User id range (C(1000-1999)).
        type: str
      tos:
        description: TOS selector.
        type: int
      table:
        description: Table to look up, number or name (C(main) when not given and the action is C(lookup)).
        type: str
      action:
        description: What the rule does (C(lookup) when not given).
        type: str
        choices: [lookup, blackhole, unreachable, prohibit, goto, nop]
      goto:
        description: Priority to jump to, with C(action=goto).
        type: int
      suppress_prefixlength:
        description: Ignore lookup results with a prefix this long or shorter.
        type: int
      invert:
        description: Match what the selectors do not.
        type: bool
      family:
        description: Address family, when no prefix tells it.
        type: str
        choices: [ipv4, ipv6]
      proto:
        description:
          - Rule protocol (number or name); not part of the identity. When not given, the
            task's O(proto) (241 when that is not given either); with C(state=absent) it narrows
            what is deleted to rules of that protocol.
        type: str
      state:
        description: Whether the rule must exist.
        type: str
        default: present
        choices: [present, absent]
  proto:
    description:
      - The protocol this task owns (number or C(rt_protos) name), 241 (C(multinic)) when not
        given. Entries without their own C(proto) use it, and O(purge) deletes only routes and
        rules of this protocol.
    type: str
  purge:
    description:
      - Also delete the routes and rules of protocol O(proto) in the scope of O(purge_tables)
        that no entry asks for (see the description for exactly what).
    type: bool
    default: false
  purge_tables:
    description:
      - The tables purge works in, by number or name. Required with O(purge=true). Routes of
        O(proto) in these tables and rules of O(proto) looking them up are in the scope of purge.
    type: list
    elements: str
seealso:
  - module: multinic.routing.route
  - module: multinic.routing.rule
  - module: multinic.routing.rt_table
'''

EXAMPLES = r'''
- name: Source routing table of the data NIC, in one task
  multinic.routing.routing_state:
    routes:
      - dest: 10.240.64.0/24
        dev: ens4
        scope: link
        src: 10.240.64.4
        table: 201
      - dest: default
        gateway: 10.240.64.1
        dev: ens4
        table: 201
    rules:
      - priority: 1000
        from: 10.240.64.4
        table: 201

- name: Custom routes - exactly these routes of the collection in table main, stale ones deleted
  multinic.routing.routing_state:
    routes:
      - dest: 10.240.128.0/24
        gateway: 10.240.64.1
        dev: ens4
      - dest: 10.240.192.0/24
        gateway: 10.240.64.1
        dev: ens4
    purge: true
    purge_tables: [main]

- name: Take a table down - the collection's routes in it and its rules looking it up
  multinic.routing.routing_state:
    purge: true
    purge_tables: [201]

- name: A change that must not cut the SSH session it runs over (undone and failed if it does)
  multinic.routing.routing_state:
    routes:
      - dest: 10.240.128.0/24
        gateway: 10.240.64.1
        dev: ens4
    guard: true

- name: Default route inside the data namespace
  multinic.routing.routing_state:
    netns: data
    routes:
      - dest: default
        gateway: 10.240.64.1
        dev: ens4
'''

RETURN = r'''
routes:
  description:
    - The route of each entry of O(routes) after the run, in order, as the kernel reports it (in
      check mode, as it will), the same shape as RV(multinic.routing.route#module:route); null for
      an entry whose route does not exist.
  returned: success
  type: list
  elements: dict
  sample:
    - {family: 4, table: 254, dest: 10.240.128.0/24, metric: 0, tos: 0, type: unicast, proto: 241,
       scope: global, gateway: 10.240.64.1, dev: ens4, src: null, onlink: false, mtu: null,
       nexthops: null}
rules:
  description:
    - The rule of each entry of O(rules) after the run, in order, as the kernel reports it (in
      check mode, as it will), the same shape as RV(multinic.routing.rule#module:rule); null for
      an entry with C(state=absent).
  returned: success
  type: list
  elements: dict
  sample:
    - {family: 4, priority: 1000, from: 10.240.64.4/32, to: null, iif: null, oif: null,
       fwmark: null, fwmask: null, ipproto: null, sport: null, dport: null, uidrange: null,
       tos: 0, action: lookup, table: 201, goto: null, suppress_prefixlength: null,
       invert: false, proto: 241}
added:
  description: The routes and rules created (they did not exist), as after the run.
  returned: success
  type: dict
  contains:
    routes:
      description: Routes created.
      type: list
      elements: dict
    rules:
      description: Rules added.
      type: list
      elements: dict
  sample: {routes: [], rules: []}
replaced:
  description:
    - Routes that existed with the entry's identity and were rewritten - the entry's index in
      O(routes), the protocol of the route replaced and the route after.
  returned: success
  type: list
  elements: dict
  sample: [{index: 0, previous_proto: 241, route: {}}]
removed:
  description:
    - The routes and rules deleted (in check mode, that would be) - by entries with
      C(state=absent) and by O(purge) - as they were before.
  returned: success
  type: dict
  contains:
    routes:
      description: Routes deleted.
      type: list
      elements: dict
    rules:
      description: Rules deleted.
      type: list
      elements: dict
  sample: {routes: [], rules: []}
differences:
  description:
    - What differed from the task, in the order found (the shape every changing module of this
      collection returns) - each entry's differences as M(multinic.routing.route) or
      M(multinic.routing.rule) names them, prefixed with the entry (V(routes[0].absent),
      V(routes[2].gateway), V(rules[1].present)), and one item per route or rule purge deletes
      (V(purge - route 10.9.0.0/24 ...), V(purge - rule ...)).
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: ['routes[0].absent', 'rules[0].absent']
guard:
  description: The management-path guard (O(guard)).
  returned: success
  type: dict
  contains:
    active:
      description: Whether the path was checked around the writes.
      type: bool
    reason:
      description: Why the guard is off (null when it is on).
      type: str
    peer:
      description: The controller's address.
      type: str
    local:
      description: The host's address the connection arrives on.
      type: str
    source:
      description: Where the two addresses came from (the options, or whose C(SSH_CONNECTION)).
      type: str
    path:
      description: The kernel's way from O(guard_local) to O(guard_peer) before the change - dev, gateway, prefsrc, table.
      type: dict
  sample: {active: true, reason: null, peer: 10.240.0.254, local: 10.240.0.4,
           source: SSH_CONNECTION of the module process,
           path: {dev: ens3, gateway: null, prefsrc: 10.240.0.4, table: 254}}
diff:
  description: In diff mode, the routes and rules the task is about, before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {routes: [], rules: []}, after: {routes: [], rules: []}}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _routing_state


def main():
    module = AnsibleModule(**_routing_state.SPEC.module_kwargs())
    _common.run_module(module, _routing_state.run)


if __name__ == '__main__':
    main()
