# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.link module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.

Kernel facts this relies on (checked on 6.x, same since 3.x):
- moving a link to another namespace takes it down and drops every address and every route
  through it; the index may change when the old one is taken in the target; the MTU stays;
- taking a link down drops its IPv6 addresses (net.ipv6.conf.*.keep_addr_on_down=0, the
  default), so the admin state is lowered BEFORE addresses are written and raised after;
- deleting an IPv4 primary address also deletes (or promotes) its secondaries, so unwanted
  addresses are deleted last-first and the missing ones are added from a fresh read.

systemd-networkd (252) facts the handover relies on: it takes up a link that comes into its
namespace by itself, as at boot (DHCP, its route metric). Carried addresses are foreign to it:
it updates a DHCP address in place but keeps the carried prefix route's metric, and a
`networkctl reconfigure` to start clean can land while the DHCP address is being configured and
leave networkd holding that address as "removing" for good (the NIC stays without it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _managers
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec, netns_spec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink
from ansible_collections.multinic.routing.plugins.module_utils._netns_files import netns_exists, netns_path

STATES = ['present', 'up', 'down']
MTU_MIN = 68
MTU_MIN_IPV6 = 1280
MTU_MAX = 65535
LINK_LOCAL_V6 = ipaddress.ip_network(u'fe80::/10')
# how long networkd gets to take a link that came back, then to configure it (each)
HANDOVER_TIMEOUT = 30

SPEC = ArgumentSpec(dict(
    name=dict(type='str', required=True),
    source_netns=dict(type='str'),
    state=dict(type='str', default='present', choices=STATES),
    mtu=dict(type='int'),
    addresses=dict(type='list', elements='str'),
    networkd_handover=dict(type='bool', default=False),
)).merge(netns_spec())


# --------------------------------------------------------------------------- validation

def _where(netns):
    return 'namespace %r' % netns if netns else "the host's namespace"


def _interface(cidr):
    return ipaddress.ip_interface(str(cidr))


def canonical(cidr):
    """'2001:db8::4/64' style text for an interface address (address + prefix length)."""
    iface = _interface(cidr)
    return '%s/%d' % (iface.ip, iface.network.prefixlen)


def is_link_local_v6(cidr):
    iface = _interface(cidr)
    return iface.version == 6 and iface.ip in LINK_LOCAL_V6


def _sort_key(cidr):
    iface = _interface(cidr)
    return (iface.version, int(iface.ip), iface.network.prefixlen)


def parse_addresses(values):
    """Validate the addresses option  -> list of canonical CIDRs, in the order given."""
    result = []
    seen = {}
    for i, value in enumerate(values):
        option = 'addresses[%d]' % i
        text = str(value).strip()
        if '/' not in text:
            raise c.ValidationError('%s=%r has no prefix length; write it as an interface '
                                    'address such as 10.240.64.4/24 or 2001:db8::4/64 '
                                    '(/32 or /128 for a lone address)' % (option, value))
        cidr = c.parse_prefix(text, option, host_bits='keep')[0]
        iface = _interface(cidr)
        if iface.ip.is_unspecified or iface.ip.is_multicast:
            raise c.ValidationError('%s=%r is not a unicast address' % (option, value))
        if iface.version == 6 and iface.ip in LINK_LOCAL_V6:
            raise c.ValidationError('%s=%r is an IPv6 link-local address (fe80::/10); those are '
                                    'left to the kernel and not managed by this module'
                                    % (option, value))
        net = iface.network
        if iface.version == 4 and net.prefixlen < 31 and iface.ip in (net.network_address,
                                                                      net.broadcast_address):
            raise c.ValidationError('%s=%r is the %s address of %s, not an interface address'
                                    % (option, value, 'network' if iface.ip == net.network_address
                                       else 'broadcast', net))
        addr = str(iface.ip)
        if addr in seen:
            if seen[addr] != cidr:
                raise c.ValidationError('addresses lists %s twice with different prefix lengths '
                                        '(%s and %s)' % (addr, seen[addr], cidr))
            continue
        seen[addr] = cidr
        result.append(cidr)
    return result


def build(params):
    """Validate every option (nothing is read or written yet)  -> the wanted settings."""
    name = c.check_ifname(params['name'], 'name')
    if params.get('source_netns') is not None:
        c.check_netns_name(params['source_netns'], 'source_netns')
    addresses = None
    if params.get('addresses') is not None:
        addresses = parse_addresses(params['addresses'])
    mtu = params.get('mtu')
    if mtu is not None:
        if not MTU_MIN <= mtu <= MTU_MAX:
            raise c.ValidationError('mtu=%r is out of range (%d..%d)' % (mtu, MTU_MIN, MTU_MAX))
        v6 = [a for a in addresses or [] if ':' in a]
        if v6 and mtu < MTU_MIN_IPV6:
            raise c.ValidationError('mtu=%r is below %d, the IPv6 minimum, but addresses has IPv6 '
                                    'address %s (the kernel disables IPv6 on such a link)'
                                    % (mtu, MTU_MIN_IPV6, v6[0]))
    handover = bool(params.get('networkd_handover'))
    if handover and params.get('netns'):
        raise c.ValidationError('networkd_handover=true is for an interface coming back to the '
                                "host's namespace, but netns=%r is set" % (params['netns'],))
    if handover and addresses is not None:
        raise c.ValidationError('networkd_handover=true leaves the addresses to systemd-networkd (or '
                                'carries them where it does not configure the interface); addresses '
                                'cannot be given with it')
    return {
        'name': name,
        'netns': params.get('netns') or None,
        'source_netns': params.get('source_netns') or None,
        'state': params['state'],
        'mtu': mtu,
        'addresses': addresses,
        'networkd_handover': handover,
    }


# --------------------------------------------------------------------------- kernel state

def snapshot(nl, name):
    """The link and its addresses as the kernel holds them, or None."""
    link = nl.link_by_name(name)
    if link is None:
        return None
    return {'link': link, 'addresses': nl.addresses(link['index'])}


def managed(addresses):
    """The addresses this module manages, kernel order: IPv4 and non-link-local IPv6."""
    return [a for a in addresses if not (a['family'] == 6 and is_link_local_v6(a['cidr']))]


def view(snap, netns):
    """What diff and the result show: where the link is, admin state, MTU, addresses."""
    link = snap['link']
    return {
        'name': link['name'],
        'netns': netns,
        'state': 'up' if link['up'] else 'down',
        'mtu': link['mtu'],
        'addresses': sorted((canonical(a['cidr']) for a in managed(snap['addresses'])),
                            key=_sort_key),
    }


def locate(want):
    """(namespace the link is in, its snapshot); an error when it is in neither place."""
    target, source = want['netns'], want['source_netns']
    name = want['name']
    with Netlink(target) as nl:
        snap = snapshot(nl, name)
    if snap is not None:
        return target, snap
    if source == target:
        raise c.ValidationError('name=%r: no such interface in %s' % (name, _where(target)))
    if source and not netns_exists(source):
        raise c.ValidationError('name=%r: no such interface in %s (netns), and source_netns=%r '
                                'does not exist (no %s)'
                                % (name, _where(target), source, netns_path(source)))
    with Netlink(source) as nl:
        snap = snapshot(nl, name)
    if snap is None:
        raise c.ValidationError('name=%r: no such interface, neither in %s (netns) nor in %s '
                                '(source_netns)' % (name, _where(target), _where(source)))
    return source, snap


def plan(want, where, snap):
    """The view the link must end up with and a DifferenceTracker of what differs."""
    before = view(snap, where)
    after = dict(before)
    after['netns'] = want['netns']
    if want['state'] != 'present':
        after['state'] = want['state']
    if want['mtu'] is not None:
        after['mtu'] = want['mtu']
    if want['addresses'] is not None:
        after['addresses'] = sorted(want['addresses'], key=_sort_key)
    tracker = DifferenceTracker().compare_keys(before, after, ('netns', 'state', 'mtu'))
    if set(before['addresses']) != set(after['addresses']):
        tracker.add('addresses', before['addresses'], after['addresses'])
    return before, after, tracker


def apply(want, where, snap, after):
    """Move the link if needed, then make MTU, admin state and addresses what ``after`` says."""
    name, target = want['name'], want['netns']
    # Addresses to (re-)add, with the broadcast they had (none when they had none), in the
    # kernel's order so an IPv4 primary stays primary.
    broadcast = dict((canonical(a['cidr']), a.get('broadcast')) for a in snap['addresses'])
    if want['addresses'] is None:
        wanted = [canonical(a['cidr']) for a in managed(snap['addresses'])]
    else:
        wanted = list(want['addresses'])
    if where != target:
        handover = want['networkd_handover'] and target is None and _managers.networkd_here()
        with Netlink(where) as nl:
            nl.move_link(snap['link']['index'], target)
        try:
            if handover:
                return handover_to_networkd(name, after, wanted, broadcast)
            return _settle(name, target, after, wanted, broadcast)[0]
        except NetlinkFailure as exc:
            # the kernel dropped the addresses with the move; a rerun would no longer see them
            raise NetlinkFailure('%s - after %s was moved from %s to %s; it had admin state %s '
                                 'and addresses %s: give them in addresses to restore them'
                                 % (exc.msg, name, _where(where), _where(target),
                                    'up' if snap['link']['up'] else 'down',
                                    ', '.join(wanted) or '(none)'), exc.code)
    return _settle(name, target, after, wanted, broadcast)[0]


def handover_to_networkd(name, after, carried, broadcast, timeout=HANDOVER_TIMEOUT):
    """The link is back in networkd's namespace without addresses: networkd configures it from
    scratch; where it leaves it alone or fails, the carried addresses go back on.
    -> the link's view, with networkd's ADMIN_STATE ('networkd') and 'warnings' (networkd not
    done in time)."""
    view_now, index = _settle(name, None, after, None, broadcast)
    state, done = _managers.wait_networkd_link(index, timeout)
    admin = state.get('ADMIN_STATE')
    if admin == 'configuring':
        state, done = _managers.wait_networkd_link(index, timeout)
        admin = state.get('ADMIN_STATE')
    takes = admin in ('configuring', 'configured') and bool(state.get('NETWORK_FILE'))
    warnings = []
    if not takes:
        view_now = _settle(name, None, after, carried, broadcast, delete=False)[0]
        if admin != 'unmanaged':
            warnings.append('systemd-networkd did not take %s up within %d s (its state: %s): the '
                            'addresses it carried were put back (%s)'
                            % (name, timeout, admin or 'none', ', '.join(carried) or 'none'))
    elif not done:
        warnings.append('systemd-networkd was still configuring %s %d s after it came back; it goes on '
                        'by itself' % (name, 2 * timeout))
    view_now['networkd'] = admin or 'none'
    view_now['warnings'] = warnings
    return view_now


def _settle(name, target, after, wanted, broadcast, delete=True):
    """In the target namespace: MTU, admin state and addresses as ``after`` says (``wanted``
    None: addresses left alone; ``delete`` False: only the missing ones added).
    -> (the link's view, its index)."""
    with Netlink(target) as nl:
        link = nl.link_by_name(name)
        if link is None:
            raise NetlinkFailure('interface %r is no longer found in %s' % (name, _where(target)))
        index = link['index']
        if link['mtu'] != after['mtu']:
            nl.set_link(index, mtu=after['mtu'])
        if link['up'] and after['state'] == 'down':
            nl.set_link(index, state='down')
        current = [canonical(a['cidr']) for a in managed(nl.addresses(index))]
        for cidr in reversed(current) if wanted is not None and delete else ():
            if cidr not in wanted:
                present = [canonical(a['cidr']) for a in managed(nl.addresses(index))]
                if cidr in present:
                    nl.delete_address(index, cidr)
        present = set(canonical(a['cidr']) for a in managed(nl.addresses(index)))
        for cidr in wanted or ():
            if cidr not in present:
                brd = broadcast[cidr] if cidr in broadcast else _broadcast(cidr)
                nl.add_address(index, cidr, broadcast=brd, nodad=True)
        if not link['up'] and after['state'] == 'up':
            nl.set_link(index, state='up')
        snap = snapshot(nl, name)
    return view(snap, target), index


def _broadcast(cidr):
    """The subnet broadcast for a new IPv4 address (what `ip addr add ... brd +` sets)."""
    iface = _interface(cidr)
    if iface.version != 4 or iface.network.prefixlen >= 31:
        return None
    return str(iface.network.broadcast_address)


def run(module):
    want = build(module.params)
    if want['netns'] and not netns_exists(want['netns']):
        raise c.ValidationError('netns=%r: no such network namespace (no %s); this module never '
                                'creates one - multinic.routing.netns does'
                                % (want['netns'], netns_path(want['netns'])))
    where, snap = locate(want)
    before, after, tracker = plan(want, where, snap)
    result = tracker.report({})
    if tracker.empty:
        after = before
    elif not module.check_mode:
        after = apply(want, where, snap, after)
        result['warnings'] = after.pop('warnings', [])
        if 'networkd' in after:
            result['networkd'] = after.pop('networkd')
    result['link'] = after
    if module._diff:
        result['diff'] = c.diff_of(before, after)
    return result
