# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.route module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._iproute2_names import COLLECTION_PROTO_ID
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

ROUTE_TYPES = ['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw']
SCOPES = ['global', 'site', 'link', 'host', 'nowhere']
IPV6_DEFAULT_METRIC = 1024  # the kernel stores IPv6 metric 0 as 1024 (IP6_RT_PRIO_USER)
# Compared whenever the route is present; `dev` only when given (the kernel derives it from
# the gateway otherwise), `proto` only when given.
COMPARED = ('gateway', 'src', 'scope', 'type', 'mtu', 'onlink')

NEXTHOP_SPEC = dict(
    gateway=dict(type='str'),
    dev=dict(type='str'),
    weight=dict(type='int', default=1),
    onlink=dict(type='bool', default=False),
)

ARGUMENT_SPEC = dict(
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
    onlink=dict(type='bool', default=False),
    mtu=dict(type='int'),
    nexthops=dict(type='list', elements='dict', options=NEXTHOP_SPEC),
    family=dict(type='str', choices=['ipv4', 'ipv6']),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)
ARGUMENT_SPEC.update(c.netns_spec())

MODULE_KWARGS = dict(
    argument_spec=ARGUMENT_SPEC,
    supports_check_mode=True,
    mutually_exclusive=[('nexthops', 'gateway'), ('nexthops', 'dev')],
)


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


def build(params):
    """Validate every option and return the wanted route as the adapter's plain dict."""
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
    route = {
        'family': family, 'table': table, 'dest': dest, 'metric': metric or 0,
        'tos': params['tos'],
    }
    if params['state'] == 'absent':
        return route

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
    if params['onlink'] and not gateway:
        raise c.ValidationError('onlink=true needs a gateway (for nexthops, set onlink per hop)')
    mtu = params.get('mtu')
    if mtu is not None:
        low = 1280 if family == 6 else 68
        if not low <= mtu <= 65535:
            raise c.ValidationError('mtu=%r is out of range for IPv%d (%d..65535)' % (mtu, family, low))
    scope = params.get('scope')
    if scope is None:
        # what `ip route add` picks
        scope = 'link' if rtype == 'unicast' and dev and not gateway and not nexthops else 'global'
    proto = c.resolve_proto(params['proto'], 'proto') if params.get('proto') is not None else None
    route.update({
        'type': rtype, 'gateway': gateway, 'dev': dev, 'src': src, 'scope': scope,
        'onlink': bool(params['onlink']), 'mtu': mtu, 'nexthops': nexthops,
        'proto': proto if proto is not None else COLLECTION_PROTO_ID,
    })
    return route, proto is not None


def same_identity(a, b):
    return all(a[k] == b[k] for k in ('family', 'table', 'dest', 'metric', 'tos'))


def _hops(nexthops, with_dev):
    return sorted((h['gateway'] or '', (h['dev'] or '') if with_dev else '', h['weight'],
                   bool(h.get('onlink'))) for h in (nexthops or []))


def differences(current, wanted, compare_proto):
    """Names of the attributes in which the kernel's route differs from the wanted one."""
    diff = [k for k in COMPARED if current.get(k) != wanted.get(k)]
    if wanted.get('dev') and current.get('dev') != wanted['dev']:
        diff.append('dev')
    hop_devs = any(h['dev'] for h in wanted.get('nexthops') or [])
    if _hops(current.get('nexthops'), hop_devs) != _hops(wanted.get('nexthops'), hop_devs):
        diff.append('nexthops')
    if compare_proto and current.get('proto') != wanted['proto']:
        diff.append('proto')
    return diff


def check_devices(nl, route):
    devs = [('dev', route.get('dev'))] + [
        ('nexthops[%d].dev' % i, h['dev']) for i, h in enumerate(route.get('nexthops') or [])]
    for option, dev in devs:
        if dev and nl.index_of(dev) is None:
            raise c.ValidationError('%s=%r: no such interface in %s' % (option, dev, nl.where))


def find(nl, route):
    for item in nl.routes(family=route['family'], table=route['table']):
        if same_identity(item, route):
            return item
    return None


def run(module):
    params = module.params
    built = build(params)
    wanted, compare_proto = (built, False) if params['state'] == 'absent' else built
    result = {'changed': False}
    with Netlink(params.get('netns')) as nl:
        if params['state'] == 'present':
            check_devices(nl, wanted)
        current = find(nl, wanted)
        after = current
        if params['state'] == 'present':
            diff = differences(current, wanted, compare_proto) if current else ['absent']
            if diff:
                result['changed'] = True
                result['differences'] = diff
                if not module.check_mode:
                    nl.replace_route(wanted)
                    after = find(nl, wanted)
                else:
                    after = wanted
        elif current:
            result['changed'] = True
            after = None
            if not module.check_mode:
                nl.delete_route(current)
                after = find(nl, wanted)
    result['route'] = after
    if module._diff:
        result['diff'] = c.diff_of(current, after)
    return result
