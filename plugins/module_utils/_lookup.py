# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.route_lookup module: the kernel's `ip route get`.

PRIVATE: internal to multinic.routing, not a public API.

Read-only: one RTM_GETROUTE request; the kernel applies the policy rules and answers with the
route a packet with these properties would take.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec, netns_spec
from ansible_collections.multinic.routing.plugins.module_utils import _iproute2_names as names
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink
from ansible_collections.multinic.routing.plugins.module_utils._rtnl_codec import family_of

SPEC = ArgumentSpec(dict(
    dst=dict(type='str', required=True),
    src=dict(type='str'),
    iif=dict(type='str'),
    oif=dict(type='str'),
    fwmark=dict(type='str'),
), required_by={'iif': 'src'}).merge(netns_spec())


def build(params):
    """Validate every option -> the adapter's route_get keyword arguments."""
    dst = c.parse_address(params['dst'], 'dst')
    family = family_of(dst)
    query = {'dst': dst}
    if params.get('src'):
        query['src'] = c.parse_address(params['src'], 'src', family)
    for key in ('iif', 'oif'):
        if params.get(key):
            query[key] = c.check_ifname(params[key], key)
    if params.get('fwmark') is not None:
        query['fwmark'] = c.parse_u32(params['fwmark'], 'fwmark')
    return query


def describe_query(query):
    words = ['%s=%s' % (key, query[key]) for key in ('dst', 'src', 'iif', 'oif') if query.get(key)]
    if query.get('fwmark') is not None:
        words.append('fwmark=0x%x' % query['fwmark'])
    return ' '.join(words)


def _is_local(nl, address):
    return any(item['address'] == address for item in nl.addresses())


def explain(nl, query, exc):
    """A message saying why the kernel gave no route, from the errno of its answer."""
    code = exc.code
    dst = query['dst']
    if code == errno.ENETUNREACH:
        why = 'no route to %s: the tables the policy rules select have no route for it' % dst
        if query.get('src') and not query.get('iif') and not _is_local(nl, query['src']):
            why = ('src=%s is not an address of %s, and the kernel answers "network is '
                   'unreachable" for a locally sent packet from a foreign address (give iif as '
                   'well to look up a forwarded packet)' % (query['src'], nl.where))
    elif code == errno.EHOSTUNREACH:
        why = ('%s is unreachable: an "unreachable" route or rule matches it' % dst)
        if query.get('iif'):
            why += (', or forwarding is disabled on iif=%s (a forwarded packet needs the '
                    'forwarding sysctl)' % query['iif'])
    elif code == errno.EACCES:
        why = '%s is prohibited: a "prohibit" route or rule matches it' % dst
    elif code == errno.EINVAL:
        why = ('the kernel refused the lookup: a "blackhole" route or rule matches %s, or the '
               'packet is invalid (a multicast, broadcast or zero source address)' % dst)
    else:
        return exc.msg
    return 'route lookup %s in %s failed: %s (%s)' % (
        describe_query(query), nl.where, why, errno.errorcode.get(code, code))


def run(module):
    params = module.params
    query = build(params)
    with Netlink(params.get('netns')) as nl:
        for key in ('iif', 'oif'):
            if query.get(key) and nl.index_of(query[key]) is None:
                raise c.ValidationError('%s=%r: no such interface in %s' % (key, query[key], nl.where))
        try:
            route = nl.route_get(**query)
        except NetlinkFailure as exc:
            raise NetlinkFailure(explain(nl, query, exc), exc.code)
    route['table_name'] = names.table_name_of(route['table'])
    # The kernel names a preferred source only when it picked one; when src was given it keeps
    # that one (and for a forwarded packet, iif, the source is the one given).
    prefsrc = route['src'] or query.get('src')
    return {
        'changed': False,
        'dev': route['dev'],
        'gateway': route['gateway'],
        'prefsrc': prefsrc,
        'table': route['table'],
        'table_name': route['table_name'],
        'type': route['type'],
        'route': route,
    }
