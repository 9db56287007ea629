# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The source_routing role's plan: from the host's facts and the role's settings, each NIC's
address, subnet, gateway, table routes and rules, what keeps them, the batch's steps, the
reverse-path filter and the role's files, the report and the input errors.

PRIVATE: internal to multinic.routing, not a public API. The filter
multinic.routing.source_routing_plan (controller) and multinic.routing.batch's plan (host) run it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.multinic.routing.plugins.module_utils._plan_common import (
    as_int, file_text, found_nics, ip_prefix, persistence, plan_input)

# What the plan needs of routing_facts: the subsets, and the files it reads (by its settings).
SUBSET = ('links', 'addresses', 'managers', 'rp_filter')


def files(settings):
    return [settings['sysctl_file'], settings['legacy_file']]


RESERVED_TABLES = (0, 253, 254, 255)
RP_RECORDED = re.compile(r'(?m)^# found: rp_filter=([012])$')


def _ipv4(value):
    return ip_prefix(u'%s/32' % value, version=4)


def _wanted(s):
    nics = [dict(kind='data', interface=s['interface'], gateway=s['gateway'], table=s['table'],
                 table_id=s['table_id'], priority=s['priority']),
            dict(kind='control', interface=s['control_interface'], gateway=s['control_gateway'],
                 table=s['control_table'], table_id=s['control_table_id'], priority=s['control_priority'])]
    return [n for n in nics if n['interface']]


def _nics(s, host):
    found = found_nics(host, _wanted(s))
    kept = persistence(host.get('managers'), [n['interface'] for n in found], boolean(s['persist'], strict=False))
    present = s['state'] == 'present'
    main_first = boolean(s['main_first'], strict=False)
    nics = []
    for nic in found:
        how = kept[nic['interface']]
        # NetworkManager 1.42 adds a profile's static routes before the DHCP address is there, and
        # a route whose preferred source is not yet local fails (EINVAL) for good: no src there
        # (the source rule already picks the source)
        src = {} if how['backend'] == 'networkmanager' else {'src': nic['address']}
        rules = []
        if nic['kind'] == 'data' and (main_first or not present):
            rules.append({'priority': s['main_first_priority'], 'table': 'main', 'suppress_prefixlength': 0,
                          'family': 'ipv4'})
        rules.append({'priority': nic['priority'], 'from': nic['address'], 'table': nic['table_id']})
        nics.append(dict(nic, backend=how['backend'] if present else 'none', note=how['note'],
                         routes=[dict({'dest': nic['network'], 'scope': 'link', 'table': nic['table_id']}, **src),
                                 dict({'dest': 'default', 'gateway': nic['gateway'], 'table': nic['table_id']}, **src)],
                         rules=rules))
    return nics


def _keeping_steps(s, nics):
    """A networkd drop-in and a NetworkManager profile entry per NIC (present where that keeps
    it, else absent), and the boot unit for the NICs nothing else keeps."""
    guard = boolean(s['guard'], strict=False)
    out = []
    for module, backend in (('multinic.routing.networkd_dropin', 'networkd'),
                            ('multinic.routing.nm_profile', 'networkmanager')):
        for nic in nics:
            kept = nic['backend'] == backend
            out.append({'module': module, 'params': {
                'interface': nic['interface'], 'name': s['name'],
                'routes': nic['routes'] if kept else [], 'rules': nic['rules'] if kept else [],
                'state': 'present' if kept else 'absent', 'guard': guard}})
    boot = [n for n in nics if n['backend'] == 'boot_unit']
    steps = []
    for nic in boot:
        steps += [{'module': 'route', 'params': dict(r, dev=nic['interface'])} for r in nic['routes']]
        steps += [{'module': 'rule', 'params': dict(r)} for r in nic['rules']]
    out.append({'module': 'multinic.routing.boot_unit', 'params': {
        'name': s['name'], 'order': 'after-network', 'wait_for_links': [n['interface'] for n in boot],
        'steps': steps, 'state': 'present' if boot else 'absent'}})
    return out


def _present_steps(s, nics):
    out = [{'module': 'multinic.routing.rt_table', 'params': {'name': n['table'], 'id': n['table_id']}} for n in nics]
    netlink = [n for n in nics if n['backend'] != 'networkmanager']
    routes = []
    for nic in netlink:
        routes += [{'dest': nic['network'], 'dev': nic['interface'], 'scope': 'link', 'src': nic['address'],
                    'table': nic['table_id']},
                   {'dest': 'default', 'gateway': nic['gateway'], 'dev': nic['interface'], 'src': nic['address'],
                    'table': nic['table_id']}]
    out.append({'module': 'multinic.routing.routing_state', 'params': {
        'routes': routes, 'rules': [r for n in netlink for r in n['rules']], 'guard': boolean(s['guard'], strict=False)}})
    return out


def _absent_steps(s, nics):
    rules = []
    for rule in (r for n in nics for r in n['rules']):
        entry = {'priority': rule['priority'], 'table': rule['table'], 'family': 'ipv4', 'proto': 'multinic',
                 'state': 'absent'}
        if 'suppress_prefixlength' in rule:
            entry['suppress_prefixlength'] = rule['suppress_prefixlength']
        rules.append(entry)
    routes = []
    for nic in nics:
        routes += [{'dest': 'default', 'table': nic['table_id'], 'state': 'absent'},
                   {'dest': nic['network'], 'table': nic['table_id'], 'state': 'absent'}]
    out = [{'module': 'multinic.routing.routing_state', 'params': {
        'rules': rules, 'routes': routes, 'guard': boolean(s['guard'], strict=False)}}]
    out += [{'module': 'multinic.routing.rt_table', 'params': {'name': n['table'], 'state': 'absent'}} for n in nics]
    return out


def _rp(s, host, files):
    """The reverse-path filter: 0 off, 1 strict, 2 loose; the larger of all and the NIC's own is
    in effect. Loosened only where strict (or where the role recorded what it found)."""
    rp_filter = host.get('rp_filter') or {}
    rp_all, rp_nic = as_int(rp_filter.get('all', 0)), as_int(rp_filter.get(s['interface'], 0))
    recorded = RP_RECORDED.findall(files[s['sysctl_file']])
    loosen = (boolean(s['rp_filter_loose'], strict=False) and s['state'] == 'present'
              and (max(rp_all, rp_nic) == 1 or bool(recorded)))
    return {'loosen': loosen, 'found': recorded[0] if recorded else rp_nic,
            'restore': recorded[0] if recorded else '',
            'here': s['interface'] in [link.get('name') for link in host.get('links') or ()]}


def _errors(s, nics):
    errors = []
    data, control = s['interface'], s['control_interface']
    if not data:
        errors.append('source_routing_interface is empty')
    elif data == control:
        errors.append('source_routing_interface and source_routing_control_interface are both %s' % data)
    bad = ['source_routing_%s=%s' % (k, s[k]) for k in ('gateway', 'control_gateway') if s[k] and not _ipv4(s[k])]
    if bad:
        errors.append('not IPv4 addresses: %s' % ', '.join(bad))
    if control and (s['table'] == s['control_table'] or s['table_id'] == s['control_table_id']):
        errors.append('the data and control tables must differ in name and number (source_routing_table=%s id %s, '
                      'source_routing_control_table=%s id %s)'
                      % (s['table'], s['table_id'], s['control_table'], s['control_table_id']))
    if boolean(s['main_first'], strict=False):
        first, lowest = as_int(s['main_first_priority']), min(as_int(s['priority']), as_int(s['control_priority']))
        if not 0 < first < lowest:
            errors.append('source_routing_main_first_priority=%s must be above 0 (the local table) and below the NIC '
                          'rules (source_routing_priority=%s, source_routing_control_priority=%s)'
                          % (s['main_first_priority'], s['priority'], s['control_priority']))
    if s['table_id'] in RESERVED_TABLES or s['control_table_id'] in RESERVED_TABLES:
        errors.append('table ids 0, 253, 254 and 255 are reserved by the kernel (source_routing_table_id=%s, '
                      'source_routing_control_table_id=%s)' % (s['table_id'], s['control_table_id']))
    missing = [n['interface'] for n in nics if not n['address']]
    if missing:
        errors.append('%s has no IPv4 address on %s (source_routing_interface=%s, source_routing_control_interface=%s)'
                      % (', '.join(missing), s['host'], data, control))
    return errors


SETTINGS = ('state', 'interface', 'gateway', 'table', 'table_id', 'priority', 'control_interface', 'control_gateway',
            'control_table', 'control_table_id', 'control_priority', 'main_first', 'main_first_priority',
            'rp_filter_loose', 'persist', 'guard', 'sysctl_file', 'name', 'legacy_file', 'legacy_header', 'host')


def plan(facts, settings):
    s = plan_input('source_routing_plan', facts, settings, SETTINGS,
                   ('interface', 'control_interface', 'gateway', 'control_gateway'))
    host = facts['netns']['host']
    nics = _nics(s, host)
    files = dict((p, file_text(p, facts.get('files') or {}) or '') for p in (s['sysctl_file'], s['legacy_file']))
    rp = _rp(s, host, files)
    steps = _keeping_steps(s, nics) + (_present_steps(s, nics) if s['state'] == 'present' else _absent_steps(s, nics))
    return {'nics': nics, 'kept': dict((n['interface'], n['backend']) for n in nics), 'steps': steps,
            'files': files, 'rp': rp,
            'files_task': rp['loosen'] or bool(files[s['sysctl_file']])
            or files[s['legacy_file']].startswith(s['legacy_header']),
            'report': '; '.join('%s: %s' % (n['interface'], n['note']) for n in nics),
            'errors': _errors(s, nics)}
