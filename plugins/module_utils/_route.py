# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.route module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import ipaddress

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec, netns_spec
from ansible_collections.multinic.routing.plugins.module_utils._differences import ABSENT, PRESENT, DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._iproute2_names import (
    COLLECTION_PROTO_ID,
    proto_names,
)
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

ROUTE_TYPES = ['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw']
SCOPES = ['global', 'site', 'link', 'host', 'nowhere']
IPV6_DEFAULT_METRIC = 1024  # the kernel stores IPv6 metric 0 as 1024 (IP6_RT_PRIO_USER)
IDENTITY = ('family', 'table', 'dest', 'metric', 'tos')
# What is compared with the kernel's route, in this order - each only when the user gave it,
# except `type`, which is always compared (not given: unicast).
COMPARABLE = ('type', 'gateway', 'dev', 'src', 'scope', 'mtu', 'onlink', 'nexthops', 'proto')
ADDRESS_KEYS = ('gateway', 'src')

NEXTHOP_SPEC = dict(
    gateway=dict(type='str'),
    dev=dict(type='str'),
    weight=dict(type='int', default=1),
    onlink=dict(type='bool', default=False),
)

SPEC = ArgumentSpec(dict(
    dest=dict(type='str', required=True),
    gateway=dict(type='str'),
    dev=dict(type='str'),
    src=dict(type='str'),
    table=dict(type='str', default='main'),
    metric=dict(type='int'),
    tos=dict(type='int', default=0),
    scope=dict(type='str', choices=SCOPES),
    proto=dict(type='str'),
    type=dict(type='str', default='unicast', choices=ROUTE_TYPES),
    onlink=dict(type='bool'),
    mtu=dict(type='int'),
    nexthops=dict(type='list', elements='dict', options=NEXTHOP_SPEC),
    family=dict(type='str', choices=['ipv4', 'ipv6']),
    force=dict(type='bool', default=False),
    state=dict(type='str', default='present', choices=['present', 'absent']),
), mutually_exclusive=[('nexthops', 'gateway'), ('nexthops', 'dev')]).merge(netns_spec())


def _family(params):
    """The address family, from dest, else the addresses given, else `family`."""
    seen = {}
    if params['dest'].strip() != 'default':
        seen['dest'] = c.parse_prefix(params['dest'], 'dest', allow_default=True)[1]
    for key in ('gateway', 'src'):
        if params.get(key):
            seen[key] = c.parse_address(params[key], key).count(':') and 6 or 4
    for i, hop in enumerate(params.get('nexthops') or []):
        if hop.get('gateway'):
            seen['nexthops[%d].gateway' % i] = c.parse_address(hop['gateway'], 'gateway').count(':') and 6 or 4
    if params.get('family'):
        seen['family'] = 6 if params['family'] == 'ipv6' else 4
    families = set(seen.values())
    if len(families) > 1:
        raise c.ValidationError('the addresses mix IPv4 and IPv6: %s' % ', '.join(
            '%s is IPv%d' % (k, v) for k, v in sorted(seen.items())))
    return families.pop() if families else 4


def owners(params):
    """Protocol ids whose routes this task may replace or delete without force=true."""
    ours = set([COLLECTION_PROTO_ID])
    if params.get('proto') is not None:
        ours.add(c.resolve_proto(params['proto'], 'proto'))
    return ours


def build(params):
    """Validate every option; return (route, given).

    ``route`` is the route to write, in the adapter's plain-dict shape (for state=absent only
    its identity); ``given`` is the tuple of COMPARABLE keys the user set, the only ones
    compared with the kernel's route.
    """
    family = _family(params)
    dest = c.parse_prefix(params['dest'], 'dest', family=family, allow_default=True)[0]
    table = c.resolve_table(params['table'], 'table')
    metric = params.get('metric')
    if metric is not None and not 0 <= metric <= c.U32_MAX:
        raise c.ValidationError('metric=%r is out of range (0..%d)' % (metric, c.U32_MAX))
    if not metric and family == 6:
        metric = IPV6_DEFAULT_METRIC
    if not 0 <= params['tos'] <= 255:
        raise c.ValidationError('tos=%r is out of range (0..255)' % params['tos'])
    if params['tos'] and family == 6:
        raise c.ValidationError('tos=%r: IPv6 routes have no TOS key (the kernel ignores or '
                                'refuses it); remove tos from this IPv6 route' % params['tos'])
    if params.get('proto') is not None:
        c.resolve_proto(params['proto'], 'proto')
    route = {
        'family': family, 'table': table, 'dest': dest, 'metric': metric or 0,
        'tos': params['tos'],
    }
    if params['state'] == 'absent':
        return route, ()

    rtype = params['type']
    gateway = c.parse_address(params['gateway'], 'gateway', family) if params.get('gateway') else None
    src = c.parse_address(params['src'], 'src', family) if params.get('src') else None
    dev = c.check_ifname(params['dev'], 'dev') if params.get('dev') else None
    nexthops = None
    if params.get('nexthops'):
        nexthops = []
        for i, hop in enumerate(params['nexthops']):
            where = 'nexthops[%d]' % i
            if not hop.get('gateway') and not hop.get('dev'):
                raise c.ValidationError('%s needs a gateway or a dev' % where)
            if not 1 <= hop['weight'] <= 256:
                raise c.ValidationError('%s.weight=%r is out of range (1..256)' % (where, hop['weight']))
            nexthops.append({
                'gateway': c.parse_address(hop['gateway'], where + '.gateway', family) if hop.get('gateway') else None,
                'dev': c.check_ifname(hop['dev'], where + '.dev') if hop.get('dev') else None,
                'weight': hop['weight'],
                'onlink': bool(hop.get('onlink')),
            })
        if len(nexthops) == 1:
            raise c.ValidationError('nexthops has one entry; use gateway/dev for a single next hop')
    if rtype != 'unicast':
        given = [k for k in ('gateway', 'dev', 'nexthops') if params.get(k)]
        if given:
            raise c.ValidationError('type=%s routes have no next hop; remove %s' % (rtype, ', '.join(given)))
    elif not (gateway or dev or nexthops):
        raise c.ValidationError('a unicast route needs gateway, dev or nexthops (dest=%s)' % dest)
    if params.get('onlink') and not gateway:
        raise c.ValidationError('onlink=true needs a gateway (for nexthops, set onlink per hop)')
    mtu = params.get('mtu')
    if mtu is not None:
        low = 1280 if family == 6 else 68
        if not low <= mtu <= 65535:
            raise c.ValidationError('mtu=%r is out of range for IPv%d (%d..65535)' % (mtu, family, low))
    scope = params.get('scope')
    if family == 6:
        if scope not in (None, 'global'):
            raise c.ValidationError('scope=%s: the kernel keeps no scope for IPv6 routes (every '
                                    'IPv6 route reads scope global); remove scope from this '
                                    'IPv6 route' % scope)
        scope = 'global'
    elif scope is None:
        # what `ip route add` picks
        scope = 'link' if rtype == 'unicast' and dev and not gateway and not nexthops else 'global'
    proto = c.resolve_proto(params['proto'], 'proto') if params.get('proto') is not None else None
    route.update({
        'type': rtype, 'gateway': gateway, 'dev': dev, 'src': src, 'scope': scope,
        'onlink': bool(params.get('onlink')), 'mtu': mtu, 'nexthops': nexthops,
        'proto': proto if proto is not None else COLLECTION_PROTO_ID,
    })
    given = tuple(k for k in COMPARABLE if k == 'type' or params.get(k) is not None)
    return route, given


def same_identity(a, b):
    return all(a[k] == b[k] for k in IDENTITY)


def _address(value):
    """Canonical text of an address from the kernel or the user (None stays None)."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value


def _hops(nexthops, with_dev):
    return sorted((_address(h['gateway']) or '', (h['dev'] or '') if with_dev else '', h['weight'],
                   bool(h.get('onlink'))) for h in (nexthops or []))


def differences(current, wanted, given):
    """A DifferenceTracker of the given attributes in which the kernel's route differs from the
    wanted one.

    Attributes the user did not give are not compared at all: a connected route's `src`, the
    `pref` or `expires` a network manager adds, a `dev` the kernel derived from the gateway.
    """
    tracker = DifferenceTracker()
    for key in given:
        if key == 'nexthops':
            hop_devs = any(h['dev'] for h in wanted.get('nexthops') or [])
            differs = _hops(current.get('nexthops'), hop_devs) != _hops(wanted.get('nexthops'), hop_devs)
        elif key in ADDRESS_KEYS:
            differs = _address(current.get(key)) != _address(wanted.get(key))
        else:
            differs = current.get(key) != wanted.get(key)
        if differs:
            tracker.add(key, current.get(key), wanted.get(key))
    return tracker


def proto_label(number):
    """A route protocol the way `ip route` names it, with its number: `kernel (2)`."""
    if number is None:
        return 'unspec (0)'
    found = sorted(name for name, value in proto_names().items() if value == number)
    return '%s (%d)' % (found[0], number) if found else str(number)


def _value(route, key):
    value = route.get(key)
    if key == 'nexthops' and value:
        return ', '.join('%s dev %s weight %s' % (h.get('gateway') or '-', h.get('dev') or '-',
                                                  h.get('weight')) for h in value)
    if key == 'proto':
        return proto_label(value)
    return 'not set' if value is None else str(value)


def describe(route):
    return '%s (table %s, metric %s%s)' % (route['dest'], route['table'], route['metric'],
                                           ', tos %s' % route['tos'] if route['tos'] else '')


def foreign_refusal(current, wanted, diff, params):
    return ('route %s exists and belongs to another owner, proto %s - not this collection '
            '(proto %s)%s. It differs from the task in %s. Not replaced: another owner\'s '
            'route (the kernel\'s connected route, a DHCP or router-advertisement route, a '
            'network manager\'s or routing daemon\'s) is only replaced with force=true (the '
            'result then reports previous_proto), or give proto=%s if this task owns routes of '
            'that protocol'
            % (describe(current), proto_label(current.get('proto')),
               proto_label(COLLECTION_PROTO_ID),
               ' nor the given proto=%s' % params['proto'] if params.get('proto') is not None else '',
               '; '.join('%s (kernel: %s, task: %s)' % (k, _value(current, k), _value(wanted, k))
                         for k in diff),
               proto_label(current.get('proto')).split(' ')[0]))


def check_devices(nl, route):
    devs = [('dev', route.get('dev'))] + [
        ('nexthops[%d].dev' % i, h['dev']) for i, h in enumerate(route.get('nexthops') or [])]
    for option, dev in devs:
        if dev and nl.index_of(dev) is None:
            raise c.ValidationError('%s=%r: no such interface in %s' % (option, dev, nl.where))


def find(nl, route):
    # the kernel filters the dump by table; the adapter decodes only the routes to this dest
    for item in nl.routes(family=route['family'], table=route['table'], dest=route['dest']):
        if same_identity(item, route):
            return item
    return None


def _derived_dev(nl, gateway):
    """The device the kernel picks for a gateway given without one: the device of the
    directly connected route that holds it (None when there is none; the write then fails)."""
    try:
        found = nl.route_get(gateway)
    except NetlinkFailure:
        return None
    if found.get('gateway') or found.get('type') != 'unicast':
        return None
    return found.get('dev')


def predict(nl, wanted):
    """The route as the kernel will report it once ``wanted`` is written (for check mode).

    The kernel fills in what the request leaves out: the device of a gateway given without
    one, ``dev lo`` on IPv6 routes without a next hop (blackhole, unreachable, ...), scope
    global on every IPv6 route.
    """
    route = dict(wanted)
    if wanted['family'] == 6:
        route['scope'] = 'global'
        if wanted['type'] != 'unicast':
            route['dev'] = 'lo'
    if wanted['type'] == 'unicast' and wanted.get('gateway') and not wanted.get('dev'):
        route['dev'] = _derived_dev(nl, wanted['gateway'])
    if wanted.get('nexthops'):
        route['nexthops'] = [
            dict(h, dev=h['dev'] or (_derived_dev(nl, h['gateway']) if h['gateway'] else None))
            for h in wanted['nexthops']]
    return route


def plan(params, wanted, given, current):
    """What one task does to the kernel's route ``current`` (None: there is none) - decided
    without writing anything, so an aggregate can plan every entry before the first write.

    Returns a dict: ``tracker`` (the DifferenceTracker), ``write`` ('replace', 'delete' or
    None), ``previous_proto`` when an existing route is replaced or deleted, ``warnings``.
    Raises ValidationError for a route of another owner that differs (unless force=true).
    """
    ours = owners(params)
    force = bool(params.get('force'))
    step = {'tracker': DifferenceTracker(), 'write': None, 'warnings': []}
    if params['state'] == 'present':
        if current:
            step['tracker'] = differences(current, wanted, given)
        else:
            step['tracker'].add(ABSENT, None, wanted)
        if not step['tracker'].empty:
            if current and current.get('proto') not in ours and not force:
                raise c.ValidationError(foreign_refusal(current, wanted, step['tracker'].names(), params))
            if current:
                step['previous_proto'] = current.get('proto')
            step['write'] = 'replace'
    elif current:
        if current.get('proto') in ours or force:
            step['tracker'].add(PRESENT, current, None)
            step['previous_proto'] = current.get('proto')
            step['write'] = 'delete'
        else:
            step['warnings'].append(
                'kept route %s: it belongs to another owner, proto %s (not %s); '
                'state=absent deletes only this collection\'s routes and those of the given '
                'proto, unless force=true' % (
                    describe(current), proto_label(current.get('proto')),
                    ' or '.join(proto_label(p) for p in sorted(ours))))
    return step


def write(nl, step, wanted, current):
    """Carry out a plan() step: the one netlink write it needs, if any."""
    if step['write'] == 'replace':
        nl.replace_route(wanted)
    elif step['write'] == 'delete':
        try:
            nl.delete_route(current)
        except NetlinkFailure as exc:
            # gone since it was read (a network manager removing the route it kept, after its
            # reload): absent, as wanted
            if exc.code != errno.ESRCH:
                raise


def predicted(nl, step, wanted, current):
    """The route after a plan() step, as check mode reports it (None: no route)."""
    if step['write'] == 'replace':
        return predict(nl, wanted)
    if step['write'] == 'delete':
        return None
    return current


def run(module):
    params = module.params
    wanted, given = build(params)
    result = {}
    with Netlink(params.get('netns')) as nl:
        if params['state'] == 'present':
            check_devices(nl, wanted)
        current = find(nl, wanted)
        step = plan(params, wanted, given, current)
        if module.check_mode or not step['write']:
            after = predicted(nl, step, wanted, current)
        else:
            write(nl, step, wanted, current)
            after = find(nl, wanted)
    if 'previous_proto' in step:
        result['previous_proto'] = step['previous_proto']
    if step['warnings']:
        result['warnings'] = step['warnings']
    step['tracker'].report(result)
    result['route'] = after
    if module._diff:
        result['diff'] = c.diff_of(current, after)
    return result
