# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reference the codec's own decoder is tested against: the same dicts made from pyroute2's
parse of a message (what the adapter used before it read every answer itself)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.routing.plugins.module_utils._rtnl_codec import (
    FAMILY_NUMBERS, FIB_RULE_INVERT, IFA_F_PERMANENT, IFF_UP, ROUTE_TYPE_NAMES, RTNH_F_ONLINK,
    RULE_ACTION_NAMES, SCOPE_NAMES, _prefix, _unset_if_all_ones)


def _attr(msg, name, default=None):
    value = msg.get_attr(name)
    return default if value is None else value


def decode_link(m):
    """A link: index, name, kind, up, operstate, mtu, mac, master."""
    kind = None
    info = m.get_attr('IFLA_LINKINFO')
    if info is not None:
        kind = info.get_attr('IFLA_INFO_KIND')
    return {
        'index': m['index'],
        'name': m.get_attr('IFLA_IFNAME'),
        'kind': kind,
        'up': bool(m['flags'] & IFF_UP),
        'operstate': (m.get_attr('IFLA_OPERSTATE') or 'UNKNOWN'),
        'mtu': m.get_attr('IFLA_MTU'),
        'mac': m.get_attr('IFLA_ADDRESS'),
        'master': m.get_attr('IFLA_MASTER'),
    }


def decode_address(m):
    """An address: index, family, address, prefixlen, cidr, scope, label, broadcast, permanent;
    None for a family other than IPv4 / IPv6."""
    family = FAMILY_NUMBERS.get(m['family'])
    if family is None:
        return None
    addr = m.get_attr('IFA_LOCAL') if family == 4 else None
    addr = addr or m.get_attr('IFA_ADDRESS')
    flags = m.get_attr('IFA_FLAGS')
    if flags is None:
        flags = m['flags']
    return {
        'index': m['index'],
        'family': family,
        'address': addr,
        'prefixlen': m['prefixlen'],
        'cidr': '%s/%d' % (addr, m['prefixlen']),
        'scope': SCOPE_NAMES.get(m['scope'], m['scope']),
        'label': m.get_attr('IFA_LABEL'),
        'broadcast': m.get_attr('IFA_BROADCAST'),
        'permanent': bool(flags & IFA_F_PERMANENT),
    }


def decode_route(m, name_of):
    family = FAMILY_NUMBERS.get(m['family'], m['family'])
    metrics = m.get_attr('RTA_METRICS')
    mtu = metrics.get_attr('RTAX_MTU') if metrics is not None else None
    nexthops = None
    multipath = m.get_attr('RTA_MULTIPATH')
    if multipath:
        nexthops = []
        for nh in multipath:
            nexthops.append({
                'gateway': nh.get_attr('RTA_GATEWAY'),
                'dev': name_of(nh['oif']),
                'weight': nh['hops'] + 1,
                'onlink': bool(nh['flags'] & RTNH_F_ONLINK),
            })
    return {
        'family': family,
        'table': _attr(m, 'RTA_TABLE', m['table']),
        'dest': _prefix(m.get_attr('RTA_DST'), m['dst_len'], family),
        'metric': _attr(m, 'RTA_PRIORITY', 0),
        'tos': m['tos'],
        'type': ROUTE_TYPE_NAMES.get(m['type'], str(m['type'])),
        'proto': m['proto'],
        'scope': SCOPE_NAMES.get(m['scope'], str(m['scope'])),
        'gateway': m.get_attr('RTA_GATEWAY'),
        'dev': name_of(m.get_attr('RTA_OIF')),
        'src': m.get_attr('RTA_PREFSRC'),
        'onlink': bool(m['flags'] & RTNH_F_ONLINK),
        'mtu': mtu,
        'nexthops': nexthops,
    }


def decode_route_get(m, name_of):
    """The kernel's answer to route_get_msg: a route with iif and uid."""
    route = decode_route(m, name_of)
    route['iif'] = name_of(m.get_attr('RTA_IIF'))
    route['uid'] = m.get_attr('RTA_UID')
    return route


def _span(value):
    if value is None:
        return None
    low, high = [int(x) for x in str(value).split(':')]
    return [low, high]


def decode_rule(m):
    family = FAMILY_NUMBERS.get(m['family'], m['family'])

    def prefix(attr, length):
        value = m.get_attr(attr)
        return None if value is None else '%s/%d' % (value, length)

    action = RULE_ACTION_NAMES.get(m['action'], str(m['action']))
    table = _attr(m, 'FRA_TABLE', m['table'])
    return {
        'family': family,
        'priority': _attr(m, 'FRA_PRIORITY', 0),
        'from': prefix('FRA_SRC', m['src_len']),
        'to': prefix('FRA_DST', m['dst_len']),
        'iif': m.get_attr('FRA_IIFNAME'),
        'oif': m.get_attr('FRA_OIFNAME'),
        'fwmark': m.get_attr('FRA_FWMARK'),
        'fwmask': m.get_attr('FRA_FWMASK'),
        'ipproto': m.get_attr('FRA_IP_PROTO'),
        'sport': _span(m.get_attr('FRA_SPORT_RANGE')),
        'dport': _span(m.get_attr('FRA_DPORT_RANGE')),
        'uidrange': _span(m.get_attr('FRA_UID_RANGE')),
        'tos': m['tos'],
        'table': table if action == 'lookup' else None,
        'action': action,
        'goto': m.get_attr('FRA_GOTO'),
        'suppress_prefixlength': _unset_if_all_ones(m.get_attr('FRA_SUPPRESS_PREFIXLEN')),
        'invert': bool(m['flags'] & FIB_RULE_INVERT),
        'proto': m.get_attr('FRA_PROTOCOL'),
    }
