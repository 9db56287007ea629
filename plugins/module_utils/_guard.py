# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The management-path guard: the way the controller reaches this host must not move.

PRIVATE: internal to multinic.routing, not a public API.

The path is what the kernel answers for a packet from the address the controller's session
arrives on (``local``) to the controller (``peer``): the outgoing device and the source address
(and, for the message, the gateway and table). Both addresses come from the options, or else
from ``SSH_CONNECTION`` (``peer port local port``) of the module process or of its nearest
ancestor that has it - ``sudo`` (become) resets the environment, the SSH session's shell above
it still holds it. Without either, the guard is off and says why.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import time

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _lookup
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink

ANCESTORS_MAX = 32
# Seconds a path moved after a network manager made a change live is looked at again (settled)
SETTLE = 10


def guard_spec():
    """The guard options (doc fragment multinic.routing.guard)."""
    return ArgumentSpec(dict(guard=dict(type='bool', default=False), guard_peer=dict(type='str'),
                             guard_local=dict(type='str')))


def _environ_of(pid, proc):
    try:
        with open(os.path.join(proc, str(pid), 'environ'), 'rb') as f:
            raw = f.read()
    except (IOError, OSError):
        return {}
    env = {}
    for item in raw.split(b'\0'):
        key, sep, value = item.partition(b'=')
        if sep:
            env[key.decode('utf-8', 'replace')] = value.decode('utf-8', 'replace')
    return env


def _parent_of(pid, proc):
    try:
        with open(os.path.join(proc, str(pid), 'stat')) as f:
            stat = f.read()
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        return int(stat[stat.rindex(')') + 2:].split()[1])
    except (IOError, OSError, ValueError, IndexError):
        return 0


def ssh_connection(environ=None, pid=None, proc='/proc'):
    """(peer, local, where) from SSH_CONNECTION of this process or its nearest ancestor;
    (None, None, why not) when there is none."""
    env = os.environ if environ is None else environ
    value, where = env.get('SSH_CONNECTION'), 'the module process'
    pid = os.getpid() if pid is None else pid
    hops = 0
    while not value and pid > 1 and hops < ANCESTORS_MAX:
        pid = _parent_of(pid, proc)
        hops += 1
        if pid <= 1:
            break
        value = _environ_of(pid, proc).get('SSH_CONNECTION')
        where = 'process %d (an ancestor of the module process)' % pid
    if not value:
        return None, None, ('no SSH_CONNECTION in the environment of the module process or of '
                            'its ancestors (a connection that is not SSH: give guard_peer and '
                            'guard_local)')
    words = value.split()
    if len(words) != 4:
        return None, None, 'SSH_CONNECTION=%r of %s is not "peer port local port"' % (value, where)
    return words[0], words[2], 'SSH_CONNECTION of %s' % where


def session(params, netns=None):
    """The guard's state before any change: {'active', 'reason', 'peer', 'local', 'source'}."""
    state = {'active': False, 'reason': None, 'peer': None, 'local': None, 'source': None,
             'path': None}
    for option in ('guard_peer', 'guard_local'):
        if params.get(option):
            c.parse_address(params[option], option)
    if not params.get('guard'):
        state['reason'] = 'guard=false'
        return state
    peer, local = params.get('guard_peer'), params.get('guard_local')
    if peer and local:
        source = 'guard_peer and guard_local'
    elif netns:
        state['reason'] = ('the task acts in namespace %r, not where the controller\'s session '
                           'arrives (the host namespace); give guard_peer and guard_local to guard '
                           'a path in it' % netns)
        return state
    else:
        found_peer, found_local, source = ssh_connection()
        if not (found_peer and found_local):
            state['reason'] = source
            return state
        peer, local = peer or found_peer, local or found_local
    state.update(peer=c.parse_address(peer, 'guard_peer'),
                 local=c.parse_address(local, 'guard_local'), source=source)
    return state


def path(nl, state):
    """The kernel's way from local to peer now (dev, gateway, prefsrc, table)."""
    found = _lookup.lookup(nl, {'dst': state['peer'], 'src': state['local']})
    return dict((k, found[k]) for k in ('dev', 'gateway', 'prefsrc', 'table'))


def arm(nl, state):
    """Record the path before the change; the guard stays off when there is none now."""
    if state['peer'] is None:
        return state
    try:
        state['path'] = path(nl, state)
    except NetlinkFailure as exc:
        state['reason'] = 'the management path does not resolve before the change: %s' % exc.msg
        return state
    state['active'] = True
    return state


def describe(p):
    if p is None:
        return 'no route'
    via = ' via %s' % p['gateway'] if p['gateway'] else ''
    return 'dev %s%s src %s (table %s)' % (p['dev'], via, p['prefsrc'], p['table'])


def moved(nl, state):
    """None when the path after the change goes the same way (device and source); else
    (the path after or None when there is none, how it goes now, for a message)."""
    try:
        after = path(nl, state)
    except NetlinkFailure as exc:
        return None, 'no way at all (%s)' % exc.msg
    before = state['path']
    if (after['dev'], after['prefsrc']) == (before['dev'], before['prefsrc']):
        return None
    return after, 'by ' + describe(after)


def arm_quietly(state):
    """arm() in a netlink session of its own (for modules that hold none)."""
    if state['peer'] is not None:
        with Netlink() as nl:
            arm(nl, state)
    return state


def moved_quietly(state):
    """moved() in a netlink session of its own (for modules that hold none)."""
    with Netlink() as nl:
        return moved(nl, state)


def settled(state, settle=SETTLE, clock=time.time, sleep=time.sleep):
    """moved_quietly(), looked at again for up to ``settle`` seconds while the path is moved: a
    network manager that reconfigures a link drops and takes its DHCP address and routes again
    (a moment with no way at all), which is not a move; a wrong route stays."""
    return _looked_again(lambda: moved_quietly(state), moved_quietly(state), settle, clock, sleep)


def _looked_again(look, found, settle, clock, sleep):
    """``found`` (what ``look()`` gave), and while it is a move, ``look()`` again every 0.2 s
    for up to ``settle`` seconds -> the last answer (None: the path is back)."""
    deadline = clock() + settle
    while found is not None and clock() < deadline:
        sleep(0.2)
        found = look()
    return found


def moved_after_write(nl, state, settle=SETTLE, clock=time.time, sleep=time.sleep):
    """moved() after the task's own route and rule writes. A write of routes and rules cannot
    take the local address away, so when it is gone, a network manager is reconfiguring the
    link at that moment (it drops its DHCP address and routes and takes them again - after a
    reload an earlier step asked for): then the path is looked at again for up to ``settle``
    seconds while it stays moved. A path the writes moved, the address still there, is
    answered at once."""
    found = moved(nl, state)
    if found is None or _lookup.is_local(nl, state['local']):
        return found
    return _looked_again(lambda: moved(nl, state), found, settle, clock, sleep)


def check_live(state, routes, what, put_back):
    """After a network manager made the task's configuration live: when that moved the path,
    ``put_back()`` the configuration as it was and fail, naming the route of ``routes`` that
    did it (else ``what``) and saying what was undone (what ``put_back()`` returns)."""
    found = settled(state)
    if found is None:
        return
    after, now = found
    culprit = route_culprit(list(enumerate(routes)), state, after) or what
    undone = put_back()
    held = moved_quietly(state)
    raise ModuleFailure(failure_message(culprit, state, now, undone, held), changed=held is not None,
                        guard=summary(state))


def covers(dest, address):
    """Whether a route to ``dest`` (a prefix or 'default') takes packets to ``address``."""
    if dest == 'default':
        return True
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(dest, strict=False)
    except ValueError:
        return False


def route_culprit(routes, state, after):
    """'routes[i] (...)' for the first (index, route) that can have moved the path: a route to
    the controller in the table the path now uses (any table when there is no path)."""
    table = after['table'] if after is not None else None
    for index, w in routes:
        if table in (None, w['table']) and covers(w['dest'], state['peer']):
            words = [_route.describe(w)]
            if w.get('type', 'unicast') != 'unicast':
                words.append(w['type'])
            words += ['%s %s' % (k if k == 'dev' else 'via', w[k]) for k in ('gateway', 'dev') if w.get(k)]
            return 'routes[%d] (%s)' % (index, ' '.join(words))
    return None


def failure_message(culprit, state, now, undone, held):
    """The message of a change the guard caught and undid."""
    return ('%s moved the management path: packets from %s to %s (%s) left by %s before the change and '
            '%s after it; %s%s' % (culprit, state['local'], state['peer'], state['source'],
                                   describe(state['path']), now, undone,
                                   '' if held is None else ', yet the path now goes %s' % held[1]))


def summary(state):
    """What the module returns as ``guard``."""
    return dict((k, state[k]) for k in ('active', 'reason', 'peer', 'local', 'source', 'path'))
