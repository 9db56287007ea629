# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.nm_profile module: routes and rules owned by NetworkManager,
in the connection profile that is active on an interface.

PRIVATE: internal to multinic.routing, not a public API.

Why the profile: NetworkManager removes every route of a device when it activates the device's
profile again (`nmcli connection up`, a link flap, a lost lease); what the profile itself holds
(ipv4.routes, ipv4.routing-rules) it creates again each time, and at boot. The entries are made
live with `nmcli device reapply`, which applies the changed profile without re-activating it
(the address stays). NetworkManager cannot tag an entry as ours, so the entries this module
added are recorded in /etc/multinic-routing/nm/<interface>.<name>.json; only recorded entries
are ever removed, and an entry the profile already held is never recorded (it is the user's).

Validation and the route/rule dicts come from the route and rule modules (through the helpers
of the networkd_dropin module, which expresses the same entries in another syntax); the
kernel side (waiting until the kernel holds the entries) is pyroute2, through Netlink.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import time

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _managers
from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._boot_apply import STATE_DIR
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

RECORD_DIR = os.path.join(STATE_DIR, 'nm')

# The options networkd_dropin has too (one documentation fragment, multinic.routing.entries),
# with `reapply` for its `reload`. NetworkManager cannot set a route's protocol: proto is refused.
SPEC = _networkd.ENTRIES_SPEC.copy().update_argspec(reapply=dict(type='bool', default=True)).merge(_guard.guard_spec())

SCOPES = {'global': 0, 'site': 200, 'link': 253, 'host': 254, 'nowhere': 255}


# --------------------------------------------------------------------------- NetworkManager syntax

def _prefix(value, family):
    """Canonical prefix text: '10.0.0.4' -> '10.0.0.4/32'; None for 'any'."""
    if value in (None, '', 'default'):
        return None
    network = ipaddress.ip_network(u'%s' % value, strict=False)
    if network.prefixlen == 0:
        return None
    return str(network) if '/' in value or network.num_addresses > 1 else '%s/%d' % (network.network_address, network.prefixlen)


def route_text(route):
    """One route as nmcli writes it: 'DEST/PLEN [GATEWAY] METRIC [attr=value ...]'."""
    dest = ('0.0.0.0/0' if route['family'] == 4 else '::/0') if route['dest'] == 'default' else route['dest']
    words = [dest]
    if route.get('gateway'):
        words.append(route['gateway'])
    words.append('%d' % (route.get('metric') or 0))
    attrs = {'table': route['table']}
    if route.get('src'):
        attrs['src'] = route['src']
    natural = 'global' if route.get('gateway') else 'link'
    if route['family'] == 4 and route.get('scope') and route['scope'] != natural:
        attrs['scope'] = SCOPES[route['scope']]
    if route.get('type', 'unicast') != 'unicast':
        attrs['type'] = route['type']
    if route.get('onlink'):
        attrs['onlink'] = 'true'
    if route.get('mtu'):
        attrs['mtu'] = route['mtu']
    return ' '.join(words + ['%s=%s' % (k, attrs[k]) for k in sorted(attrs)])


def rule_text(rule):
    """One rule as nmcli writes it: 'priority N [not] [from P] [to P] ... table T'."""
    words = ['priority', '%d' % rule['priority']]
    if rule.get('invert'):
        words.append('not')
    for key in ('from', 'to', 'iif', 'oif'):
        if rule.get(key):
            words += [key, rule[key]]
    if rule.get('fwmark'):
        mark = '0x%x' % rule['fwmark']
        if rule.get('fwmask') and rule['fwmask'] != c.U32_MAX:
            mark += '/0x%x' % rule['fwmask']
        words += ['fwmark', mark]
    if rule.get('suppress_prefixlength') is not None:
        words += ['suppress_prefixlength', '%d' % rule['suppress_prefixlength']]
    if rule.get('action', 'lookup') == 'lookup':
        words += ['table', '%d' % rule['table']]
    else:
        words += ['type', rule['action']]
    return ' '.join(words)


def _is_address(word):
    try:
        ipaddress.ip_address(u'%s' % word)
        return True
    except ValueError:
        return False


def route_key(text, family):
    """What identifies an ipv4.routes / ipv6.routes entry, from its text (nmcli's or ours).
    A missing table is main (254), a missing metric the profile's default (None)."""
    words = text.split()
    if not words:
        return None
    dest = words.pop(0)
    if '/' not in dest:
        dest += '/32' if family == 4 else '/128'
    gateway = words.pop(0) if words and _is_address(words[0]) else None
    if gateway in ('0.0.0.0', '::'):
        gateway = None
    metric = int(words.pop(0)) if words and words[0].isdigit() else None
    attrs = dict(w.split('=', 1) for w in words if '=' in w)
    attrs.setdefault('table', '254')
    return (str(ipaddress.ip_network(u'%s' % dest, strict=False)), gateway, metric,
            tuple(sorted(attrs.items())))


FLAGS = ('not',)


def rule_key(text, family):
    """What identifies a routing-rules entry, from its text (nmcli's or ours)."""
    words = text.split()
    values = {}
    while words:
        word = words.pop(0)
        if word in FLAGS:
            values[word] = True
        elif words:
            values[word] = words.pop(0)
    for key in ('from', 'to'):
        if key in values:
            values[key] = _prefix(values[key], family)
            if values[key] is None:
                del values[key]
    values.pop('family', None)
    return tuple(sorted((k, str(v)) for k, v in values.items()))


# --------------------------------------------------------------------------- nmcli

class Nmcli(object):
    def __init__(self, module):
        self.module = module
        self.binary = module.get_bin_path('nmcli')

    def run(self, *args, **kwargs):
        if not self.binary:
            raise ModuleFailure('nmcli is not installed: NetworkManager cannot keep the routes and rules (nothing was written)')
        rc, out, err = self.module.run_command([self.binary, '-e', 'no'] + list(args))
        if rc != 0 and not kwargs.get('allow_fail'):
            raise ModuleFailure('nmcli %s failed (rc %d): %s' % (' '.join(args), rc, (err or out).strip()))
        return rc, out

    def running(self):
        if not self.binary:
            return False
        rc, out = self.run('-g', 'RUNNING', 'general', allow_fail=True)
        return rc == 0 and out.strip() == 'running'

    def active_connection(self, interface):
        """(uuid, connection id) of the profile active on the interface; fail loudly when there is none."""
        if not self.running():
            raise ModuleFailure('NetworkManager is not running on this host: it cannot keep the routes and rules '
                                'of %s (nothing was written)' % interface)
        rc, out = self.run('-g', 'GENERAL.STATE,GENERAL.CON-UUID', 'device', 'show', interface, allow_fail=True)
        lines = out.splitlines() + ['', '']
        if rc != 0:
            raise ModuleFailure('NetworkManager does not know the interface %s (nmcli device show: rc %d); '
                                'nothing was written' % (interface, rc))
        state, uuid = lines[0].strip(), lines[1].strip()
        if not uuid:
            raise ModuleFailure('NetworkManager does not manage %s with an active connection profile (device state: '
                                '%s); nothing was written' % (interface, state or 'unknown'))
        return uuid

    def device_uuid(self, interface):
        """The active profile of the interface, or None (not known, not managed, not active)."""
        if not self.running():
            return None
        rc, out = self.run('-g', 'GENERAL.CON-UUID', 'device', 'show', interface, allow_fail=True)
        return (out.strip() or None) if rc == 0 else None

    def exists(self, uuid):
        rc, _out = self.run('-g', 'connection.uuid', 'connection', 'show', uuid, allow_fail=True)
        return rc == 0

    def entries(self, uuid, prop):
        _rc, out = self.run('-g', prop, 'connection', 'show', uuid)
        return [e.strip() for e in out.strip().split(', ') if e.strip()]


def _props(family):
    return 'ipv%d.routes' % family, 'ipv%d.routing-rules' % family


# --------------------------------------------------------------------------- record

def record_path(interface, name):
    return os.path.join(RECORD_DIR, '%s.%s.json' % (interface, name))


def load_record(path):
    text = _managers.read_file(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data.get('connection'), str):
            raise ValueError('no connection')
        return data
    except (ValueError, AttributeError) as exc:
        raise ModuleFailure('%s is not a record this module wrote (%s); remove it by hand' % (path, exc))


def save_record(path, data):
    _files.write_atomically(path, json.dumps(data, indent=2, sort_keys=True) + '\n')


# --------------------------------------------------------------------------- plan

def _texts(entries, kind):
    """[(family, text)] of built routes or rules."""
    render = route_text if kind == 'routes' else rule_text
    return [(e['family'], render(e)) for e in entries]


def plan(profile, wanted, recorded):
    """One property of one profile.
    profile: texts in the profile now; wanted: our texts; recorded: our texts recorded earlier.
    -> (remove: profile texts, add: our texts, ours: texts to record)."""
    family, keyf = wanted['family'], wanted['key']
    in_profile = dict((keyf(t, family), t) for t in profile)
    want_keys = dict((keyf(t, family), t) for t in wanted['texts'])
    rec_keys = set(keyf(t, family) for t in recorded)
    remove = [in_profile[k] for k in rec_keys if k in in_profile and k not in want_keys]
    add = [t for k, t in want_keys.items() if k not in in_profile]
    ours = [t for k, t in want_keys.items() if k not in in_profile or k in rec_keys]
    return sorted(remove), sorted(add), sorted(ours)


def _kernel_has(routes, rules):
    return _networkd._present(routes, rules)


def _kernel_lacks(routes, rules):
    """None of these routes and rules is in the kernel (by identity)."""
    with Netlink() as nl:
        for route in routes:
            if any(_route.same_identity(item, route) for item in nl.routes(family=route['family'], table=route['table'], dest=route['dest'])):
                return False
        kernel_rules = nl.rules() if rules else []
        for rule in rules:
            if any(_rule.same_identity(item, rule) for item in kernel_rules):
                return False
    return True


def _wait(check, timeout):
    deadline = time.time() + timeout
    while True:
        if check():
            return True
        if time.time() >= deadline:
            return False
        time.sleep(0.2)


# A reapply NetworkManager took without making it live (once seen with NetworkManager 1.42, for
# the second of two NICs reapplied back to back) is issued again after this many seconds.
REAPPLY_AGAIN = 8


def reapply_until(nmcli, interface, check, timeout, again=REAPPLY_AGAIN):
    """``nmcli device reapply interface``, issued again every ``again`` seconds while check() is
    false, until ``timeout`` s have passed.  -> how many reapplies it took, or None (never live)."""
    deadline = time.time() + timeout
    count = 0
    while True:
        nmcli.run('device', 'reapply', interface)
        count += 1
        if _wait(check, max(0.0, min(again, deadline - time.time()))):
            return count
        if time.time() >= deadline:
            return None


def _built_from_texts(texts, kind):
    """Route/rule dicts (for the kernel check) of recorded texts."""
    out = []
    for family, text in texts:
        key = route_key(text, family) if kind == 'routes' else rule_key(text, family)
        if kind == 'routes':
            dest, gateway, metric, attrs = key
            attrs = dict(attrs)
            out.append(dict(family=family, dest='default' if dest.endswith('/0') else dest, table=int(attrs['table']),
                            metric=metric or 0, tos=0))
        else:
            values = dict(key)
            entry = dict((k, None) for k in _rule.IDENTITY)
            entry.update(family=family, priority=int(values['priority']),
                         table=int(values['table']) if 'table' in values else None,
                         action=values.get('type', 'lookup'), tos=0, invert=bool(values.get('not')),
                         suppress_prefixlength=int(values['suppress_prefixlength']) if 'suppress_prefixlength' in values else None)
            for k in ('from', 'to', 'iif', 'oif'):
                entry[k] = values.get(k)
            out.append(entry)
    return out


# --------------------------------------------------------------------------- run

def build(params):
    """Validate -> (interface, name, [route dicts], [rule dicts]), as networkd_dropin does."""
    for i, entry in enumerate(params['routes'] or []):
        if entry.get('proto') is not None:
            raise c.ValidationError('routes[%d]: proto=%r: NetworkManager installs its routes with protocol '
                                    'static and cannot set another; leave proto out' % (i, entry['proto']))
    return _networkd.build(params)


def _put_back(nmcli, interface, edits, path, recorded, guard, timeout):
    """The profiles and the record as they were before the task, made live again: every
    `connection modify` taken back (each + a -, each - a +), reapplied.  -> what was done."""
    for target, args in edits.items():
        inverse = []
        for flag, text in zip(args[0::2], args[1::2]):
            inverse += [('+' if flag[0] == '-' else '-') + flag[1:], text]
        nmcli.run('connection', 'modify', target, *inverse)
    if recorded is not None:
        save_record(path, recorded)
    else:
        _files.remove(path, prune=[RECORD_DIR, STATE_DIR])
    nmcli.run('device', 'reapply', interface)
    _wait(lambda: _guard.moved_quietly(guard) is None, timeout)
    return ('the entries of profile %s were put back as they were and NetworkManager reapplied them '
            '(nmcli device reapply %s)' % (', '.join(sorted(edits)), interface))


def run(module):
    params = module.params
    interface, name, routes, rules = build(params)
    guard = _guard.session(params)
    present = params['state'] == 'present'
    path = record_path(interface, name)
    nmcli = Nmcli(module)
    recorded = load_record(path)
    result = {'changed': False, 'differences': [], 'interface': interface, 'record': path}

    if present:
        uuid = nmcli.active_connection(interface)
    elif recorded is None:
        result.update(connection=None, added={'routes': [], 'rules': []}, removed={'routes': [], 'rules': []},
                      reapplied=False, guard=_guard.summary(guard))
        if module._diff:
            result['diff'] = {'before': '', 'after': ''}
        return result
    else:
        uuid = recorded['connection']
        if not nmcli.running():
            raise ModuleFailure('NetworkManager is not running on this host: the entries recorded in %s cannot be '
                                'removed from profile %s (nothing was changed)' % (path, uuid))
    result['connection'] = uuid

    wanted = {'routes': _texts(routes, 'routes'), 'rules': _texts(rules, 'rules')}
    old = {'routes': [tuple(e) for e in (recorded or {}).get('routes', [])],
           'rules': [tuple(e) for e in (recorded or {}).get('rules', [])]}
    # A record for another profile (the interface got another one): take our entries out of that one.
    stale_uuid = recorded['connection'] if present and recorded and recorded['connection'] != uuid else None

    edits = {}      # uuid -> nmcli modify arguments
    added = {'routes': [], 'rules': []}
    removed = {'routes': [], 'rules': []}
    ours = {'routes': [], 'rules': []}
    before_lines, after_lines = [], []
    targets = [(uuid, wanted if present else {'routes': [], 'rules': []}, old if not stale_uuid else
                {'routes': [], 'rules': []})]
    if stale_uuid:
        targets.append((stale_uuid, {'routes': [], 'rules': []}, old))
    for target, want, rec in targets:
        if target != uuid and not nmcli.exists(target):
            continue
        if not present and not nmcli.exists(target):
            continue
        args = []
        for family in (4, 6):
            for kind, prop, keyf in (('routes', _props(family)[0], route_key), ('rules', _props(family)[1], rule_key)):
                w = [t for f, t in want[kind] if f == family]
                r = [t for f, t in rec[kind] if f == family]
                if not w and not r:
                    continue
                profile = nmcli.entries(target, prop)
                if target == uuid:
                    before_lines.extend('%s: %s' % (prop, t) for t in profile)
                rm, add, keep = plan(profile, {'family': family, 'key': keyf, 'texts': w}, r)
                args += sum([['-' + prop, t] for t in rm], []) + sum([['+' + prop, t] for t in add], [])
                if target == uuid:
                    after_profile = [t for t in profile if t not in rm] + add
                    after_lines.extend('%s: %s' % (prop, t) for t in after_profile)
                    ours[kind].extend((family, t) for t in keep)
                removed[kind].extend((family, t) for t in rm)
                added[kind].extend((family, t) for t in add)
        if args:
            edits[target] = args

    warnings = []
    for family in sorted(set(r['family'] for r in routes if r.get('src'))):
        method = nmcli.entries(uuid, 'ipv%d.method' % family)
        if method and method[0] in ('auto', 'dhcp'):
            warnings.append('routes with src on %s: its profile gets the address by DHCP (ipv%d.method %s), and '
                            'NetworkManager adds static routes on activation before that address is there; a route '
                            'whose src is not yet local fails and is not retried (NetworkManager 1.42), so it is '
                            'missing after `nmcli connection up` - leave src out where a rule selects the source'
                            % (interface, family, method[0]))
    if warnings:
        result['warnings'] = warnings

    new_record = None
    if present:
        new_record = {'connection': uuid, 'interface': interface, 'name': name,
                      'routes': [list(e) for e in sorted(ours['routes'])],
                      'rules': [list(e) for e in sorted(ours['rules'])]}
        if not new_record['routes'] and not new_record['rules']:
            new_record = None
    record_changes = (new_record != recorded)

    # The profile may hold everything while the kernel does not (someone deleted a route).
    live_uuid = nmcli.device_uuid(interface)
    needs_live = present and live_uuid == uuid and not edits and not _kernel_has(routes, rules)
    tracker = DifferenceTracker()
    for kind in ('routes', 'rules'):
        if added[kind] or removed[kind]:
            tracker.add(kind, [t for f, t in removed[kind]], [t for f, t in added[kind]])
    tracker.compare('record', recorded, new_record)
    if needs_live:
        tracker.add('live', False, True)
    changed = tracker.report(result)['changed']
    result.update(added=dict((k, [t for f, t in v]) for k, v in added.items()),
                  removed=dict((k, [t for f, t in v]) for k, v in removed.items()),
                  reapplied=False)
    if module._diff:
        result['diff'] = {'before': '\n'.join(before_lines) + ('\n' if before_lines else ''),
                          'after': '\n'.join(after_lines) + ('\n' if after_lines else ''),
                          'before_header': 'connection %s' % uuid, 'after_header': 'connection %s' % uuid}
    _guard.arm_quietly(guard)
    result['guard'] = _guard.summary(guard)
    if not changed or module.check_mode:
        return result

    for target, args in edits.items():
        nmcli.run('connection', 'modify', target, *args)
    if new_record is not None:
        save_record(path, new_record)
    else:
        _files.remove(path, prune=[RECORD_DIR, STATE_DIR])

    if params['reapply'] and live_uuid is not None and (live_uuid in edits or needs_live):
        # A removed entry replaced by one with the same identity (another gateway, src, ...) stays.
        gone_routes = [g for g in _built_from_texts(removed['routes'], 'routes')
                       if not any(_route.same_identity(g, w) for w in routes)]
        gone_rules = [g for g in _built_from_texts(removed['rules'], 'rules')
                      if not any(_rule.same_identity(g, w) for w in rules)]
        count = reapply_until(nmcli, interface,
                              lambda: (not present or _kernel_has(routes, rules)) and _kernel_lacks(gone_routes, gone_rules),
                              params['timeout'])
        result['reapplied'] = True
        if count is None:
            raise ModuleFailure('NetworkManager did not make the routes and rules of %s live within %d s after '
                                '`nmcli device reapply %s` (issued every %d s); see `journalctl -u NetworkManager`'
                                % (interface, params['timeout'], interface, REAPPLY_AGAIN))
        if count > 1:
            result.setdefault('warnings', []).append(
                'NetworkManager made the entries of %s live only after `nmcli device reapply` was issued %d times'
                % (interface, count))
        if guard['active']:
            _guard.check_live(
                guard, routes, 'the profile entries',
                lambda: _put_back(nmcli, interface, edits, path, recorded, guard, params['timeout']))
    return result
