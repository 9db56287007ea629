# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.networkd_dropin module: routes and rules owned by
systemd-networkd through a drop-in for the .network file that configures an interface.

PRIVATE: internal to multinic.routing, not a public API.

Why a drop-in: systemd-networkd removes routes and rules it did not create whenever it
configures a link (ManageForeignRoutes=, ManageForeignRoutingPolicyRules=), i.e. on
`networkctl reload`/`reconfigure`, `netplan apply` and every restart. What it creates from its
own configuration it keeps and re-creates, at boot too. The drop-in goes next to the .network
file networkd really uses for the link (read from networkd's runtime state, so a file that
shadows another is never a problem), in /etc/systemd/network/<file>.network.d/, which
`netplan generate` never touches. Routes carry Protocol=241 (multinic), like the route module's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import time

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._differences import PRESENT, DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _managers
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

ETC = '/etc/systemd/network'
NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+\Z')
FILE_MODE = 0o644
HEADER = ('# Managed by multinic.routing (multinic.routing.networkd_dropin, name %s): routes and '
          'rules of %s.\n# Changes made here are overwritten; remove it with state=absent.\n')
RULE_ACTIONS = ['lookup', 'blackhole', 'unreachable', 'prohibit']


# What a networkd [Route] / [RoutingPolicyRule] section can express: the route's and rule's
# options as the route and rule modules declare them (same names, types, defaults and choices),
# some of them changed for this module.
ROUTE_OPTIONS = _route.SPEC.options(('dest', 'gateway', 'src', 'table', 'metric', 'scope', 'proto',
                                     'type', 'onlink', 'mtu'))
RULE_OPTIONS = _rule.SPEC.options(('priority', 'from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'table',
                                   'action', 'suppress_prefixlength', 'invert', 'family'),
                                  priority={'required': True}, action={'choices': RULE_ACTIONS})

# The options networkd_dropin and nm_profile share (doc fragment multinic.routing.entries).
ENTRIES_SPEC = ArgumentSpec(dict(
    interface=dict(type='str', required=True),
    name=dict(type='str', required=True),
    routes=dict(type='list', elements='dict', options=ROUTE_OPTIONS, default=[]),
    rules=dict(type='list', elements='dict', options=RULE_OPTIONS, default=[]),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    timeout=dict(type='int', default=30),
))

SPEC = ENTRIES_SPEC.copy().update_argspec(reload=dict(type='bool', default=True)).merge(_guard.guard_spec())


# --------------------------------------------------------------------------- validation

def _first(built):
    return built[0] if isinstance(built, tuple) else built


def build_route(entry, interface, where):
    params = _route.SPEC.defaults()
    params.update(dict((k, v) for k, v in entry.items() if v is not None))
    params.update(dev=interface, state='present', netns=None)
    try:
        route = _first(_route.build(params))
    except c.ValidationError as exc:
        raise c.ValidationError('%s: %s' % (where, exc.msg))
    return route


def build_rule(entry, where):
    params = _rule.SPEC.defaults()
    params.update(dict((k, v) for k, v in entry.items() if v is not None))
    params.update(state='present', netns=None)
    try:
        rule = _first(_rule.build(params))
    except c.ValidationError as exc:
        raise c.ValidationError('%s: %s' % (where, exc.msg))
    return rule


def build(params):
    """Validate -> (interface, name, [route dicts], [rule dicts])."""
    interface = c.check_ifname(params['interface'], 'interface')
    name = params['name']
    if not NAME_RE.match(name or ''):
        raise c.ValidationError('name=%r: use letters, digits, "_", "-" and "." only' % (name,))
    if params['timeout'] < 1:
        raise c.ValidationError('timeout=%r must be at least 1 (seconds)' % (params['timeout'],))
    routes = [build_route(entry, interface, 'routes[%d]' % i)
              for i, entry in enumerate(params['routes'] or [])]
    rules = [build_rule(entry, 'rules[%d]' % i) for i, entry in enumerate(params['rules'] or [])]
    if params['state'] == 'present' and not routes and not rules:
        raise c.ValidationError('state=present needs at least one entry in routes or rules')
    return interface, name, routes, rules


# --------------------------------------------------------------------------- rendering

def _yes(value):
    return 'yes' if value else 'no'


def _any(family):
    return '0.0.0.0/0' if family == 4 else '::/0'


def render_route(route):
    dest = _any(route['family']) if route['dest'] == 'default' else route['dest']
    lines = ['[Route]', 'Destination=%s' % dest]
    if route.get('gateway'):
        lines.append('Gateway=%s' % route['gateway'])
    if route.get('onlink'):
        lines.append('GatewayOnLink=yes')
    if route.get('src'):
        lines.append('PreferredSource=%s' % route['src'])
    if route['table'] != 254:
        lines.append('Table=%d' % route['table'])
    if route.get('metric'):
        lines.append('Metric=%d' % route['metric'])
    if route['family'] == 4 and route.get('scope'):
        lines.append('Scope=%s' % route['scope'])
    if route.get('type', 'unicast') != 'unicast':
        lines.append('Type=%s' % route['type'])
    if route.get('mtu'):
        lines.append('MTUBytes=%d' % route['mtu'])
    lines.append('Protocol=%d' % route['proto'])
    return lines


def render_rule(rule):
    lines = ['[RoutingPolicyRule]', 'Priority=%d' % rule['priority'],
             'Family=ipv%d' % rule['family']]
    for key, option in (('from', 'From'), ('to', 'To'), ('iif', 'IncomingInterface'),
                        ('oif', 'OutgoingInterface')):
        if rule.get(key):
            lines.append('%s=%s' % (option, rule[key]))
    if rule.get('fwmark'):
        mark = '%d' % rule['fwmark']
        if rule.get('fwmask') and rule['fwmask'] != c.U32_MAX:
            mark += '/%d' % rule['fwmask']
        lines.append('FirewallMark=%s' % mark)
    if rule.get('action') == 'lookup':
        lines.append('Table=%d' % rule['table'])
    else:
        lines.append('Type=%s' % rule['action'])
    if rule.get('suppress_prefixlength') is not None:
        lines.append('SuppressPrefixLength=%d' % rule['suppress_prefixlength'])
    if rule.get('invert'):
        lines.append('InvertRule=yes')
    return lines


def render(interface, name, routes, rules):
    blocks = [render_route(r) for r in routes] + [render_rule(r) for r in rules]
    return HEADER % (name, interface) + ''.join('\n' + '\n'.join(b) + '\n' for b in blocks)


# --------------------------------------------------------------------------- files

def file_name(name):
    return '60-multinic-%s.conf' % name


def dropin_path(network_file, name):
    return os.path.join(ETC, os.path.basename(network_file) + '.d', file_name(name))


def ours_for(interface, name):
    """Drop-ins this module wrote for the interface under that name, wherever they are (the
    .network file that configures the interface may have changed since)."""
    found = []
    for path in sorted(glob.glob(os.path.join(ETC, '*.network.d', file_name(name)))):
        content = _managers.read_file(path)
        if content is not None and content.startswith(HEADER % (name, interface)):
            found.append(path)
    return found


# --------------------------------------------------------------------------- networkd

def network_file_of(interface):
    """The .network file networkd uses for the interface; fail loudly when it uses none."""
    with Netlink() as nl:
        index = nl.index_of(interface)
    if index is None:
        raise c.ValidationError("interface=%r: no such interface in the host's namespace" % (interface,))
    daemons = _managers.running_daemons()
    if not daemons.get(_managers.NETWORKD):
        raise ModuleFailure('systemd-networkd is not running on this host: it cannot keep the routes '
                            'and rules of %s (nothing was written)' % interface)
    found = _managers.of_link(index, interface, daemons)
    if found['manager'] != _managers.NETWORKD:
        raise ModuleFailure('systemd-networkd does not configure %s: no .network file matches it (%s/%s '
                            'has no NETWORK_FILE, or the link is unmanaged); found manager: %s. Nothing '
                            'was written' % (interface, _managers.NETWORKD_LINKS, index, found['manager']))
    return index, found['network_file']


def _present(routes, rules):
    """Whether every route and rule is in the kernel (compared by identity)."""
    with Netlink() as nl:
        for route in routes:
            if not any(_route.same_identity(item, route)
                       for item in nl.routes(family=route['family'], table=route['table'], dest=route['dest'])):
                return False
        kernel_rules = nl.rules() if rules else []
        for rule in rules:
            if not any(_rule.same_identity(item, rule) for item in kernel_rules):
                return False
    return True


def link_state(index):
    """networkd's ADMIN_STATE of the link (configured, configuring, ...), None when it has none."""
    return _managers.networkd_link(index).get('ADMIN_STATE')


def _networkctl(module, *args):
    networkctl = module.get_bin_path('networkctl', required=True)
    rc, out, err = module.run_command([networkctl] + list(args))
    if rc != 0:
        raise ModuleFailure('networkctl %s failed (rc %d): %s' % (' '.join(args), rc, (err or out).strip()))


def _reload_and_settle(module, interface, index, ready, timeout):
    """`networkctl reload` (networkd reconfigures the links whose files changed), then wait
    until the link is configured again and ``ready()`` holds; one `networkctl reconfigure`
    when that does not come by itself. Never a reconfigure straight after the reload: two
    back to back while a DHCP address is being requested can leave systemd-networkd 252
    holding that address as "removing" for good, the NIC without it and `configuring`."""
    _networkctl(module, 'reload')
    for attempt in (1, 2):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if link_state(index) == 'configured' and ready():
                return True
            time.sleep(0.2)
        if attempt == 1:
            _networkctl(module, 'reconfigure', interface)
    return False


def reload(module, interface, index, routes, rules, timeout):
    """networkd configures the link from the changed drop-in and holds every route and rule."""
    if not _reload_and_settle(module, interface, index, lambda: _present(routes, rules), timeout):
        raise ModuleFailure('systemd-networkd did not configure %s with the drop-in within %d s, a `networkctl '
                            'reconfigure` included (link state %s); see `journalctl -u systemd-networkd`'
                            % (interface, 2 * timeout, link_state(index)))


def _put_back(module, interface, previous, guard, timeout):
    """The drop-in files as they were before the task, and networkd configuring the link from
    them again (reload, wait until it is configured and the path is back; reconfigure if not)."""
    for p, content in previous.items():
        if content is None:
            _files.remove(p, prune=[os.path.dirname(p)])
        else:
            _files.write_atomically(p, content, FILE_MODE)
    with Netlink() as nl:
        index = nl.index_of(interface)
    done = 'the drop-in files were put back as they were (%s) and ' % ', '.join(sorted(previous))
    if _reload_and_settle(module, interface, index, lambda: _guard.moved_quietly(guard) is None, timeout):
        return done + 'systemd-networkd configured %s from them again' % interface
    return done + ('systemd-networkd did not finish configuring %s from them within %d s (link state %s); '
                   'see `journalctl -u systemd-networkd`' % (interface, 2 * timeout, link_state(index)))


# --------------------------------------------------------------------------- run

def run(module):
    params = module.params
    interface, name, routes, rules = build(params)
    guard = _guard.session(params)
    result = {'interface': interface}
    present = params['state'] == 'present'
    index = None
    if present:
        index, network_file = network_file_of(interface)
        path = dropin_path(network_file, name)
        wanted = render(interface, name, routes, rules)
        stale = [p for p in ours_for(interface, name) if p != path]
        before = _managers.read_file(path)
        result.update(network_file=network_file, path=path)
        tracker = DifferenceTracker().compare_object('content', before, wanted)
        if stale:
            tracker.add('stale', stale, [])
    else:
        wanted = None
        stale = ours_for(interface, name)
        before = ''.join(_managers.read_file(p) or '' for p in stale) or None
        result['path'] = stale[0] if stale else None
        tracker = DifferenceTracker()
        if stale:
            tracker.add(PRESENT, stale, None)
    _guard.arm_quietly(guard)
    if tracker.report(result)['changed']:
        if not module.check_mode:
            previous = dict((p, _managers.read_file(p)) for p in stale + ([path] if present else []))
            for p in stale:
                _files.remove(p, prune=[os.path.dirname(p)])
            if present and before != wanted:
                _files.write_atomically(path, wanted, FILE_MODE)
            if params['reload'] and _managers.running_daemons().get(_managers.NETWORKD):
                if index is None:
                    with Netlink() as nl:
                        index = nl.index_of(interface)
                if index is not None:
                    reload(module, interface, index, routes, rules, params['timeout'])
                    result['reloaded'] = True
                    if guard['active']:
                        _guard.check_live(
                            guard, routes, 'the drop-in',
                            lambda: _put_back(module, interface, previous, guard, params['timeout']))
    result.setdefault('reloaded', False)
    result['guard'] = _guard.summary(guard)
    result['content'] = wanted
    if module._diff:
        result['diff'] = {'before': before or '', 'after': wanted or '',
                          'before_header': result['path'] or '', 'after_header': result['path'] or ''}
    return result
