# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The routes and rules of the modules that hand them to a network manager
    # (networkd_dropin, nm_profile): one argument spec, _networkd.ENTRIES_SPEC (its routes and
    # rules are ROUTE_OPTIONS / RULE_OPTIONS, taken from the route and rule modules' SPEC).
    DOCUMENTATION = r'''
options:
  routes:
    description:
      - Routes through O(interface), as for M(multinic.routing.route) (same validation).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Destination prefix, an address, or C(default).
        type: str
        required: true
      gateway:
        description: Next hop.
        type: str
      src:
        description: Preferred source address.
        type: str
      table:
        description: Table number or a name the host knows; written as its number.
        type: str
        default: main
      metric:
        description: Route metric.
        type: int
      scope:
        description: Route scope (IPv4); computed like C(ip route add) when not given.
        type: str
        choices: [global, site, link, host, nowhere]
      proto:
        description:
          - Route protocol (number or C(rt_protos) name); 241 (C(multinic)) when not given.
          - Refused by M(multinic.routing.nm_profile) (NetworkManager installs its routes with
            protocol C(static) and cannot set another).
        type: str
      type:
        description: Route type.
        type: str
        default: unicast
        choices: [unicast, blackhole, unreachable, prohibit, throw]
      onlink:
        description: The gateway is on the link even if no prefix says so.
        type: bool
      mtu:
        description: Route MTU.
        type: int
  rules:
    description:
      - Policy rules, as for M(multinic.routing.rule) (same validation).
    type: list
    elements: dict
    default: []
    suboptions:
      priority:
        description: Rule priority.
        type: int
        required: true
      from:
        description: Source prefix.
        type: str
      to:
        description: Destination prefix.
        type: str
      iif:
        description: Input interface.
        type: str
      oif:
        description: Output interface.
        type: str
      fwmark:
        description: Firewall mark (decimal or 0x hex).
        type: str
      fwmask:
        description: Firewall mark mask.
        type: str
      table:
        description: Table for V(lookup) (number or name; written as its number).
        type: str
      action:
        description: What the rule does (C(goto) and C(nop) are not available in networkd or NetworkManager).
        type: str
        choices: [lookup, blackhole, unreachable, prohibit]
      suppress_prefixlength:
        description: Ignore lookup results with this prefix length or shorter.
        type: int
      invert:
        description: Invert the selector.
        type: bool
      family:
        description: Address family, needed only when no prefix tells it.
        type: str
        choices: [ipv4, ipv6]
'''
