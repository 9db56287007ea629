# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.route_lookup module: the kernel's `ip route get`.

PRIVATE: internal to multinic.routing, not a public API.

Read-only: one RTM_GETROUTE request per lookup; the kernel applies the policy rules and answers
with the route a packet with these properties would take. With ``probes``, every lookup runs in
the same netlink session, in order; a probe the kernel refuses gets an error entry and the others
still run.
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

LOOKUP_OPTIONS = ('dst', 'src', 'iif', 'oif', 'fwmark')

# One lookup: the options of a single call, and of each entry of ``probes``.
PROBE_SPEC = ArgumentSpec(dict(
    dst=dict(type='str', required=True),
    src=dict(type='str'),
    iif=dict(type='str'),
    oif=dict(type='str'),
    fwmark=dict(type='str'),
), required_by={'iif': 'src'})


def _top_level_options():
    """The single lookup's options at the top level, where dst is not required (probes may
    replace it)."""
    options = PROBE_SPEC.options(LOOKUP_OPTIONS)
    del options['dst']['required']
    return options


# The module: one lookup given at the top level, or a list of them in ``probes``.
SPEC = ArgumentSpec(
    _top_level_options(),
    required_by=PROBE_SPEC.required_by,
    required_one_of=[['dst', 'probes']],
    mutually_exclusive=[[name, 'probes'] for name in LOOKUP_OPTIONS],
).update_argspec(probes=dict(
    type='list', elements='dict', options=PROBE_SPEC.copy().argument_spec,
    **dict((name, value) for name, value in PROBE_SPEC.constraints().items() if value))).merge(netns_spec())


def build(params, prefix=''):
    """Validate one lookup's options -> the adapter's route_get keyword arguments.

    ``prefix`` goes in front of the option names in messages (``probes[3].`` for a probe).
    """
    dst = c.parse_address(params['dst'], prefix + 'dst')
    family = family_of(dst)
    query = {'dst': dst}
    if params.get('src'):
        query['src'] = c.parse_address(params['src'], prefix + 'src', family)
    for key in ('iif', 'oif'):
        if params.get(key):
            query[key] = c.check_ifname(params[key], prefix + key)
    if params.get('fwmark') is not None:
        query['fwmark'] = c.parse_u32(params['fwmark'], prefix + 'fwmark')
    return query


def build_all(params):
    """Every lookup the module makes: [(option prefix, probe as given, query)]; all of them
    validated before any is made. ``probes`` given: one per probe, in order; else the one
    lookup of the top-level options (prefix '')."""
    if params.get('probes') is None:
        return [('', None, build(params))]
    return [('probes[%d].' % index, probe, build(probe, 'probes[%d].' % index))
            for index, probe in enumerate(params['probes'])]


def describe_query(query):
    words = ['%s=%s' % (key, query[key]) for key in ('dst', 'src', 'iif', 'oif') if query.get(key)]
    if query.get('fwmark') is not None:
        words.append('fwmark=0x%x' % query['fwmark'])
    return ' '.join(words)


def is_local(nl, address):
    """Whether ``address`` is an address of the namespace ``nl`` works in."""
    return any(item['address'] == address for item in nl.addresses())


def explain(nl, query, exc):
    """A message saying why the kernel gave no route, from the errno of its answer."""
    code = exc.code
    dst = query['dst']
    if code == errno.ENETUNREACH:
        why = 'no route to %s: the tables the policy rules select have no route for it' % dst
        if query.get('src') and not query.get('iif') and not is_local(nl, query['src']):
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


def check_interfaces(nl, lookups):
    """Interfaces named by any lookup must exist where the lookups run (before any is made)."""
    for prefix, dummy, query in lookups:
        for key in ('iif', 'oif'):
            if query.get(key) and nl.index_of(query[key]) is None:
                raise c.ValidationError('%s%s=%r: no such interface in %s'
                                        % (prefix, key, query[key], nl.where))


def lookup(nl, query):
    """One lookup -> the keys the module returns for it. A kernel refusal raises NetlinkFailure
    with a message saying why."""
    try:
        route = nl.route_get(**query)
    except NetlinkFailure as exc:
        raise NetlinkFailure(explain(nl, query, exc), exc.code)
    route['table_name'] = names.table_name_of(route['table'])
    # The kernel names a preferred source only when it picked one; when src was given it keeps
    # that one (and for a forwarded packet, iif, the source is the one given).
    prefsrc = route['src'] or query.get('src')
    return {
        'dev': route['dev'],
        'gateway': route['gateway'],
        'prefsrc': prefsrc,
        'table': route['table'],
        'table_name': route['table_name'],
        'type': route['type'],
        'route': route,
    }


def probe_result(nl, probe, query):
    """One entry of ``results``: the probe as given, and its answer or why there is none."""
    entry = {'probe': probe}
    try:
        entry.update(lookup(nl, query))
        entry['failed'] = False
    except NetlinkFailure as exc:
        entry.update(failed=True, msg=exc.msg)
    return entry


def run(module):
    params = module.params
    lookups = build_all(params)
    with Netlink(params.get('netns')) as nl:
        check_interfaces(nl, lookups)
        if params.get('probes') is None:
            result = lookup(nl, lookups[0][2])
        else:
            result = {'results': [probe_result(nl, probe, query) for dummy, probe, query in lookups]}
    result['changed'] = False
    return result
