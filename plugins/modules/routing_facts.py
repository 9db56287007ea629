#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: routing_facts
short_description: Read links, addresses, routes, policy rules and namespaces as facts
version_added: 0.1.0
description:
  - Reads, over netlink, the links, addresses, routes of every routing table and policy rules of
    the host's own network namespace and/or of named namespaces, plus the list of named
    namespaces and the routing table names the host knows.
  - Returns them as the fact C(ansible_facts.multinic_routing). The module never changes
    anything.
  - Routes carry their table number and, where the host knows one, the table name (from
    C(/etc/iproute2/rt_tables) and C(rt_tables.d/*.conf)).
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns
  - multinic.routing.netns.ATTRIBUTES_READ_ONLY
options:
  netns:
    description:
      - The network namespaces to read, each by its name as listed by C(ip netns list).
      - One name or a list of names. The reserved name V(host) means the host's own namespace
        (the one the module runs in); its facts are keyed C(host) as well.
      - When not given, the host's own namespace is read (as if V([host]) was given). An empty
        list reads no namespace; the namespace list and table names are still returned.
      - A namespace that does not exist is an error; it is never created.
      - A namespace literally named C(host) cannot be read by this module; asking for V(host)
        while such a namespace exists fails rather than guess which one is meant.
      - As for every list option of Ansible, a string with commas is split into several names.
    type: list
    elements: str
  tables:
    description:
      - Read only the routes of these routing tables, each by number (1..4294967295) or by a name
        the host knows (V(main), V(local), V(default), names in C(/etc/iproute2/rt_tables) and
        C(rt_tables.d/*.conf)).
      - The kernel does the filtering (one dump per table and address family), so a big table
        that is not asked for costs nothing. A table that holds no route yields no route.
      - When not given, the routes of every table are read. An empty list reads no route.
      - Only routes are filtered; links, addresses and rules are read whole.
    type: list
    elements: str
  gather_subset:
    description:
      - Which sections to read for each namespace. V(all) means all six.
      - V(managers) says which network manager configures each interface (systemd-networkd,
        NetworkManager, ifupdown or none), read from the managers' own runtime state under
        C(/run); it is read for the host's own namespace only.
      - V(rp_filter) is the reverse-path filter setting of C(all), C(default) and each interface
        (C(net.ipv4.conf.<name>.rp_filter)); it is read for the host's own namespace only.
      - An empty list reads none (the namespaces asked for must still exist).
    type: list
    elements: str
    default: [all]
    choices: [all, links, addresses, routes, rules, managers, rp_filter]
  files:
    description:
      - Configuration files to read as well, each by its absolute path or a glob pattern
        (C(/etc/sysctl.d/60-multinic-*)), so that a role learns the host's routing state and its
        own files in one module run.
      - Their text is returned in C(ansible_facts.multinic_routing.files), per pattern. A path
        that is not there (or not a regular file) is left out; the
        P(multinic.routing.file_text#filter) filter tells that apart from a path no pattern
        covers.
      - At most 256 KiB of each file is read; a bigger file fails the task. Bytes that are not
        UTF-8 are replaced.
    type: list
    elements: str
    default: []
notes:
  - Every section of every namespace is read at the time of the call, one after the other; they
    are not one atomic snapshot.
  - Reading every table of a host with very big routing tables costs about 5 microseconds of
    CPU per route on the managed node (100,000 routes, about 1 s and 55 MB for the whole module
    run), but the result is about 270 bytes of JSON per route that the controller receives and
    keeps as a fact; use O(tables) to read only the tables you need.
seealso:
  - module: multinic.routing.route_lookup
  - module: multinic.routing.route
  - module: multinic.routing.rule
'''

EXAMPLES = r'''
- name: Read the host's links, addresses, routes and rules
  multinic.routing.routing_facts:

- name: Show the routes of the main table
  ansible.builtin.debug:
    msg: "{{ ansible_facts.multinic_routing.netns.host.routes | selectattr('table_name', 'eq', 'main') }}"

- name: Read the host and the data namespace in one go, main and data tables only
  multinic.routing.routing_facts:
    netns: [host, data]
    tables: [main, data]

- name: Check that the data namespace has a default route
  ansible.builtin.assert:
    that:
      - ansible_facts.multinic_routing.netns.data.routes
        | selectattr('dest', 'eq', 'default') | list | length > 0

- name: Only the policy rules of the host
  multinic.routing.routing_facts:
    gather_subset: [rules]

- name: Addresses of ens4
  ansible.builtin.debug:
    msg: "{{ ansible_facts.multinic_routing.netns.host.addresses | selectattr('dev', 'eq', 'ens4') | map(attribute='cidr') }}"

- name: The host's addresses and the collection's sysctl files, in one module run
  multinic.routing.routing_facts:
    gather_subset: [addresses]
    files: [/etc/sysctl.d/60-multinic-*]
  register: found
- name: Show the source_routing role's file ('' when it is not there)
  ansible.builtin.debug:
    msg: "{{ '/etc/sysctl.d/60-multinic-source-routing.conf' | multinic.routing.file_text(found.ansible_facts.multinic_routing.files) }}"

- name: Is there a namespace called data?
  multinic.routing.routing_facts:
    netns: []
- name: Report it
  ansible.builtin.debug:
    msg: "{{ 'data' in ansible_facts.multinic_routing.namespaces }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to the host's facts.
  returned: always
  type: dict
  contains:
    multinic_routing:
      description: Routing state read from the kernel.
      returned: always
      type: dict
      contains:
        namespaces:
          description: Names of the named network namespaces (C(ip netns list)), sorted.
          returned: always
          type: list
          elements: str
          sample: [data]
        table_names:
          description:
            - Routing table names the host knows, name to number (builtins, C(/etc/iproute2/rt_tables)
              and C(rt_tables.d/*.conf)).
          returned: always
          type: dict
          sample: {unspec: 0, default: 253, main: 254, local: 255, data: 201}
        files:
          description:
            - With O(files), each pattern and the text of the files it names, by path.
          returned: when O(files) is not empty
          type: dict
          sample: {/etc/sysctl.d/60-multinic-*: {/etc/sysctl.d/60-multinic-source-routing.conf: "net.ipv4.conf.ens4.rp_filter = 2\n"}}
        netns:
          description:
            - One entry per namespace read, keyed by its name; the host's own namespace is keyed
              C(host).
            - Each entry holds the sections of O(gather_subset) only.
          returned: always
          type: dict
          contains:
            links:
              description: Every link of the namespace.
              returned: when O(gather_subset) has V(links) or V(all)
              type: list
              elements: dict
              contains:
                index:
                  description: Interface index.
                  type: int
                name:
                  description: Interface name.
                  type: str
                kind:
                  description: Link kind (C(veth), C(bridge)...), null for plain devices.
                  type: str
                state:
                  description: Administrative state, C(up) or C(down).
                  type: str
                operstate:
                  description: Operational state as the kernel reports it (C(UP), C(DOWN), C(UNKNOWN)...).
                  type: str
                mtu:
                  description: MTU.
                  type: int
                mac:
                  description: Link-layer address.
                  type: str
                master:
                  description: Name of the master device (bridge), or null.
                  type: str
            addresses:
              description: Every IPv4 and IPv6 address of the namespace.
              returned: when O(gather_subset) has V(addresses) or V(all)
              type: list
              elements: dict
              contains:
                dev:
                  description: Interface name.
                  type: str
                index:
                  description: Interface index.
                  type: int
                family:
                  description: 4 or 6.
                  type: int
                address:
                  description: The address.
                  type: str
                prefixlen:
                  description: Prefix length.
                  type: int
                cidr:
                  description: Address with prefix length.
                  type: str
                scope:
                  description: Scope name (C(global), C(link), C(host)).
                  type: str
                label:
                  description: IPv4 label, or null.
                  type: str
                broadcast:
                  description: IPv4 broadcast address, or null.
                  type: str
                permanent:
                  description: False for addresses with a lifetime (SLAAC, DHCP with lifetimes).
                  type: bool
            routes:
              description:
                - IPv4 and IPv6 routes of every table (the local table too), or of O(tables).
              returned: when O(gather_subset) has V(routes) or V(all)
              type: list
              elements: dict
              contains:
                family:
                  description: 4 or 6.
                  type: int
                table:
                  description: Table number.
                  type: int
                table_name:
                  description: Table name where the host knows one, else null.
                  type: str
                dest:
                  description: Destination prefix or C(default).
                  type: str
                metric:
                  description: Metric.
                  type: int
                tos:
                  description: TOS key.
                  type: int
                type:
                  description: Route type (C(unicast), C(local), C(broadcast), C(blackhole)...).
                  type: str
                proto:
                  description: Protocol id.
                  type: int
                proto_name:
                  description: Protocol name where known (C(kernel), C(boot), C(static), C(multinic)...), else null.
                  type: str
                scope:
                  description: Scope name.
                  type: str
                gateway:
                  description: Next-hop address, or null.
                  type: str
                dev:
                  description: Outgoing interface, or null.
                  type: str
                src:
                  description: Preferred source address, or null.
                  type: str
                onlink:
                  description: Onlink flag.
                  type: bool
                mtu:
                  description: Route MTU, or null.
                  type: int
                nexthops:
                  description: Multipath hops (gateway, dev, weight, onlink), or null.
                  type: list
                  elements: dict
            rules:
              description: IPv4 and IPv6 policy routing rules, in priority order per family.
              returned: when O(gather_subset) has V(rules) or V(all)
              type: list
              elements: dict
              contains:
                family:
                  description: 4 or 6.
                  type: int
                priority:
                  description: Priority (C(pref)).
                  type: int
                from:
                  description: Source prefix, or null.
                  type: str
                to:
                  description: Destination prefix, or null.
                  type: str
                iif:
                  description: Input interface, or null.
                  type: str
                oif:
                  description: Output interface, or null.
                  type: str
                fwmark:
                  description: Firewall mark, or null.
                  type: int
                fwmask:
                  description: Firewall mark mask, or null.
                  type: int
                ipproto:
                  description: IP protocol number, or null.
                  type: int
                sport:
                  description: Source port range as a two-item list (low, high), or null.
                  type: list
                  elements: int
                dport:
                  description: Destination port range as a two-item list (low, high), or null.
                  type: list
                  elements: int
                uidrange:
                  description: UID range as a two-item list (low, high), or null.
                  type: list
                  elements: int
                tos:
                  description: TOS selector.
                  type: int
                action:
                  description: 'C(lookup), C(goto), C(nop), C(blackhole), C(unreachable) or C(prohibit).'
                  type: str
                table:
                  description: Table number for C(lookup) rules, else null.
                  type: int
                table_name:
                  description: Table name where the host knows one, else null.
                  type: str
                goto:
                  description: Target priority of a C(goto) rule, or null.
                  type: int
                suppress_prefixlength:
                  description: Suppressed prefix length, or null.
                  type: int
                invert:
                  description: The selector is inverted (C(not)).
                  type: bool
                proto:
                  description: Protocol id of the rule, or null.
                  type: int
            managers:
              description:
                - Which network manager configures each interface of the host's own namespace
                  (absent for named namespaces). A manager counts only while its daemon runs.
              returned: when O(gather_subset) has V(managers) or V(all), for the host's namespace
              type: dict
              contains:
                daemons:
                  description: Whether each manager's daemon runs, keyed C(networkd) and C(NetworkManager).
                  type: dict
                systemd:
                  description: Whether PID 1 is systemd.
                  type: bool
                links:
                  description:
                    - One entry per interface name. C(manager) is V(networkd), V(NetworkManager),
                      V(ifupdown) or V(none); C(network_file) (the C(.network) file networkd uses
                      for it, which may shadow others) and C(state) come with V(networkd),
                      C(connection_uuid) with V(NetworkManager).
                  type: dict
                  sample: {ens3: {manager: networkd, network_file: /run/systemd/network/10-netplan-ens3.network, state: configured}}
            rp_filter:
              description:
                - C(net.ipv4.conf.<name>.rp_filter) of C(all), C(default) and each interface of the
                  host's own namespace (absent for named namespaces) - 0 off, 1 strict, 2 loose; the
                  filter in effect on an interface is the larger of its own value and C(all)'s.
                  An interface without IPv4 configuration is left out.
              returned: when O(gather_subset) has V(rp_filter) or V(all), for the host's namespace
              type: dict
              sample: {all: 0, default: 1, lo: 0, ens3: 1, ens4: 2}
      sample:
        namespaces:
        - data
        table_names:
          unspec: 0
          default: 253
          main: 254
          local: 255
          data: 201
        netns:
          host:
            links:
            - index: 1
              name: lo
              kind: null
              state: up
              operstate: UNKNOWN
              mtu: 65536
              mac: 00:00:00:00:00:00
              master: null
            - index: 3
              name: ens4
              kind: veth
              state: up
              operstate: UP
              mtu: 1500
              mac: 16:4c:bb:b3:a7:da
              master: null
            addresses:
            - dev: ens4
              index: 3
              family: 4
              address: 10.240.64.4
              prefixlen: 24
              cidr: 10.240.64.4/24
              scope: global
              label: ens4
              broadcast: null
              permanent: true
            routes:
            - family: 4
              table: 201
              table_name: data
              dest: default
              metric: 0
              tos: 0
              type: unicast
              proto: 241
              proto_name: multinic
              scope: global
              gateway: 10.240.64.1
              dev: ens4
              src: null
              onlink: false
              mtu: null
              nexthops: null
            - family: 4
              table: 254
              table_name: main
              dest: 10.240.64.0/24
              metric: 0
              tos: 0
              type: unicast
              proto: 2
              proto_name: kernel
              scope: link
              gateway: null
              dev: ens4
              src: 10.240.64.4
              onlink: false
              mtu: null
              nexthops: null
            rules:
            - family: 4
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
              table_name: data
              goto: null
              suppress_prefixlength: null
              invert: false
              proto: 0
            managers:
              daemons: {networkd: true, NetworkManager: false}
              systemd: true
              links:
                lo: {manager: none}
                ens3: {manager: networkd, network_file: /run/systemd/network/10-netplan-ens3.network, state: configured}
                ens4: {manager: networkd, network_file: /run/systemd/network/10-netplan-ens4.network, state: configured}
            rp_filter: {all: 0, default: 1, lo: 0, ens3: 1, ens4: 2}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _facts


def main():
    module = AnsibleModule(**_facts.SPEC.module_kwargs())
    _common.run_module(module, _facts.run, needs_pyroute2=False)


if __name__ == '__main__':
    main()
