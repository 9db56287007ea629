# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.netns module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.

A named network namespace is what ``ip netns add NAME`` makes: a bind mount of a namespace
file on /run/netns/NAME. This module has no ``netns`` option: its ``name`` IS the namespace
it manages, and namespaces are not nested by name (they all live under /run/netns).

Deleting looks inside first. Processes whose network namespace is this one (the inode of
/proc/PID/ns/net and of any of its threads equals the one of /run/netns/NAME) and interfaces
other than ``lo`` (and the tunnel devices the kernel itself puts in every namespace) make the
namespace busy: it is then kept and the run fails naming them, unless ``force`` is set. With
``force`` every interface that is not of a known virtual kind (a physical NIC: no link kind,
or a kind such as ``can`` that hardware drivers report) is first moved back to the module's
own namespace, keeping its addresses as multinic.routing.link does - the kernel would hand it
to the machine's initial namespace only when the namespace is destroyed, which a running
process postpones indefinitely, and the initial namespace is not the host's in a container. Only then is the name removed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _netlink as nl
from ansible_collections.multinic.routing.plugins.module_utils import _netns_files
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure

SPEC = ArgumentSpec(dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    force=dict(type='bool', default=False),
))

PROC = '/proc'

# Link kinds (IFLA_INFO_KIND) of purely virtual devices: destroyed with their namespace, and
# nothing is lost that a playbook cannot make again. Any other interface (no kind at all, as
# hardware NICs have, or a kind not listed here) is treated as physical and moved back.
VIRTUAL_KINDS = frozenset([
    'bareudp', 'batadv', 'bond', 'bridge', 'dummy', 'erspan', 'geneve', 'gre', 'gretap', 'gtp',
    'hsr', 'ifb', 'ip6erspan', 'ip6gre', 'ip6gretap', 'ip6tnl', 'ipip', 'ipvlan', 'ipvtap',
    'macsec', 'macvlan', 'macvtap', 'netkit', 'nlmon', 'openvswitch', 'ppp', 'sit', 'team', 'tun',
    'vcan', 'veth', 'vlan', 'vrf', 'vti', 'vti6', 'vxcan', 'vxlan', 'wireguard', 'xfrm',
])

# Devices the kernel creates in every new namespace by itself (fallback tunnels, present when
# the tunnel's kernel module is loaded); they cannot leave their namespace and say nothing
# about who uses it, so they do not make a namespace busy.
# Name -> link kind.
KERNEL_DEVICES = {
    'lo': None, 'tunl0': 'ipip', 'sit0': 'sit', 'ip6tnl0': 'ip6tnl', 'gre0': 'gre',
    'gretap0': 'gretap', 'erspan0': 'erspan', 'ip6gre0': 'ip6gre', 'ip_vti0': 'vti',
    'ip6_vti0': 'vti6',
}


def view(name):
    """What the diff shows: the name and whether `ip netns list` has it."""
    return {'name': name, 'exists': _netns_files.netns_exists(name)}


def is_virtual(link):
    """True for an interface the kernel destroys with its namespace and nobody misses."""
    return link.get('kind') in VIRTUAL_KINDS


def classify(links):
    """Interfaces of a namespace  -> (to move back, to destroy): lists of link dicts.

    The kernel's own devices (lo, fallback tunnels) are in neither list.
    """
    physical, virtual = [], []
    for link in links:
        if link['name'] in KERNEL_DEVICES and KERNEL_DEVICES[link['name']] == link.get('kind'):
            continue
        (virtual if is_virtual(link) else physical).append(link)
    return physical, virtual


def _inode(path):
    """(st_dev, st_ino) of what a path names, following /proc's namespace links; None if gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _comm(pid, proc=PROC):
    try:
        with open(os.path.join(proc, str(pid), 'comm')) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return '?'


def processes_in(path, proc=PROC):
    """[{'pid': N, 'comm': 'sleep'}] of every process with a thread in the namespace at ``path``.

    Processes that end meanwhile or whose namespace cannot be read are skipped.
    """
    target = _inode(path)
    if target is None:
        return []
    found = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        pid = int(entry)
        inside = _inode(os.path.join(proc, entry, 'ns', 'net')) == target
        if not inside:
            try:
                tids = [t for t in os.listdir(os.path.join(proc, entry, 'task')) if t != entry]
            except OSError:
                tids = []
            inside = any(_inode(os.path.join(proc, entry, 'task', t, 'ns', 'net')) == target for t in tids)
        if inside:
            found.append({'pid': pid, 'comm': _comm(pid, proc)})
    return sorted(found, key=lambda item: item['pid'])


def is_namespace(path):
    """True when ``path`` is a namespace file (a bind mount of nsfs), not a stale plain file."""
    here = _inode('/proc/self/ns/net')
    there = _inode(path)
    return here is not None and there is not None and here[0] == there[0]


def _describe_link(link):
    """'ens4 (physical)', 'can0 (can, physical)', 'veth0 (veth, virtual)'."""
    kind = link.get('kind')
    what = 'virtual' if is_virtual(link) else 'physical'
    return '%s (%s%s)' % (link['name'], kind + ', ' if kind else '', what)


def busy_message(name, processes, physical, virtual):
    parts = []
    if processes:
        parts.append('processes still run in it: %s'
                     % ', '.join('%d (%s)' % (p['pid'], p['comm']) for p in processes))
    if physical or virtual:
        parts.append('interfaces other than lo are in it: %s'
                     % ', '.join(_describe_link(link) for link in physical + virtual))
    return ('namespace %r is in use, so it was not deleted: %s. End the processes and move the '
            'interfaces out first (multinic.routing.link with source_netns=%s), or set force=true: '
            'physical interfaces are then moved back to the host\'s namespace first, virtual ones '
            '(veth, bridge, ...) are destroyed with the namespace, and the processes keep running '
            'in it without a name' % (name, '; '.join(parts), name))


def inspect(name):
    """What is in a namespace  -> (processes, physical links, virtual links)."""
    path = _netns_files.netns_path(name)
    if not is_namespace(path):
        return [], [], []
    processes = processes_in(path)
    with nl.Netlink(name) as sock:
        physical, virtual = classify(sock.links())
    return processes, physical, virtual


def _host_names():
    """Interface names in the module's own namespace."""
    with nl.Netlink(None) as host:
        return set(link['name'] for link in host.links())


def _check_names_free(name, physical):
    """Fail before moving anything when the host already has an interface of the same name."""
    if not physical:
        return
    taken = _host_names()
    clash = [link['name'] for link in physical if link['name'] in taken]
    if clash:
        raise c.ValidationError(
            'namespace %r holds %s, but the host\'s namespace already has an interface of that '
            'name, so it cannot be moved back; nothing was changed (the namespace was not '
            'deleted). Rename one of them first' % (name, ', '.join(clash)))


def _move_back(name, physical):
    """Move each link back to the module's own namespace the way multinic.routing.link does
    (keeping its addresses, MTU and admin state; the kernel drops addresses on a move)."""
    moved = []
    for link in physical:
        want = _link.build({'name': link['name'], 'source_netns': name, 'state': 'present'})
        try:
            with nl.Netlink(name) as sock:
                snap = _link.snapshot(sock, link['name'])
            if snap is None:
                continue    # gone meanwhile
            _before, after, _tracker = _link.plan(want, name, snap)
            _link.apply(want, name, snap, after)
        except NetlinkFailure as exc:
            raise NetlinkFailure(
                '%s; the namespace %r was not deleted%s' % (
                    exc.msg, name,
                    ' (moved back already: %s)' % ', '.join(moved) if moved else ''), exc.code)
        moved.append(link['name'])
    return moved


def delete(name, force, check_mode):
    """Delete a namespace that exists  -> the result keys; refuses a busy one without force."""
    processes, physical, virtual = inspect(name)
    if (processes or physical or virtual) and not force:
        raise c.ValidationError(busy_message(name, processes, physical, virtual))
    _check_names_free(name, physical)
    moved = [link['name'] for link in physical]
    if not check_mode:
        moved = _move_back(name, physical)
        _netns_files.delete_netns(name)
    result = {
        'pids': [p['pid'] for p in processes],
        'moved_back': moved,
        'destroyed': [link['name'] for link in virtual],
    }
    if processes:
        result['warnings'] = [
            'namespace %r %s deleted while processes still run in it: %s. They keep running in '
            'the namespace, which no longer has a name%s' % (
                name, 'would be' if check_mode else 'was',
                ', '.join('%d (%s)' % (p['pid'], p['comm']) for p in processes),
                '; its virtual interfaces (%s) go when the last of them ends'
                % ', '.join(result['destroyed']) if virtual else '')]
    return result


def run(module):
    params = module.params
    name = c.check_netns_name(params['name'], 'name')
    want = params['state'] == 'present'
    force = bool(params.get('force'))
    before = view(name)
    result = DifferenceTracker().existence(name if before['exists'] else None, name if want else None).report({})
    if not want:
        result.update(pids=[], moved_back=[], destroyed=[])
    after = before
    if result['changed']:
        if want:
            if not module.check_mode:
                nl.create_netns(name)
        else:
            result.update(delete(name, force, module.check_mode))
        after = {'name': name, 'exists': want} if module.check_mode else view(name)
    result.update(name=name, exists=after['exists'], path=_netns_files.netns_path(name))
    if module._diff:
        result['diff'] = c.diff_of(before, after)
    return result
