#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rule
short_description: Manage one IPv4 or IPv6 policy-routing rule over netlink
version_added: 0.1.0
description:
  - Ensures one policy-routing rule (C(ip rule)) is present or absent, in the host's namespace or
    in a named network namespace, using pyroute2 (netlink) rather than C(ip).
  - A rule's identity is its priority plus every selector (O(from), O(to), O(iif), O(oif),
    O(fwmark)/O(fwmask), O(ipproto), O(sport), O(dport), O(uidrange), O(tos), O(invert)) and
    its action (with O(table) for C(lookup), O(goto) for C(goto), and
    O(suppress_prefixlength)). A rule is present when a rule with exactly that identity
    exists; otherwise it is added. It is never added twice.
  - The kernel allows several rules with one priority. A rule at the same priority with other
    selectors is left alone; remove it with O(state=absent).
  - New rules carry protocol 241 (C(multinic)) unless O(proto) says otherwise, so C(ip rule)
    shows which rules the collection made. The protocol is not part of the identity.
  - B(Rules of other owners.) A rule has nothing but its identity to compare, so O(state=present)
    never changes an existing rule - it is either there with exactly that identity (unchanged,
    whoever made it; its protocol stays and it is not taken over) or it is added beside the
    others. O(state=absent) deletes every rule that agrees with the options given, whatever its
    protocol (C(unspec) from C(ip rule add), which sets none, C(static) or another id from a
    network manager, 241 from this collection) - a rule's protocol says too little about its
    owner to go by - except the kernel's own default rules, see O(state). Give O(proto) to
    delete only the rules of one protocol (V(multinic) for the collection's own only).
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES
options:
  priority:
    description:
      - Rule priority (C(ip rule ... priority)), 0..4294967295. Lower numbers are evaluated first.
      - Required with O(state=present).
      - With O(state=absent) it is optional; see O(state).
    type: int
  from:
    description:
      - Source prefix selector, as a CIDR prefix (C(10.240.64.0/24)) or a single address (a host
        prefix, C(10.240.64.4)). V(all) (or a C(/0) prefix) means no source selector.
      - A prefix with host bits set (C(10.240.64.4/24)) is refused with the network it would be.
    type: str
  to:
    description: Destination prefix selector, written like O(from).
    type: str
  iif:
    description:
      - Incoming interface selector. The interface does not need to exist yet; the rule
        applies once it does. C(lo) selects locally generated traffic.
    type: str
  oif:
    description: Outgoing interface selector (for sockets bound to a device).
    type: str
  fwmark:
    description:
      - Firewall mark selector, decimal or C(0x) hex, 0..4294967295.
      - Without O(fwmask) every bit is compared (the kernel stores the mask C(0xffffffff)).
        C(fwmark=0) without a mask selects nothing and is dropped by the kernel.
    type: str
  fwmask:
    description: Mask applied to the firewall mark before comparing, decimal or C(0x) hex. Needs O(fwmark).
    type: str
  ipproto:
    description:
      - IP protocol selector, a number 0..255 or a name (C(tcp), C(udp), C(icmp), C(icmpv6),
        C(sctp), ... or any name in C(/etc/protocols)). 0 means any protocol (no selector).
    type: str
  sport:
    description:
      - Source port selector, C(N) or a range C(N-M). The kernel accepts ports 1..65534; a
        reversed range is refused.
    type: str
  dport:
    description: Destination port selector, written like O(sport).
    type: str
  uidrange:
    description:
      - Selector on the user id of the socket that sends, C(N-M) (or C(N)), 0..4294967294.
    type: str
  tos:
    description:
      - Type of service (IPv4) or traffic class (IPv6) selector, 0..255 with the two ECN bits
        clear. Older kernels accept only the IPv4 TOS bits (C(0x1e)) and refuse the rest.
    type: int
  table:
    description:
      - Table looked up by a C(lookup) rule, by number (1..4294967295) or by a name the host knows
        (C(main), C(local), C(default), names in C(/etc/iproute2/rt_tables) and
        C(rt_tables.d/*.conf); M(multinic.routing.rt_table) adds names).
      - When not given, C(main) for O(action=lookup) with O(state=present). Only valid with
        O(action=lookup).
    type: str
  action:
    description:
      - What the rule does with a packet that matches. V(lookup) looks up O(table);
        V(blackhole), V(unreachable) and V(prohibit) drop the packet (silently, with an
        unreachable or a prohibited error); V(goto) jumps to the rule at priority O(goto);
        V(nop) does nothing.
      - When not given, V(lookup); but with O(state=absent) and without O(table) or
        O(suppress_prefixlength), any action.
    type: str
    choices: [lookup, blackhole, unreachable, prohibit, goto, nop]
  goto:
    description:
      - Priority of the rule to jump to; required with O(action=goto) and only valid with it.
        It must be greater than O(priority) (the kernel only jumps forward).
    type: int
  suppress_prefixlength:
    description:
      - Ignore routes of O(table) whose prefix is this long or shorter (0..128);
        V(0) ignores only default routes. Only valid with O(action=lookup).
    type: int
  invert:
    description:
      - Invert the selectors (C(ip rule add not ...)) - the rule applies to packets that do not
        match.
      - When not given, V(false); with O(state=absent), either.
    type: bool
  family:
    description:
      - Address family of the rule. When not given, the family of O(from) or O(to), else IPv4.
      - Given together with O(from) or O(to) of the other family it is an error.
    type: str
    choices: [ipv4, ipv6]
  proto:
    description:
      - Routing protocol id (0..255) or name from C(/etc/iproute2/rt_protos) (V(multinic) is 241).
      - With O(state=present), the protocol a new rule gets (default 241, C(multinic)); an
        existing rule with the same identity is left as it is, whatever its protocol.
      - With O(state=absent), only rules of this protocol are deleted; a rule another owner made
        (a network manager, an admin's C(ip rule add)) with the same priority and table stays.
        O(proto) alone deletes every rule of that protocol (the kernel's own rules excepted).
    type: str
    version_added: 0.2.0
  state:
    description:
      - V(present) adds the rule unless a rule with the same identity exists.
      - V(absent) deletes every rule (of the family), whatever its protocol, that agrees with
        every option given -
        options not given match anything, like C(ip rule del) does, but every match is deleted,
        not only the first. So O(priority=100) alone deletes every rule at priority 100, and
        O(from) plus O(table) deletes those rules whatever their priority. At least one option
        besides O(family), O(invert) and O(netns) is needed.
      - The kernel's own rules (priority 0 C(lookup local), 32766 C(lookup main), 32767
        C(lookup default), without selectors) are only deleted when both O(priority) and
        O(table) name them; otherwise they are kept with a warning.
      - A rule that the kernel cannot delete on its own, because a rule listed before it at the
        same priority agrees with everything it sets, is refused before anything is deleted.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: multinic.routing.route
  - module: multinic.routing.rt_table
  - module: multinic.routing.route_lookup
'''

EXAMPLES = r'''
- name: Traffic from the data address uses the data table (source routing strategy)
  multinic.routing.rule:
    priority: 100
    from: 10.240.64.4
    table: data

- name: Marked packets use table 300, but not its default route
  multinic.routing.rule:
    priority: 200
    fwmark: "0x10"
    fwmask: "0xff"
    table: 300
    suppress_prefixlength: 0

- name: HTTPS from one user range goes through table 100, IPv6
  multinic.routing.rule:
    priority: 300
    family: ipv6
    ipproto: tcp
    dport: 443
    uidrange: 1000-1999
    table: 100

- name: Drop everything from a documentation prefix arriving on ens4
  multinic.routing.rule:
    priority: 50
    from: 198.51.100.0/24
    iif: ens4
    action: prohibit

- name: Rule inside the data namespace
  multinic.routing.rule:
    priority: 100
    from: 10.240.64.4
    table: 201
    netns: data

- name: Remove every rule that sends the data address to the data table, whatever its priority
  multinic.routing.rule:
    from: 10.240.64.4
    table: data
    state: absent
'''

RETURN = r'''
rule:
  description:
    - With O(state=present), the rule as the kernel holds it after the run (read back over
      netlink); in check mode, the rule that would be added. Null with O(state=absent).
  returned: always
  type: dict
  contains:
    family: {description: 4 or 6., type: int}
    priority: {description: Priority., type: int}
    from: {description: Source prefix or null (all)., type: str}
    to: {description: Destination prefix or null (all)., type: str}
    iif: {description: Incoming interface or null., type: str}
    oif: {description: Outgoing interface or null., type: str}
    fwmark: {description: Firewall mark or null., type: int}
    fwmask: {description: Firewall mark mask or null., type: int}
    ipproto: {description: IP protocol number or null., type: int}
    sport: {description: "Source port range as [first, last], or null.", type: list, elements: int}
    dport: {description: "Destination port range as [first, last], or null.", type: list, elements: int}
    uidrange: {description: "User id range as [first, last], or null.", type: list, elements: int}
    tos: {description: TOS / traffic class (0 = any)., type: int}
    action: {description: Action name., type: str}
    table: {description: "Table number for C(lookup) rules, else null.", type: int}
    goto: {description: "Target priority of a C(goto) rule, else null.", type: int}
    suppress_prefixlength: {description: Suppressed prefix length or null., type: int}
    invert: {description: Whether the selectors are inverted., type: bool}
    proto: {description: Protocol id of the rule (241 for rules this module adds)., type: int}
  sample:
    family: 4
    priority: 100
    from: 10.240.64.4/32
    to: null
    iif: null
    oif: null
    fwmark: null
    fwmask: null
    ipproto: null
    sport: null
    dport: null
    uidrange: null
    tos: 0
    action: lookup
    table: 201
    goto: null
    suppress_prefixlength: null
    invert: false
    proto: 241
removed:
  description:
    - The rules deleted (in check mode, that would be deleted), in the shape of RV(rule).
  returned: when O(state=absent)
  type: list
  elements: dict
  sample: []
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the rule did not exist and is created,
      V(present) when it existed and is removed (one entry for all the rules O(state=absent)
      deletes); a rule that exists is never changed.
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [absent]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _rule


def main():
    module = AnsibleModule(**_rule.SPEC.module_kwargs())
    _common.run_module(module, _rule.run)


if __name__ == '__main__':
    main()
