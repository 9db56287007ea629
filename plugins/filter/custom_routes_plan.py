# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: custom_routes_plan
short_description: What the custom_routes role does on one host, from what the host has
version_added: 0.3.0
description:
  - Takes the C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts) (gathered
    with C(links), C(addresses) and C(managers), and the role's file) and the role's settings,
    and returns everything the C(multinic.routing.custom_routes) role derives from them - the
    data NIC's address, subnet and gateway, the routes to the other zones' data subnets and what
    keeps them, the steps of its one M(multinic.routing.batch) task, and the input errors.
  - The role's logic in Python, run once per host by one C(set_fact); as Jinja it was compiled
    again in every task and on every host that used it.
author:
  - multinic.routing maintainers
options:
  _input:
    description: C(ansible_facts.multinic_routing) of M(multinic.routing.routing_facts).
    type: dict
    required: true
  settings:
    description:
      - The role's variables without the C(custom_routes_) prefix (C(state), C(interface),
        C(subnets), C(gateway), C(persist), C(guard)), and C(name) (the drop-in's and boot
        unit's name), C(legacy_file) and C(legacy_header) (the netplan file an earlier version
        wrote), C(host) (for messages).
    type: dict
    required: true
seealso:
  - plugin: multinic.routing.source_routing_plan
    plugin_type: filter
'''

EXAMPLES = r'''
- name: The plan of the custom_routes role on this host
  ansible.builtin.set_fact:
    plan: "{{ facts.ansible_facts.multinic_routing | multinic.routing.custom_routes_plan(settings) }}"
'''

RETURN = r'''
_value:
  description:
    - C(address), C(network), C(gateway) - the data NIC's address (no prefix length), subnet and
      gateway (C('') where it has no IPv4 address).
    - C(routes) - a route (C(dest), C(gateway)) to every subnet but the NIC's own.
    - C(backend) - what keeps them (V(networkd), V(networkmanager), V(boot_unit), V(runtime);
      V(none) with C(state=absent), no route, or the NIC not in the host's namespace).
      C(kept) - interface to backend. C(report) - what survives a reboot, for the role's report.
    - C(steps) - the batch's steps (the keeping mechanisms, then the routes in the kernel or
      their removal).
    - C(legacy) - whether the netplan file an earlier version wrote is there (to remove).
    - C(errors) - the input errors, empty when the role can go on.
  type: dict
'''

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multinic.routing.plugins.filter.data_plane_errors import address_errors, subnet_errors
from ansible_collections.multinic.routing.plugins.filter.file_text import file_text
from ansible_collections.multinic.routing.plugins.filter.ip_network import ip_network
from ansible_collections.multinic.routing.plugins.filter.persistence import persistence
from ansible_collections.multinic.routing.plugins.filter.source_routing_plan import found_nics, plan_input

SETTINGS = ('state', 'interface', 'subnets', 'gateway', 'persist', 'guard', 'name', 'legacy_file', 'legacy_header',
            'host')


def _input_errors(s):
    errors = [] if s['interface'] else ['custom_routes_interface is empty']
    return (errors + subnet_errors('custom_routes_subnets', s['subnets'])
            + address_errors('custom_routes_gateway', s['gateway']))


def _routes(s, network, gateway):
    remote = []
    for subnet in s['subnets']:
        subnet = ip_network(subnet)
        if subnet != network and subnet not in remote:
            remote.append(subnet)
    return [{'dest': subnet, 'gateway': gateway} for subnet in remote]


def _steps(s, routes, backend):
    guard = boolean(s['guard'], strict=False)
    iface = s['interface']
    out = []
    for module, kind in (('multinic.routing.networkd_dropin', 'networkd'),
                         ('multinic.routing.nm_profile', 'networkmanager')):
        out.append({'module': module, 'params': {
            'interface': iface, 'name': s['name'], 'routes': routes if backend == kind else [],
            'state': 'present' if backend == kind else 'absent', 'guard': guard}})
    boot = backend == 'boot_unit'
    out.append({'module': 'multinic.routing.boot_unit', 'params': {
        'name': s['name'], 'order': 'after-network', 'wait_for_links': [iface],
        'steps': [{'module': 'route', 'params': dict(r, dev=iface)} for r in routes] if boot else [],
        'state': 'present' if boot else 'absent'}})
    present = s['state'] == 'present'
    # where NetworkManager keeps the routes they are live already, with its protocol (static):
    # routing_state would treat them as another owner's
    if not (present and backend == 'networkmanager'):
        out.append({'module': 'multinic.routing.routing_state', 'params': {
            'routes': [dict(r, dev=iface) if present else dict(r, state='absent') for r in routes],
            'guard': guard}})
    return out


def custom_routes_plan(facts, settings):
    s = plan_input('custom_routes_plan', facts, settings, SETTINGS, ('interface', 'gateway'))
    legacy = (file_text(s['legacy_file'], facts.get('files') or {}) or '').startswith(s['legacy_header'])
    errors = _input_errors(s)
    if errors:
        return {'address': '', 'network': '', 'gateway': '', 'routes': [], 'backend': 'none',
                'kept': {s['interface']: 'none'}, 'report': '', 'steps': [], 'legacy': legacy, 'errors': errors}
    host = facts['netns']['host']
    iface = s['interface']
    nic = found_nics(host, [{'interface': iface, 'gateway': s['gateway']}])[0]
    routes = _routes(s, nic['network'], nic['gateway'])
    links = [link.get('name') for link in host.get('links') or ()]
    how = (persistence(host.get('managers'), [iface], boolean(s['persist'], strict=False))[iface]
           if iface in links else None)
    backend = how['backend'] if s['state'] == 'present' and routes and how else 'none'
    if not nic['address'] and s['state'] == 'present':
        errors.append('custom_routes_interface=%s has no IPv4 address on %s (is it the data NIC, and is it in the '
                      "host's namespace?)" % (iface, s['host']))
    report = ('no other zone, no route' if not routes else how['note'] if how else 'runtime only')
    return {'address': nic['address'], 'network': nic['network'], 'gateway': nic['gateway'], 'routes': routes,
            'backend': backend, 'kept': {iface: backend}, 'report': report,
            'steps': _steps(s, routes, backend), 'legacy': legacy, 'errors': errors}


class FilterModule(object):

    def filters(self):
        return {'custom_routes_plan': custom_routes_plan}
