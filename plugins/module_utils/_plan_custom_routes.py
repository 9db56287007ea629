# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The custom_routes role's plan: from the host's facts and the role's settings, the data NIC's
address, subnet and gateway, the routes to every other subnet, what keeps them, the batch's
steps, the legacy netplan file, the report and the input errors.

PRIVATE: internal to multinic.routing, not a public API. The filter
multinic.routing.custom_routes_plan (controller) and multinic.routing.batch's plan (host) run it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import (
    address_errors, file_text, found_nics, ip_network, persistence, plan_input, subnet_errors)

# What the plan needs of routing_facts: the subsets, and the files it reads (by its settings).
SUBSET = ('links', 'addresses', 'managers')


def files(settings):
    return [settings['legacy_file']]


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


def plan(facts, settings):
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
