# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.routing_facts module: read links, addresses, routes, rules.

PRIVATE: internal to multinic.routing, not a public API.

Read-only: nothing here writes to the kernel or to a file. ``files`` reads small configuration
files by path or glob pattern, so that a role's preflight is one module run. Routes of the tables asked for are
dumped once per table with the table in the request (RTA_TABLE, strict checking), so the kernel
does the filtering and a big table nobody asked for costs nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure
from ansible_collections.multinic.routing.plugins.module_utils._exit import JSONRows
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils import _iproute2_names as names
from ansible_collections.multinic.routing.plugins.module_utils import _managers
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink
from ansible_collections.multinic.routing.plugins.module_utils._netns_files import list_netns, netns_exists, netns_path

FACT_NAME = 'multinic_routing'
# The key (and the netns entry) that means the namespace the module runs in.
HOST = 'host'
SUBSETS = ['links', 'addresses', 'routes', 'rules', 'managers', 'rp_filter']
RP_FILTER = '/proc/sys/net/ipv4/conf/%s/rp_filter'
FILE_MAX = 256 * 1024       # bytes read of one file (configuration files, not data)
SUBSET_CHOICES = ['all'] + SUBSETS

SPEC = ArgumentSpec(dict(
    netns=dict(type='list', elements='str'),
    tables=dict(type='list', elements='str'),
    gather_subset=dict(type='list', elements='str', default=['all'], choices=SUBSET_CHOICES),
    files=dict(type='list', elements='str', default=[]),
))


def _unique(items):
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def build(params):
    """Validate the options -> (targets, tables, subset).

    targets: list of (key, netns) pairs, netns None for the host's own namespace;
    tables: list of table numbers, or None for every table;
    subset: the set of sections to gather.
    """
    requested = params.get('netns')
    if requested is None:
        targets = [(HOST, None)]
    else:
        targets = []
        for name in _unique(requested):
            if name == HOST:
                if netns_exists(HOST):
                    raise c.ValidationError(
                        'netns=%r is ambiguous here: this module reads %r as the host\'s own '
                        'namespace, and a namespace named %r exists too (%s). A namespace '
                        'named %r cannot be gathered by this module; leave netns out to '
                        'gather the host\'s own' % (HOST, HOST, HOST, netns_path(HOST), HOST))
                targets.append((HOST, None))
            else:
                targets.append((c.check_netns_name(name, 'netns'), name))

    tables = None
    if params.get('tables') is not None:
        # an empty list is taken literally: no table, no route
        tables = _unique(c.resolve_table(value, 'tables') for value in params['tables'])

    subset = params.get('gather_subset')
    # an empty list is taken literally too: each namespace is checked, nothing is read
    subset = set(['all'] if subset is None else subset)
    if 'all' in subset:
        subset = set(SUBSETS)
    return targets, tables, subset


def check_namespaces(targets):
    """Fail naming every namespace asked for that does not exist (before reading anything)."""
    missing = [name for _key, name in targets if name is not None and not netns_exists(name)]
    if missing:
        raise c.ValidationError(
            'netns: %s %s not exist (looked in %s); this module never creates namespaces'
            % (', '.join(repr(m) for m in missing), 'does' if len(missing) == 1 else 'do',
               netns_path('')))


class _Names(object):
    """Table and protocol names, looked up once per number."""

    def __init__(self):
        self.tables = names.table_names()
        self.protos = names.proto_names()
        self._table_cache = {}
        self._proto_cache = {}

    def table(self, number):
        if number is None:
            return None
        if number not in self._table_cache:
            self._table_cache[number] = names.table_name_of(number, self.tables)
        return self._table_cache[number]

    def proto(self, number):
        if number is None:
            return None
        if number not in self._proto_cache:
            found = None
            for name, value in sorted(self.protos.items()):
                if value == number:
                    found = name
                    break
            self._proto_cache[number] = found
        return self._proto_cache[number]


def gather_links(nl):
    links = nl.links()
    by_index = dict((item['index'], item['name']) for item in links)
    return [{
        'index': item['index'],
        'name': item['name'],
        'kind': item['kind'],
        'state': 'up' if item['up'] else 'down',
        'operstate': item['operstate'],
        'mtu': item['mtu'],
        'mac': item['mac'],
        'master': by_index.get(item['master']) if item['master'] else None,
    } for item in links]


def gather_addresses(nl):
    result = []
    for item in nl.addresses():
        entry = dict(item)
        entry['dev'] = nl.name_of(item['index'])
        result.append(entry)
    return result


def _name_route(known):
    def name(route):
        route['table_name'] = known.table(route['table'])
        route['proto_name'] = known.proto(route['proto'])
    return name


def gather_routes(nl, tables, known, rows=False):
    """The routes of ``tables`` (None: every table), each with its table and protocol names.

    rows=True (the module): as _exit.JSONRows, the same routes as JSON text, built without a
    dict per route (a big host has 100,000 routes; see _rtnl_codec.route_json_picker).
    """
    name = _name_route(known)
    if rows:
        found = []
        for number in [None] if tables is None else tables:
            found.extend(nl.route_rows(table=number, decorate=name))
        return JSONRows(found)
    if tables is None:
        routes = nl.routes()
    else:
        routes = []
        for number in tables:
            routes.extend(nl.routes(table=number))
    for route in routes:
        name(route)
    return routes


def gather_rules(nl, known):
    rules = nl.rules()
    for rule in rules:
        rule['table_name'] = known.table(rule['table'])
    return rules


def gather_rp_filter(names, path=RP_FILTER):
    """net.ipv4.conf.<name>.rp_filter of ``all``, ``default`` and each interface: 0 off, 1 strict,
    2 loose; an interface without IPv4 configuration (no such file) is left out."""
    found = {}
    for name in ['all', 'default'] + [n for n in names if n not in ('all', 'default')]:
        try:
            with open(path % name) as handle:
                found[name] = int(handle.read().strip())
        except (IOError, OSError, ValueError):
            continue
    return found


def gather_one(netns, tables, subset, known, rows=False):
    """Everything asked for about one namespace (None = the host's own); rows: see gather()."""
    data = {}
    with Netlink(netns) as nl:
        # the adapter maps interface indexes to names with one link dump, done once
        if 'links' in subset:
            data['links'] = gather_links(nl)
        if 'addresses' in subset:
            data['addresses'] = gather_addresses(nl)
        if 'routes' in subset:
            data['routes'] = gather_routes(nl, tables, known, rows)
        if 'rules' in subset:
            data['rules'] = gather_rules(nl, known)
        if 'managers' in subset and netns is None:
            # network managers configure the host's own namespace only
            data['managers'] = _managers.gather((item['index'], item['name']) for item in nl.links())
        if 'rp_filter' in subset and netns is None:
            # /proc/sys/net is this process's namespace: the host's own
            data['rp_filter'] = gather_rp_filter(item['name'] for item in nl.links())
    return data


def check_files(patterns):
    """The files option: absolute paths or glob patterns."""
    for index, pattern in enumerate(patterns):
        if not pattern.startswith('/') or '\0' in pattern:
            raise c.ValidationError('files[%d]=%r is not an absolute path or glob pattern' % (index, pattern))
    return _unique(patterns)


def read_files(patterns):
    """{pattern: {path: text}} - the regular files each pattern names (a path without * ? [ names
    one file; a glob its matches, as the shell expands it), UTF-8 (undecodable bytes replaced).
    A path that is not there is simply not in its pattern's dict."""
    out = {}
    for pattern in patterns:
        paths = sorted(glob.glob(pattern)) if any(ch in pattern for ch in '*?[') else [pattern]
        found = {}
        for path in paths:
            try:
                if not os.path.isfile(path):
                    continue
                with open(path, 'rb') as handle:
                    data = handle.read(FILE_MAX + 1)
            except (IOError, OSError) as exc:
                raise FileFailure('files: reading %s failed: %s' % (path, exc.strerror or exc))
            if len(data) > FILE_MAX:
                raise FileFailure('files: %s is larger than the %d bytes this option reads (it is for '
                                  'configuration files)' % (path, FILE_MAX))
            found[path] = data.decode('utf-8', 'replace')
        out[pattern] = found
    return out


def gather(targets, tables=None, subset=None, rows=False):
    """The multinic_routing fact for already validated targets.

    rows=True: the routes as _exit.JSONRows (the module's output, read by _exit.exit_json)
    instead of a list of dicts; JSONRows.to_list() gives that list.
    """
    subset = set(SUBSETS) if subset is None else subset
    known = _Names()
    check_namespaces(targets)
    per_netns = {}
    for key, netns in targets:
        per_netns[key] = gather_one(netns, tables, subset, known, rows)
    return {
        'namespaces': list_netns(),
        'table_names': dict(known.tables),
        'netns': per_netns,
    }


def run(module):
    targets, tables, subset = build(module.params)
    patterns = check_files(module.params.get('files') or [])
    facts = gather(targets, tables, subset, rows=True)
    if patterns:
        facts['files'] = read_files(patterns)
    return {'changed': False, 'ansible_facts': {FACT_NAME: facts}}
