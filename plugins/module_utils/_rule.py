# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.rule module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.

A rule's identity is its family, priority, every selector and its action (with the table for
``lookup`` and the target for ``goto``). Everything is normalised to what the kernel reports
when it dumps the rule (see ``_rtnl_codec.decode_rule_bytes``), so comparing the wanted rule with the
kernel's is a plain comparison of dicts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket


from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec, netns_spec
from ansible_collections.multinic.routing.plugins.module_utils._differences import ABSENT, PRESENT, DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._iproute2_names import (
    COLLECTION_PROTO_ID,
    table_name_of,
)
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

ACTIONS = ['lookup', 'blackhole', 'unreachable', 'prohibit', 'goto', 'nop']
MAIN_TABLE = 254
PORT_MIN, PORT_MAX = 1, 65534      # fib_rule_port_range_valid(): 0 and 65535 are refused
UID_MAX = c.U32_MAX - 1            # (uid_t)-1 is not a valid uid
SUPPRESS_MAX = 128
# Linux IPPROTO_* numbers; names are also looked up in /etc/protocols.
IP_PROTOCOLS = {
    'icmp': 1, 'igmp': 2, 'ipip': 4, 'tcp': 6, 'egp': 8, 'pup': 12, 'udp': 17, 'idp': 22,
    'tp': 29, 'dccp': 33, 'ipv6': 41, 'rsvp': 46, 'gre': 47, 'esp': 50, 'ah': 51,
    'icmpv6': 58, 'ipv6-icmp': 58, 'mtp': 92, 'beetph': 94, 'encap': 98, 'ospf': 89,
    'pim': 103, 'comp': 108, 'vrrp': 112, 'l2tp': 115, 'sctp': 132, 'udplite': 136,
    'mpls': 137, 'ethernet': 143, 'raw': 255,
}
# Every field that makes a rule what it is (plus the family, which the dump is per).
IDENTITY = ('priority', 'from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'ipproto', 'sport',
            'dport', 'uidrange', 'tos', 'action', 'table', 'goto', 'suppress_prefixlength',
            'invert')
# Options that narrow what state=absent deletes when no priority is given.
SELECTORS = ('from', 'to', 'iif', 'oif', 'fwmark', 'fwmask', 'ipproto', 'sport', 'dport',
             'uidrange', 'tos', 'table', 'action', 'goto', 'suppress_prefixlength', 'invert')
# The rules the kernel creates in every namespace: (priority, table) of a bare lookup rule.
KERNEL_DEFAULTS = {4: ((0, 255), (32766, 254), (32767, 253)), 6: ((0, 255), (32766, 254))}

SPEC = ArgumentSpec(dict(
    priority=dict(type='int'),
    # `from` is a Python keyword; the option is still called `from` (module.params['from'])
    to=dict(type='str'),
    iif=dict(type='str'),
    oif=dict(type='str'),
    fwmark=dict(type='str'),
    fwmask=dict(type='str'),
    ipproto=dict(type='str'),
    sport=dict(type='str'),
    dport=dict(type='str'),
    uidrange=dict(type='str'),
    tos=dict(type='int'),
    table=dict(type='str'),
    action=dict(type='str', choices=ACTIONS),
    goto=dict(type='int'),
    suppress_prefixlength=dict(type='int'),
    invert=dict(type='bool'),
    family=dict(type='str', choices=['ipv4', 'ipv6']),
    proto=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
),
    # table and suppress_prefixlength belong to action=lookup, goto to action=goto
    mutually_exclusive=[('table', 'goto'), ('suppress_prefixlength', 'goto')],
    required_if=[('state', 'present', ['priority']), ('action', 'goto', ['goto'])],
    required_by={'fwmask': 'fwmark'},
).update_argspec(**{'from': dict(type='str')}).merge(netns_spec())


def _selector_prefix(params, option):
    """(normalised prefix or None for 'all', family or None) of `from` / `to`."""
    value = params.get(option)
    if value is None:
        return None, None
    text = str(value).strip()
    if text in ('all', 'any', 'default'):
        return None, None
    prefix, family = c.parse_prefix(text, option)
    if prefix.endswith('/0'):
        return None, family         # the kernel stores a /0 selector as no selector at all
    return prefix, family


def _family(params, prefixes):
    seen = [(k, fam) for k, (_p, fam) in sorted(prefixes.items()) if fam is not None]
    if len(set(fam for _k, fam in seen)) > 1:
        raise c.ValidationError('%s=%r is IPv%d but %s=%r is IPv%d' % (
            seen[0][0], params[seen[0][0]], seen[0][1], seen[1][0], params[seen[1][0]], seen[1][1]))
    if params.get('family'):
        wanted = 6 if params['family'] == 'ipv6' else 4
        for key, fam in seen:
            if fam != wanted:
                raise c.ValidationError('family=%s but %s=%r is IPv%d'
                                        % (params['family'], key, params[key], fam))
        return wanted
    return seen[0][1] if seen else 4


def parse_ipproto(value, option='ipproto'):
    """An IP protocol by number (0..255) or name  -> its number (0 = any, no selector)."""
    text = str(value).strip().lower()
    try:
        number = int(text, 0)
    except ValueError:
        if text in IP_PROTOCOLS:
            return IP_PROTOCOLS[text]
        try:
            return socket.getprotobyname(text)
        except (OSError, socket.error):
            raise c.ValidationError('%s=%r is not an IP protocol number (0..255) nor a known '
                                    'protocol name (tcp, udp, icmp, icmpv6, sctp, ...)'
                                    % (option, value))
    if not 0 <= number <= 255:
        raise c.ValidationError('%s=%r is out of range (0..255)' % (option, value))
    return number


def _ports(value, option):
    span = c.parse_range(value, option, 65535)
    if span[0] < PORT_MIN or span[1] > PORT_MAX:
        raise c.ValidationError('%s=%r is out of range: the kernel matches ports %d..%d'
                                % (option, value, PORT_MIN, PORT_MAX))
    return span


def build(params):
    """Validate every option; return (rule, given).

    ``rule`` is the wanted rule in the adapter's dict shape, normalised to what the kernel
    reports; ``given`` is the set of identity keys the user set (for state=absent matching).
    """
    present = params['state'] == 'present'
    prefixes = dict((k, _selector_prefix(params, k)) for k in ('from', 'to'))
    family = _family(params, prefixes)
    given = set()
    rule = dict((k, None) for k in IDENTITY)
    rule.update({'family': family, 'tos': 0, 'invert': False})

    priority = params.get('priority')
    if priority is not None:
        if not 0 <= priority <= c.U32_MAX:
            raise c.ValidationError('priority=%r is out of range (0..%d)' % (priority, c.U32_MAX))
        rule['priority'] = priority
        given.add('priority')
    for key in ('from', 'to'):
        if params.get(key) is not None:
            rule[key] = prefixes[key][0]
            given.add(key)
    for key in ('iif', 'oif'):
        if params.get(key) is not None:
            rule[key] = c.check_ifname(str(params[key]).strip(), key)
            given.add(key)

    if params.get('fwmark') is not None:
        if '/' in str(params['fwmark']):
            raise c.ValidationError('fwmark=%r: give the mask in fwmask, not after a "/"'
                                    % (params['fwmark'],))
        mark = c.parse_u32(params['fwmark'], 'fwmark')
        mask = c.parse_u32(params['fwmask'], 'fwmask') if params.get('fwmask') is not None else None
        given.update(['fwmark', 'fwmask'] if mask is not None else ['fwmark'])
        if mask is None and mark:
            mask = c.U32_MAX      # the kernel compares every bit unless told otherwise
        # the kernel reports a mark of 0 as no mark (fwmark 0 alone selects nothing at all)
        rule['fwmark'], rule['fwmask'] = mark or None, mask or None

    if params.get('ipproto') is not None:
        rule['ipproto'] = parse_ipproto(params['ipproto']) or None
        given.add('ipproto')
    for key in ('sport', 'dport'):
        if params.get(key) is not None:
            rule[key] = _ports(params[key], key)
            given.add(key)
    if params.get('uidrange') is not None:
        rule['uidrange'] = c.parse_range(params['uidrange'], 'uidrange', UID_MAX)
        given.add('uidrange')
    if params.get('tos') is not None:
        tos = params['tos']
        if not 0 <= tos <= 255:
            raise c.ValidationError('tos=%r is out of range (0..255)' % (tos,))
        if tos & 3:
            raise c.ValidationError('tos=%r (0x%02x) sets the two ECN bits; they must be 0'
                                    % (tos, tos))
        rule['tos'] = tos
        given.add('tos')
    if params.get('invert') is not None:
        rule['invert'] = bool(params['invert'])
        given.add('invert')

    action = params.get('action')
    if action is not None:
        given.add('action')
    elif present or params.get('table') is not None or params.get('suppress_prefixlength') is not None:
        action = 'lookup'
    rule['action'] = action
    if params.get('table') is not None:
        if action != 'lookup':
            raise c.ValidationError('table=%r only applies to action=lookup (action=%s)'
                                    % (params['table'], action))
        rule['table'] = c.resolve_table(params['table'], 'table')
        given.add('table')
    elif present and action == 'lookup':
        rule['table'] = MAIN_TABLE
    if params.get('goto') is not None:
        if action != 'goto':
            raise c.ValidationError('goto=%r is only valid with action=goto (action=%s)'
                                    % (params['goto'], action or 'not given'))
        target = params['goto']
        if not 0 <= target <= c.U32_MAX:
            raise c.ValidationError('goto=%r is out of range (0..%d)' % (target, c.U32_MAX))
        if present and target <= priority:
            raise c.ValidationError('goto=%r must be greater than priority=%r (the kernel only '
                                    'jumps forward)' % (target, priority))
        rule['goto'] = target
        given.add('goto')
    if params.get('suppress_prefixlength') is not None:
        spl = params['suppress_prefixlength']
        if action != 'lookup':
            raise c.ValidationError('suppress_prefixlength=%r only applies to action=lookup '
                                    '(action=%s)' % (spl, action))
        if not 0 <= spl <= SUPPRESS_MAX:
            raise c.ValidationError('suppress_prefixlength=%r is out of range (0..%d)'
                                    % (spl, SUPPRESS_MAX))
        rule['suppress_prefixlength'] = spl
        given.add('suppress_prefixlength')

    proto = c.resolve_proto(params['proto'], 'proto') if params.get('proto') is not None else None
    if not present and not given - set(['invert']) and proto is None:
        raise c.ValidationError(
            'state=absent needs priority, proto or at least one of %s; refusing to delete every rule'
            % ', '.join(k for k in SELECTORS if k != 'invert'))
    if present:
        rule['proto'] = COLLECTION_PROTO_ID if proto is None else proto
    elif proto is not None:
        # not part of the identity: state=absent only narrows what it deletes by it
        rule['proto'] = proto
        given.add('proto')
    return rule, given


def same_identity(kernel_rule, wanted):
    return kernel_rule['family'] == wanted['family'] and all(
        kernel_rule.get(k) == wanted.get(k) for k in IDENTITY)


def matches(kernel_rule, wanted, given):
    """state=absent: the kernel's rule agrees with every option the user gave."""
    if kernel_rule['family'] != wanted['family']:
        return False
    keys = set(given)
    if 'action' in keys or wanted.get('action'):
        keys.add('action')
    return all(kernel_rule.get(k) == wanted.get(k) for k in keys)


def kernel_default(rule):
    """True for the rules the kernel creates itself (lookup local/main/default)."""
    if rule['action'] != 'lookup' or rule.get('invert'):
        return False
    if any(rule.get(k) for k in IDENTITY if k not in ('priority', 'action', 'table', 'invert')):
        return False
    return (rule['priority'], rule['table']) in KERNEL_DEFAULTS.get(rule['family'], ())


def kernel_pick(rules, target):
    """The rule the kernel deletes for ``Netlink.delete_rule(target)``.

    Mirrors rule_find() in net/core/fib_rules.c: the first rule, in list (dump) order, that
    agrees with every attribute set in the request; attributes not set, the invert flag and
    the goto target are not compared. A rule listed earlier at the same priority with more selectors is
    picked before ``target`` unless something set in ``target`` (its protocol, typically)
    tells them apart.
    """
    def agrees(r):
        if r['family'] != target['family'] or r['priority'] != target['priority']:
            return False
        if r['action'] != target['action']:
            return False
        for key in ('table', 'iif', 'oif', 'fwmark', 'fwmask', 'ipproto', 'sport', 'dport',
                    'uidrange', 'tos', 'proto', 'from', 'to'):
            if target.get(key) and r.get(key) != target[key]:
                return False
        spl = target.get('suppress_prefixlength')
        if spl is not None and r.get('suppress_prefixlength') != spl:
            return False
        return True

    for r in rules:
        if agrees(r):
            return r
    return None


def kernel_clash(rules, wanted):
    """An existing rule the kernel takes for ``wanted`` when adding it (EEXIST).

    rule_exists() in net/core/fib_rules.c compares everything but the invert flag and the
    goto target, and it does compare the protocol.
    """
    for r in rules:
        if r.get('proto') == wanted.get('proto') and all(
                r.get(k) == wanted.get(k) for k in IDENTITY if k not in ('invert', 'goto')):
            return r
    return None


def describe(rule):
    """A rule the way `ip rule` prints it, for messages."""
    words = ['%s:' % rule['priority']]
    if rule.get('invert'):
        words.append('not')
    words += ['from', rule.get('from') or 'all']
    for key in ('to', 'iif', 'oif', 'ipproto'):
        if rule.get(key) is not None:
            words += [key, str(rule[key])]
    if rule.get('fwmark') is not None or rule.get('fwmask') is not None:
        words += ['fwmark', '0x%x/0x%x' % (rule.get('fwmark') or 0, rule.get('fwmask') or 0)]
    for key in ('sport', 'dport', 'uidrange'):
        if rule.get(key):
            words += [key, '%d-%d' % tuple(rule[key])]
    if rule.get('tos'):
        words += ['tos', '0x%02x' % rule['tos']]
    if rule['action'] == 'lookup':
        words += ['lookup', table_name_of(rule.get('table')) or str(rule.get('table'))]
        if rule.get('suppress_prefixlength') is not None:
            words += ['suppress_prefixlength', str(rule['suppress_prefixlength'])]
    elif rule['action'] == 'goto':
        words += ['goto', str(rule.get('goto'))]
    else:
        words.append(rule['action'])
    return ' '.join(words)


def plan_delete(rules, targets):
    """Check that deleting ``targets`` one by one removes exactly them; raise otherwise."""
    remaining = list(rules)
    for target in targets:
        picked = kernel_pick(remaining, target)
        if picked is not target:
            raise c.ValidationError(
                'cannot delete rule "%s" alone: the kernel would delete rule "%s" instead (same '
                'priority, listed first, and nothing in the request tells them apart); remove '
                'that rule first or give the rules different priorities'
                % (describe(target), describe(picked) if picked else 'none'))
        remaining.remove(target)


def plan(current, wanted, given, present):
    """What one task does, given ``current``: the kernel's rules of the wanted family, in the
    kernel's order (at least every rule at the wanted priority, when one is known) - decided
    without writing anything, so an aggregate can plan every entry before the first write.

    Returns a dict: ``tracker`` (the DifferenceTracker), ``before`` (the rules the task is
    about), ``add`` (the rule to add, or None), ``delete`` (the rules to delete, in order),
    ``warnings``. Raises ValidationError when the kernel would add or delete another rule than
    the one meant.
    """
    step = {'tracker': DifferenceTracker(), 'add': None, 'delete': [], 'warnings': []}
    if present:
        step['before'] = [r for r in current if same_identity(r, wanted)]
        if not step['before']:
            clash = kernel_clash(current, wanted)
            if clash is not None:
                raise c.ValidationError(
                    'cannot add rule "%s": the kernel takes it for the existing rule "%s" '
                    '(it does not tell rules apart by the invert flag or the goto target); '
                    'remove that rule first or use another priority'
                    % (describe(wanted), describe(clash)))
            step['tracker'].add(ABSENT, None, wanted)
            step['add'] = wanted
        return step
    targets = []
    for r in current:
        if not matches(r, wanted, given):
            continue
        if kernel_default(r) and not ('priority' in given and 'table' in given):
            step['warnings'].append(
                'left the kernel\'s default rule "%s" in place: name its priority and '
                'table to delete it' % describe(r))
        else:
            targets.append(r)
    plan_delete(current, targets)
    step['before'] = step['delete'] = targets
    if targets:
        step['tracker'].add(PRESENT, targets, None)
    return step


def write(nl, step):
    """Carry out a plan() step: its netlink writes, if any."""
    for r in step['delete']:
        nl.delete_rule(r)
    if step['add'] is not None:
        nl.add_rule(step['add'])


def run(module):
    params = module.params
    wanted, given = build(params)
    present = params['state'] == 'present'
    result = {}
    # Every rule the logic below compares (same identity, the kernel's clash on add, the
    # kernel's pick on delete) has the wanted priority when one is known: only those are read.
    priority = wanted['priority'] if present or 'priority' in given else None
    with Netlink(params.get('netns')) as nl:
        step = plan(nl.rules(wanted['family'], priority), wanted, given, present)
        before = step['before']
        changes = step['add'] is not None or step['delete']
        if not changes:
            after = [] if not present else before
        elif module.check_mode:
            after = [wanted] if present else []
        else:
            write(nl, step)
            now = nl.rules(wanted['family'], priority)
            if present:
                after = [r for r in now if same_identity(r, wanted)]
            else:
                after = [r for r in now if any(r == t for t in step['delete'])]
    if present:
        result['rule'] = after[0] if after else None
    else:
        result['rule'] = None
        result['removed'] = step['delete']
    if step['warnings']:
        result['warnings'] = step['warnings']
    step['tracker'].report(result)
    if module._diff:
        result['diff'] = {'before': {'rules': before}, 'after': {'rules': after}}
    return result
