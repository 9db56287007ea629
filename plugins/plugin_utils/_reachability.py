# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reachability proof's logic: a host's row of the matrix, the matrix, the failing pairs.

PRIVATE: internal to multinic.routing, not a public API. The filters reachability_row,
reachability_matrix and reachability_violations are thin wrappers around these functions; the
role multinic.routing.reachability calls them. Each host's addresses and row are read from
the play's hostvars, where the role's tasks put them (``__reachability_data_address``,
``__reachability_control_address``, ``__reachability_data_netns``, ``__reachability_row``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

KINDS = ('data', 'control')
CORNER = 'from \\ to'
# How the data pair is pinged, by strategy (control pairs: a plain ping).
HOW = {
    '': 'ping',
    'custom_routes': 'ping',
    'source_routing': 'ping -I <data address>',
    'netns': 'ip netns exec %(netns)s ping',
}


def address_of(hostvars, host, kind):
    """A host's data or control address, as the role's preflight found it."""
    return hostvars[host]['__reachability_%s_address' % kind]


def _netns_of(hostvars, host):
    return hostvars[host]['__reachability_data_netns']


def _cell(kind, reply, egress, nic, expect):
    via = egress.get('dev', '') if egress.get('failed', False) is False else ''
    problems = ([] if reply else ['no reply']) + ([] if via == nic else ['via %s' % via] if via else ['no route'])
    expected = (not reply) if (kind == 'data' and expect == 'fail') else not problems
    return {'text': ', '.join(problems) if problems else 'ok', 'reply': reply, 'via': via, 'expected': expected}


def reachability_probes(peers, hostvars, host, kind):
    """The route_lookup probes of one host and kind: a reply from the host's address of that
    kind to each peer's, in the order of the peers."""
    if kind not in KINDS:
        raise AnsibleFilterError('reachability_probes: unknown kind %r (one of %s)' % (kind, ', '.join(KINDS)))
    src = address_of(hostvars, host, kind)
    return [{'dst': address_of(hostvars, peer, kind), 'src': src} for peer in peers]


def _lookups(registered, kind, count):
    """The per-probe entries of one route_lookup call with probes, one per peer. A call that
    failed as a whole (failed_when false: no ``results``) gives every peer its failure."""
    results = registered.get('results')
    if results is None:
        return [registered] * count
    if len(results) != count:
        raise AnsibleFilterError('reachability_row: %d %s lookups for %d peers' % (len(results), kind, count))
    return results


def reachability_row(peers, pings, egress, interfaces, hostvars, host, expect='pass'):
    """{peer: {kind: cell}} for one host, from its ping lines and the registered result of its
    route_lookup call (with probes, one per peer) of each kind."""
    lookups = dict((kind, _lookups(egress[kind], kind, len(peers))) for kind in KINDS)
    row = {}
    for i, peer in enumerate(peers):
        cells = {}
        for kind in KINDS:
            reply = '%s %s reply' % (kind, peer) in pings
            cell = _cell(kind, reply, lookups[kind][i], interfaces[kind], expect)
            cell.update({'from': address_of(hostvars, host, kind), 'to': address_of(hostvars, peer, kind)})
            cells[kind] = cell
        row[peer] = cells
    return row


def _cell_of(hostvars, src, dst, kind):
    return hostvars[src]['__reachability_row'][dst][kind]


def _shown(cell):
    return cell['text'] + ('' if cell['expected'] else ' *')


def _how(hosts, hostvars, strategy, netns):
    if strategy not in HOW:
        raise AnsibleFilterError('reachability_matrix: unknown strategy %r (one of %s)'
                                 % (strategy, ', '.join(sorted(HOW))))
    how = HOW[strategy] % {'netns': netns}
    if strategy == 'netns':
        outside = [host for host in hosts if not _netns_of(hostvars, host)]
        if outside:
            how += (' (no namespace %s on %s: ping -I <data address> from the host namespace there)'
                    % (netns, ', '.join(outside)))
    return how


def reachability_matrix(hosts, hostvars, strategy, interfaces, netns, expect='pass'):
    """The lines of the printed matrix: a header, then per kind a table hosts x hosts."""
    pairs = [(src, dst) for src in hosts for dst in hosts if dst != src]
    cells = [_shown(_cell_of(hostvars, src, dst, kind)) for src, dst in pairs for kind in KINDS]
    width = max(len(text) for text in list(hosts) + cells + [CORNER]) + 2
    lines = ['strategy %s, expect %s%s - rows: from, columns: to; * = not as expected' % (
        strategy, expect, '' if expect == 'pass' else ' (data broken: no reply, control working)')]
    for kind in KINDS:
        how = _how(hosts, hostvars, strategy, netns) if kind == 'data' else 'ping'
        lines.append('')
        lines.append('%s - %s; replies must leave via %s' % (kind.upper(), how, interfaces[kind]))
        lines.append(''.join(text.ljust(width) for text in [CORNER] + list(hosts)).strip())
        for src in hosts:
            row = [src] + ['-' if dst == src else _shown(_cell_of(hostvars, src, dst, kind)) for dst in hosts]
            lines.append(''.join(text.ljust(width) for text in row).strip())
        addresses = []
        for host in hosts:
            where = _netns_of(hostvars, host) if kind == 'data' else ''
            addresses.append('%s %s%s' % (host, address_of(hostvars, host, kind), ' (netns %s)' % where if where else ''))
        lines.append('addresses: ' + ', '.join(addresses))
    return lines


def reachability_violations(hosts, hostvars, expect='pass'):
    """One line per pair and kind that is not as expected."""
    out = []
    for src in hosts:
        for dst in hosts:
            if dst == src:
                continue
            for kind in KINDS:
                cell = _cell_of(hostvars, src, dst, kind)
                if cell['expected']:
                    continue
                why = ('replies although the broken state was expected'
                       if kind == 'data' and expect == 'fail' else cell['text'])
                out.append('%s %s -> %s (%s -> %s): %s' % (kind, src, dst, cell['from'], cell['to'], why))
    return out
