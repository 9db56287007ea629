# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.routing_state module: many routes and rules, one session.

PRIVATE: internal to multinic.routing, not a public API.

Every entry is a task of the route or rule module and is decided by the same functions
(``_route.build/find/differences/plan/predict``, ``_rule.build/plan``), so an entry here does
exactly what the single-object module does with the same options. What this module adds:

- every entry is validated before anything is read, and every entry is planned before the
  first write (a bad or refused entry anywhere means nothing is written);
- the kernel is read once: one route dump per (family, table) the entries touch (the kernel
  filters it by table), one rule dump per family; the plan works on that view, updated by each
  planned step, so later entries see the earlier ones' effect;
- scoped purge: routes and rules of one protocol (241, ``multinic``, or ``proto``) in the
  tables of ``purge_tables`` that no present entry names are deleted; tables only purge reads
  are dumped with the kernel filtering by table and protocol.

Writes go in this order: rule deletions (absent entries, then purge), route deletions (absent
entries, then purge), routes written (present entries), rules added (present entries): a rule
never points at a table whose routes are half gone, and a new rule finds its table filled.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec, netns_spec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._iproute2_names import COLLECTION_PROTO_ID
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

# purge never deletes by these protocols: 0 (unspec) is no filter at all to the kernel, 2
# (kernel) is the kernel's own connected and local routes and default rules
PURGE_REFUSED_PROTOS = {0: 'unspec', 2: 'kernel'}

SPEC = ArgumentSpec(dict(
    routes=_route.SPEC.list_option(without=('netns',), default=[]),
    rules=_rule.SPEC.list_option(without=('netns',), default=[]),
    proto=dict(type='str'),
    purge=dict(type='bool', default=False),
    purge_tables=dict(type='list', elements='str'),
), required_if=[('purge', True, ['purge_tables'])]).merge(netns_spec()).merge(_guard.guard_spec())

_OPTION_FIRST = re.compile(r'[a-z_]+(\[\d+\])?(\.[a-z_]+)?=')


def _entry_error(kind, index, exc):
    """The entry's error, its message naming the entry: ``routes[2].gateway='x' is ...``."""
    sep = '.' if _OPTION_FIRST.match(exc.msg) else ': '
    return exc.__class__('%s[%d]%s%s' % (kind, index, sep, exc.msg), exc.code, **exc.result)


def _entry_params(entry, proto):
    """An entry as the single-object module's params: no netns (the task's), the task's
    ``proto`` when the entry gives none."""
    params = dict(entry, netns=None)
    if params.get('proto') is None and proto is not None:
        params['proto'] = proto
    return params


def _prepared(kind, entries, proto, unit, clash):
    """The entries of ``kind`` built by ``unit`` (_route or _rule), each checked by ``clash``
    against the ones before it: dicts with ``index``, ``params``, ``wanted``, ``given``,
    ``present``."""
    prepared = []
    for index, entry in enumerate(entries or []):
        entry_params = _entry_params(entry, proto)
        try:
            wanted, given = unit.build(entry_params)
        except c.ValidationError as exc:
            raise _entry_error(kind, index, exc)
        item = {'index': index, 'params': entry_params, 'wanted': wanted, 'given': given,
                'present': entry_params['state'] == 'present'}
        for other in prepared:
            clash(other, item)
        prepared.append(item)
    return prepared


def _route_clash(other, item):
    """Two entries of the same route, whatever their state, are refused."""
    if _route.same_identity(other['wanted'], item['wanted']):
        raise c.ValidationError(
            'routes[%d] and routes[%d] are the same route %s (a route is its family, '
            'table, dest, metric and tos): give each route once'
            % (other['index'], item['index'], _route.describe(item['wanted'])))


def _rule_clash(other, item):
    """Two present entries of the same rule are refused (absent ones may overlap)."""
    if other['present'] and item['present'] and _rule.same_identity(other['wanted'], item['wanted']):
        raise c.ValidationError('rules[%d] and rules[%d] are the same rule "%s": give '
                                'each rule once' % (other['index'], item['index'], _rule.describe(item['wanted'])))


def prepare(params):
    """Validate every entry and the purge scope before anything is read.

    Returns (routes, rules, purge): each entry a dict with its ``index``, ``params``,
    ``wanted``, ``given`` and ``present``; ``purge`` None, or a dict with the ``proto`` number
    and the ``tables`` numbers it may delete from.
    """
    proto = params.get('proto')
    routes = _prepared('routes', params.get('routes'), proto, _route, _route_clash)
    rules = _prepared('rules', params.get('rules'), proto, _rule, _rule_clash)
    purge = None
    if params.get('purge'):
        if not params.get('purge_tables'):
            raise c.ValidationError('purge=true needs purge_tables: the tables whose routes (and '
                                    'rules looking them up) of this collection purge may delete')
        number = c.resolve_proto(proto, 'proto') if proto is not None else COLLECTION_PROTO_ID
        if number in PURGE_REFUSED_PROTOS:
            raise c.ValidationError('proto=%r with purge=true: purge never deletes by protocol %d '
                                    '(%s)' % (proto, number, PURGE_REFUSED_PROTOS[number]))
        tables = []
        for index, table in enumerate(params['purge_tables']):
            number_t = c.resolve_table(table, 'purge_tables[%d]' % index)
            if number_t not in tables:
                tables.append(number_t)
        purge = {'proto': number, 'tables': tables}
    return routes, rules, purge


class _Links(object):
    """index_of() and where of a session, each interface name looked up once."""

    def __init__(self, nl):
        self._nl = nl
        self._known = {}
        self.where = nl.where

    def index_of(self, name):
        if name not in self._known:
            self._known[name] = self._nl.index_of(name)
        return self._known[name]


class RouteView(object):
    """The kernel's routes as the plan sees them: one dump per (family, table), updated by
    every planned step. Tables that only purge reads are dumped with the kernel filtering by
    protocol too (``partial``: they hold only that protocol's routes)."""

    def __init__(self, nl, keys, purge):
        self.tables = {}
        for family, table in keys:
            self.tables[(family, table)] = nl.routes(family=family, table=table)
        self.partial = set()
        for table in purge['tables'] if purge else ():
            for family in (4, 6):
                if (family, table) not in self.tables:
                    self.tables[(family, table)] = nl.routes(family=family, table=table,
                                                             proto=purge['proto'])
                    self.partial.add((family, table))

    def copy(self):
        """A view of the same routes that the plan may change."""
        other = RouteView.__new__(RouteView)
        other.tables = dict((key, list(routes)) for key, routes in self.tables.items())
        other.partial = set(self.partial)
        return other

    def find(self, route):
        for item in self.tables.get((route['family'], route['table']), ()):
            if _route.same_identity(item, route):
                return item
        return None

    def remove(self, route):
        key = (route['family'], route['table'])
        self.tables[key] = [r for r in self.tables.get(key, ()) if not _route.same_identity(r, route)]

    def put(self, route):
        self.remove(route)
        self.tables.setdefault((route['family'], route['table']), []).append(route)


def _rule_insert(rules, rule):
    """Add ``rule`` where the kernel puts a new rule: after every rule of its priority or lower."""
    position = len(rules)
    for i, r in enumerate(rules):
        if r['priority'] > rule['priority']:
            position = i
            break
    rules.insert(position, rule)


def _plan_rules_absent(entries, view, steps, tracker, warnings):
    for entry in entries:
        if entry['present']:
            continue
        current = view[entry['wanted']['family']]
        try:
            step = _rule.plan(current, entry['wanted'], entry['given'], False)
        except c.ValidationError as exc:
            raise _entry_error('rules', entry['index'], exc)
        for r in step['delete']:
            current.remove(r)
        entry['step'] = step
        steps.append(('rule', step))
        tracker.merge(step['tracker'], 'rules[%d].' % entry['index'])
        warnings.extend('rules[%d]: %s' % (entry['index'], w) for w in step['warnings'])


def _plan_rules_purge(entries, view, purge, steps, tracker):
    kept = [e['wanted'] for e in entries if e['present']]
    purged = []
    for family in (4, 6):
        current = view[family]
        targets = [r for r in current
                   if r.get('proto') == purge['proto'] and r['action'] == 'lookup'
                   and r.get('table') in purge['tables'] and not _rule.kernel_default(r)
                   and not any(_rule.same_identity(r, w) for w in kept)]
        try:
            _rule.plan_delete(current, targets)
        except c.ValidationError as exc:
            raise c.ValidationError('purge: %s' % exc.msg)
        for r in targets:
            current.remove(r)
            tracker.add('purge - rule "%s"' % _rule.describe(r), r, None)
        purged.extend(targets)
    if purged:
        steps.append(('rule', {'add': None, 'delete': purged}))
    return purged


def _plan_routes(entries, view, purge, nl, check_mode, steps, tracker, warnings):
    """Plan the route entries (absent ones, purge, present ones) on ``view``."""
    replaced, purged = [], []
    order = [e for e in entries if not e['present']] + [None] + [e for e in entries if e['present']]
    for entry in order:
        if entry is None:
            purged = _plan_routes_purge(entries, view, purge, steps, tracker) if purge else []
            continue
        current = view.find(entry['wanted'])
        try:
            step = _route.plan(entry['params'], entry['wanted'], entry['given'], current)
        except c.ValidationError as exc:
            raise _entry_error('routes', entry['index'], exc)
        entry.update(step=step, before=current)
        tracker.merge(step['tracker'], 'routes[%d].' % entry['index'])
        warnings.extend('routes[%d]: %s' % (entry['index'], w) for w in step['warnings'])
        if not step['write']:
            continue
        steps.append(('route', step, entry['wanted'], current))
        if step['write'] == 'delete':
            view.remove(current)
        else:
            # check mode reports the route as the kernel will show it; a real run reads it back
            view.put(_route.predict(nl, entry['wanted']) if check_mode else dict(entry['wanted']))
            if current is not None:
                replaced.append({'index': entry['index'], 'previous_proto': step['previous_proto']})
    return replaced, purged


def _plan_routes_purge(entries, view, purge, steps, tracker):
    kept = [e['wanted'] for e in entries if e['present']]
    purged = []
    for table in purge['tables']:
        for family in (4, 6):
            for r in list(view.tables.get((family, table), ())):
                if r.get('proto') != purge['proto'] or any(_route.same_identity(r, w) for w in kept):
                    continue
                view.remove(r)
                purged.append(r)
                tracker.add('purge - route %s' % _route.describe(r), r, None)
                steps.append(('route', {'write': 'delete'}, r, r))
    return purged


def _write(nl, steps):
    for done, step in enumerate(steps):
        try:
            if step[0] == 'rule':
                _rule.write(nl, step[1])
            else:
                _route.write(nl, step[1], step[2], step[3])
        except NetlinkFailure as exc:
            raise NetlinkFailure('%s (after %d of %d planned writes, which stay)'
                                 % (exc.msg, done, len(steps)), exc.code, changed=done > 0)


def _undo(nl, steps):
    """Take the written steps back, last first: the state before the task."""
    for step in reversed(steps):
        if step[0] == 'rule':
            if step[1]['add'] is not None:
                nl.delete_rule(step[1]['add'])
            for r in step[1]['delete']:
                nl.add_rule(r)
        elif step[3] is not None:
            nl.replace_route(step[3])
        else:
            nl.delete_route(step[2])


def _culprit(routes, rules, state, after):
    """The entry that moved the management path, as a message names it."""
    table = after['table'] if after is not None else None
    named = _guard.route_culprit([(e['index'], e['wanted']) for e in routes
                                  if e['present'] and e['step']['write']], state, after)
    if named:
        return named
    for e in rules:
        if e['present'] and e['step']['add'] is not None and table in (None, e['wanted'].get('table')):
            return 'rules[%d] (%s)' % (e['index'], _rule.describe(e['wanted']))
    return 'the changes of this task'


def _guarded_write(nl, steps, state, routes, rules):
    """Write; when the management path moved, undo every write and fail naming the entry."""
    _write(nl, steps)
    if not state['active']:
        return
    moved = _guard.moved_after_write(nl, state)
    if moved is None:
        return
    after, now = moved
    culprit = _culprit(routes, rules, state, after)
    try:
        _undo(nl, steps)
    except NetlinkFailure as exc:
        msg = ('%s moved the management path (from %s to %s: by %s before, %s after) and undoing the '
               'changes failed: %s' % (culprit, state['local'], state['peer'], _guard.describe(state['path']),
                                       now, exc.msg))
        raise NetlinkFailure(msg, exc.code, changed=True, guard=_guard.summary(state))
    held = _guard.moved(nl, state)
    raise ModuleFailure(_guard.failure_message(culprit, state, now, 'every change of this task was undone', held),
                        changed=held is not None, guard=_guard.summary(state))


def run(module):
    params = module.params
    routes, rules, purge = prepare(params)
    guard = _guard.session(params, params.get('netns'))
    check_mode = module.check_mode
    tracker = DifferenceTracker()
    warnings, steps = [], []
    result = {}
    with Netlink(params.get('netns')) as nl:
        _guard.arm(nl, guard)
        links = _Links(nl)
        for entry in routes:
            if entry['present']:
                try:
                    _route.check_devices(links, entry['wanted'])
                except c.ValidationError as exc:
                    raise _entry_error('routes', entry['index'], exc)
        route_keys = sorted(set((e['wanted']['family'], e['wanted']['table']) for e in routes))
        rule_families = set(e['wanted']['family'] for e in rules)
        if purge:
            rule_families.update((4, 6))
        before_routes = RouteView(nl, route_keys, purge)
        before_rules = dict((f, nl.rules(f)) for f in sorted(rule_families))

        # the plan, on copies of what was read
        route_view = before_routes.copy()
        rule_view = dict((f, list(v)) for f, v in before_rules.items())
        _plan_rules_absent(rules, rule_view, steps, tracker, warnings)
        purged_rules = _plan_rules_purge(rules, rule_view, purge, steps, tracker) if purge else []
        replaced, purged_routes = _plan_routes(routes, route_view, purge, nl, check_mode, steps,
                                               tracker, warnings)
        added_rules = []
        for entry in rules:
            if not entry['present']:
                continue
            current = rule_view[entry['wanted']['family']]
            try:
                step = _rule.plan(current, entry['wanted'], entry['given'], True)
            except c.ValidationError as exc:
                raise _entry_error('rules', entry['index'], exc)
            entry['step'] = step
            tracker.merge(step['tracker'], 'rules[%d].' % entry['index'])
            if step['add'] is not None:
                _rule_insert(current, step['add'])
                steps.append(('rule', step))
                added_rules.append(step['add'])

        if steps and not check_mode:
            _guarded_write(nl, steps, guard, routes, rules)
            after_routes = RouteView(nl, route_keys, purge)
            after_rules = dict((f, nl.rules(f)) for f in sorted(rule_families))
        else:
            after_routes, after_rules = route_view, rule_view

    route_after = [after_routes.find(e['wanted']) for e in routes]
    rule_after = [_find_rule(after_rules, e['wanted']) if e['present'] else None for e in rules]
    result['routes'] = route_after
    result['rules'] = rule_after
    result['added'] = {
        'routes': [route_after[i] for i, e in enumerate(routes)
                   if e['step']['write'] == 'replace' and e['before'] is None],
        'rules': [_find_rule(after_rules, r) for r in added_rules],
    }
    result['replaced'] = [dict(r, route=route_after[r['index']]) for r in replaced]
    result['removed'] = {
        'routes': [e['before'] for e in routes if e['step']['write'] == 'delete'] + purged_routes,
        'rules': [r for e in rules if not e['present'] for r in e['step']['delete']] + purged_rules,
    }
    result['guard'] = _guard.summary(guard)
    if warnings:
        result['warnings'] = warnings
    tracker.report(result)
    if module._diff:
        result['diff'] = _diff(routes, rules, result, before_routes, before_rules,
                               after_routes, after_rules)
    return result


def _find_rule(view, wanted):
    for r in view.get(wanted['family'], ()):
        if _rule.same_identity(r, wanted):
            return r
    return None


def _diff(routes, rules, result, before_routes, before_rules, after_routes, after_rules):
    """before/after: the kernel's routes and rules the task is about (the entries' own and
    what purge removes), as read before and after (in check mode, as predicted)."""
    about = [e['wanted'] for e in routes] + result['removed']['routes']
    route_before, route_after, seen = [], [], []
    for route in about:
        if any(_route.same_identity(route, s) for s in seen):
            continue
        seen.append(route)
        for view, out in ((before_routes, route_before), (after_routes, route_after)):
            found = view.find(route)
            if found is not None:
                out.append(found)
    rule_before, rule_after = [], []
    for entry in rules:
        if entry['present']:
            found = _find_rule(before_rules, entry['wanted'])
            if found is not None:
                rule_before.append(found)
            found = _find_rule(after_rules, entry['wanted'])
            if found is not None:
                rule_after.append(found)
        else:
            rule_before.extend(entry['step']['delete'])
            rule_after.extend(r for r in entry['step']['delete']
                              if any(r == k for k in after_rules.get(r['family'], ())))
    for r in result['removed']['rules']:
        if not any(r is b for b in rule_before):
            rule_before.append(r)
            if any(r == k for k in after_rules.get(r['family'], ())):
                rule_after.append(r)
    return {'before': {'routes': route_before, 'rules': rule_before},
            'after': {'routes': route_after, 'rules': rule_after}}
