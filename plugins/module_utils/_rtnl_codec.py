# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Encode and decode rtnetlink messages: plain dicts in, pyroute2 messages out, and back.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice.

Pure functions, no socket and no kernel: the session (_netlink) sends what is built here and
hands back what the kernel answered to be decoded here, so the rest of the collection never
sees a pyroute2 object. Big dumps (routes, rules) are not parsed by pyroute2: the session reads
their raw bytes and the small decoder at the end of this file reads only the attributes the
collection uses, from pyroute2-free bytes, and skips a message as soon as its header or one
byte pattern shows that it cannot be the one asked for (``route_picker``, ``rule_picker``).
The result is the same dict ``decode_route`` / ``decode_rule`` make from a pyroute2 message.

Interface names and indexes are resolved by the caller's functions
(``name_of(index)``, ``index_of(name)``). Tables are read from RTA_TABLE / FRA_TABLE (the
header byte reads 252 above 255).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import struct

from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2 as pr

FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}
FAMILY_NUMBERS = {socket.AF_INET: 4, socket.AF_INET6: 6}

ROUTE_TYPES = {
    'unspec': 0, 'unicast': 1, 'local': 2, 'broadcast': 3, 'anycast': 4, 'multicast': 5,
    'blackhole': 6, 'unreachable': 7, 'prohibit': 8, 'throw': 9, 'nat': 10,
}
ROUTE_TYPE_NAMES = dict((v, k) for k, v in ROUTE_TYPES.items())
SCOPES = {'global': 0, 'site': 200, 'link': 253, 'host': 254, 'nowhere': 255}
SCOPE_NAMES = dict((v, k) for k, v in SCOPES.items())
RULE_ACTIONS = {'lookup': 1, 'goto': 2, 'nop': 3, 'blackhole': 6, 'unreachable': 7, 'prohibit': 8}
RULE_ACTION_NAMES = dict((v, k) for k, v in RULE_ACTIONS.items())
RTNH_F_ONLINK = 4
FIB_RULE_INVERT = 2
IFF_UP = 1
IFA_F_PERMANENT = 0x80
IFA_F_NODAD = 0x02
RT_TABLE_COMPAT = 252
RTM_F_LOOKUP_TABLE = 0x1000  # route_get: report the table the lookup used, not main


# --------------------------------------------------------------------------- helpers

def _attr(msg, name, default=None):
    value = msg.get_attr(name)
    return default if value is None else value


def _unset_if_all_ones(value):
    """The kernel reports 'not set' as 0xFFFFFFFF for some rule attributes."""
    return None if value in (None, 0xFFFFFFFF) else value


def family_of(address):
    """4 or 6 for an address string (no prefix)."""
    return 6 if ':' in address else 4


def _prefix(addr, length, family):
    if addr is None:
        if length == 0:
            return 'default'
        addr = '0.0.0.0' if family == 4 else '::'
    return '%s/%d' % (addr, length)


def split_prefix(cidr):
    """('10.0.0.0', 24) from '10.0.0.0/24'; (None, 0) for 'default'."""
    if cidr in (None, 'default'):
        return None, 0
    addr, _sep, length = cidr.partition('/')
    return addr, int(length)


def _header_table(table):
    """The rtmsg/fibmsg header byte for a table: the table itself, or 252 above 255."""
    return table if table < 256 else RT_TABLE_COMPAT


# --------------------------------------------------------------------------- links

def link_dump_msg():
    msg = pr.ifinfmsg()
    msg['family'] = socket.AF_UNSPEC
    return msg


def link_get_msg(name=None, index=None):
    """Ask for one link by name or by index (RTM_GETLINK without NLM_F_DUMP)."""
    msg = link_dump_msg()
    if index is not None:
        msg['index'] = index
    msg['attrs'] = [['IFLA_IFNAME', name]] if name is not None else []
    return msg


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


def link_msg(index, state=None, mtu=None):
    """Set admin state ('up'/'down') and/or MTU of a link."""
    msg = link_dump_msg()
    msg['index'] = index
    if state is not None:
        msg['flags'] = IFF_UP if state == 'up' else 0
        msg['change'] = IFF_UP
    attrs = []
    if mtu is not None:
        attrs.append(['IFLA_MTU', int(mtu)])
    msg['attrs'] = attrs
    return msg


def move_link_msg(index, netns_fd):
    """Move a link into the namespace of an open namespace file."""
    msg = link_dump_msg()
    msg['index'] = index
    msg['attrs'] = [['IFLA_NET_NS_FD', netns_fd]]
    return msg


# --------------------------------------------------------------------------- addresses

def address_dump_msg(index=None):
    msg = pr.ifaddrmsg()
    msg['family'] = socket.AF_UNSPEC
    if index is not None:
        msg['index'] = index
    return msg


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


def address_msg(index, cidr, broadcast=None, nodad=False):
    addr, length = split_prefix(cidr)
    family = family_of(addr)
    msg = pr.ifaddrmsg()
    msg['family'] = FAMILIES[family]
    msg['prefixlen'] = length
    msg['index'] = index
    if nodad and family == 6:
        msg['flags'] = IFA_F_NODAD
    attrs = [['IFA_LOCAL', addr], ['IFA_ADDRESS', addr]] if family == 4 else [['IFA_ADDRESS', addr]]
    if broadcast:
        attrs.append(['IFA_BROADCAST', broadcast])
    msg['attrs'] = attrs
    return msg


# --------------------------------------------------------------------------- routes

def route_dump_msg(family, table=None, proto=None):
    """A route dump of one family; with a table and/or a protocol, the kernel filters (strict
    checking: ip_valid_fib_dump_req() reads rtm_protocol and RTA_TABLE)."""
    msg = pr.rtmsg()
    msg['family'] = FAMILIES[family]
    if table is not None:
        msg['table'] = _header_table(table)
        msg['attrs'] = [['RTA_TABLE', table]]
    if proto:
        msg['proto'] = proto
    return msg


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


def _nexthops(nexthops, index_of):
    hops = []
    for nh in nexthops:
        hop = {'hops': max(int(nh.get('weight') or 1), 1) - 1,
               'flags': RTNH_F_ONLINK if nh.get('onlink') else 0, 'attrs': []}
        if nh.get('dev'):
            hop['oif'] = index_of(nh['dev'])
        if nh.get('gateway'):
            hop['attrs'].append(['RTA_GATEWAY', nh['gateway']])
        hops.append(hop)
    return hops


def route_msg(route, index_of, identity_only=False):
    """The message for a route dict; identity_only: only what the kernel deletes by."""
    family = route['family']
    addr, length = split_prefix(route['dest'])
    table = route['table']
    msg = pr.rtmsg()
    msg['family'] = FAMILIES[family]
    msg['dst_len'] = length
    msg['tos'] = route.get('tos') or 0
    msg['table'] = _header_table(table)
    attrs = [['RTA_TABLE', table]]
    if addr is not None and length:
        attrs.append(['RTA_DST', addr])
    if route.get('metric'):
        attrs.append(['RTA_PRIORITY', route['metric']])
    if identity_only:
        msg['scope'] = SCOPES['nowhere']
        msg['attrs'] = attrs
        return msg
    msg['type'] = ROUTE_TYPES[route.get('type') or 'unicast']
    msg['proto'] = route['proto']
    msg['scope'] = SCOPES[route['scope']]
    if route.get('onlink'):
        msg['flags'] = RTNH_F_ONLINK
    if route.get('gateway'):
        attrs.append(['RTA_GATEWAY', route['gateway']])
    if route.get('dev'):
        attrs.append(['RTA_OIF', index_of(route['dev'])])
    if route.get('src'):
        attrs.append(['RTA_PREFSRC', route['src']])
    if route.get('mtu'):
        attrs.append(['RTA_METRICS', {'attrs': [['RTAX_MTU', route['mtu']]]}])
    if route.get('nexthops'):
        attrs.append(['RTA_MULTIPATH', _nexthops(route['nexthops'], index_of)])
    msg['attrs'] = attrs
    return msg


def route_get_msg(dst, index_of, src=None, iif=None, oif=None, fwmark=None):
    """The `ip route get` question (RTM_GETROUTE without dump)."""
    family = family_of(dst)
    msg = pr.rtmsg()
    msg['family'] = FAMILIES[family]
    msg['dst_len'] = 32 if family == 4 else 128
    if family == 4:
        # without this flag the IPv4 answer always says table main (`ip route get` sets it);
        # IPv6 always reports the table and, with strict checking, refuses the flag (EINVAL)
        msg['flags'] = RTM_F_LOOKUP_TABLE
    attrs = [['RTA_DST', dst]]
    if src:
        attrs.append(['RTA_SRC', src])
        msg['src_len'] = 32 if family == 4 else 128
    if iif:
        attrs.append(['RTA_IIF', index_of(iif)])
    if oif:
        attrs.append(['RTA_OIF', index_of(oif)])
    if fwmark is not None:
        attrs.append(['RTA_MARK', fwmark])
    msg['attrs'] = attrs
    return msg


def decode_route_get(m, name_of):
    """The kernel's answer to route_get_msg: a route with iif and uid."""
    route = decode_route(m, name_of)
    route['iif'] = name_of(m.get_attr('RTA_IIF'))
    route['uid'] = m.get_attr('RTA_UID')
    return route


# --------------------------------------------------------------------------- rules

def rule_dump_msg(family):
    msg = pr.fibmsg()
    msg['family'] = FAMILIES[family]
    return msg


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


def rule_msg(rule):
    msg = rule_dump_msg(rule['family'])
    msg['action'] = RULE_ACTIONS[rule.get('action') or 'lookup']
    msg['tos'] = rule.get('tos') or 0
    if rule.get('invert'):
        msg['flags'] = FIB_RULE_INVERT
    attrs = [['FRA_PRIORITY', rule['priority']]]
    for key, attr, lenfield in (('from', 'FRA_SRC', 'src_len'), ('to', 'FRA_DST', 'dst_len')):
        if rule.get(key):
            addr, length = split_prefix(rule[key])
            msg[lenfield] = length
            attrs.append([attr, addr])
    for key, attr in (('iif', 'FRA_IIFNAME'), ('oif', 'FRA_OIFNAME'), ('fwmark', 'FRA_FWMARK'),
                      ('fwmask', 'FRA_FWMASK'), ('ipproto', 'FRA_IP_PROTO'),
                      ('goto', 'FRA_GOTO'), ('proto', 'FRA_PROTOCOL')):
        if rule.get(key) is not None:
            attrs.append([attr, rule[key]])
    if rule.get('suppress_prefixlength') is not None:
        attrs.append(['FRA_SUPPRESS_PREFIXLEN', rule['suppress_prefixlength']])
    for key, attr in (('sport', 'FRA_SPORT_RANGE'), ('dport', 'FRA_DPORT_RANGE'),
                      ('uidrange', 'FRA_UID_RANGE')):
        if rule.get(key) is not None:
            attrs.append([attr, '%d:%d' % tuple(rule[key])])
    table = rule.get('table')
    if table is not None and msg['action'] == RULE_ACTIONS['lookup']:
        msg['table'] = _header_table(table)
        attrs.append(['FRA_TABLE', table])
    msg['attrs'] = attrs
    return msg


# --------------------------------------------------------------------------- raw dumps
#
# The wire format (include/uapi/linux/netlink.h, rtnetlink.h, fib_rules.h), read directly:
# nlmsghdr (len, type, flags, seq, pid), then the family header (rtmsg or fib_rule_hdr, both
# 12 bytes), then attributes (len, type, payload padded to 4 bytes).

NLMSG_HDR = struct.Struct('=IHHII')
NLMSG_HDRLEN = NLMSG_HDR.size
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_DUMP_INTR = 0x10
_ATTR = struct.Struct('=HH')
_U32 = struct.Struct('=I')
_I32 = struct.Struct('=i')
_U16_PAIR = struct.Struct('=HH')
_U32_PAIR = struct.Struct('=II')
_FAMILY_HDR = struct.Struct('=BBBBBBBBI')   # rtmsg / fib_rule_hdr: 8 bytes and a u32 of flags
_RTNH = struct.Struct('=HBBi')              # rtnexthop: len, flags, hops, ifindex
_NLA_TYPE_MASK = 0x3FFF                     # without NLA_F_NESTED / NLA_F_NET_BYTEORDER

RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC = 1, 4, 5, 6, 7
RTA_METRICS, RTA_MULTIPATH, RTA_TABLE = 8, 9, 15
RTAX_MTU = 2
FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_GOTO, FRA_PRIORITY = 1, 2, 3, 4, 6
FRA_FWMARK, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_FWMASK, FRA_OIFNAME = 10, 14, 15, 16, 17
FRA_UID_RANGE, FRA_PROTOCOL, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE = 20, 21, 22, 23, 24


def request_bytes(msg, msg_type, flags, seq):
    """A codec message (route_dump_msg, rule_dump_msg) as the bytes to send on a socket."""
    msg.encode()
    raw = bytearray(msg.data[:msg['header']['length']])
    NLMSG_HDR.pack_into(raw, 0, len(raw), msg_type, flags, seq, 0)
    return bytes(raw)


def scan(buf, seq, pick):
    """Walk the netlink messages of one datagram of a dump answer.

    ``pick(buf, start, end)`` is called with the bounds of each message's payload and returns
    an item or None. Returns (items, done, interrupted, error): done when NLMSG_DONE was read,
    interrupted when a message carried NLM_F_DUMP_INTR, error the errno (positive) the kernel
    answered with, else 0. Messages of another sequence number are skipped.
    """
    items = []
    done = interrupted = False
    error = 0
    off, size = 0, len(buf)
    unpack = NLMSG_HDR.unpack_from
    while off + NLMSG_HDRLEN <= size:
        length, msg_type, flags, msg_seq, _pid = unpack(buf, off)
        if length < NLMSG_HDRLEN or off + length > size:
            break
        if msg_seq == seq:
            if flags & NLM_F_DUMP_INTR:
                interrupted = True
            if msg_type == NLMSG_DONE or msg_type == NLMSG_ERROR:
                code = _I32.unpack_from(buf, off + NLMSG_HDRLEN)[0] if length >= NLMSG_HDRLEN + 4 else 0
                if code < 0:
                    error = -code
                if msg_type == NLMSG_DONE or code < 0:
                    done = True
            elif msg_type > NLMSG_DONE + 1:       # not NOOP / OVERRUN
                item = pick(buf, off + NLMSG_HDRLEN, off + length)
                if item is not None:
                    items.append(item)
        off += (length + 3) & ~3
    return items, done, interrupted, error


def _attributes(buf, off, end):
    """{type: (payload start, payload length)} of the attributes in buf[off:end], first wins."""
    found = {}
    unpack = _ATTR.unpack_from
    while off + 4 <= end:
        length, kind = unpack(buf, off)
        if length < 4:
            break
        kind &= _NLA_TYPE_MASK
        if kind not in found:
            found[kind] = (off + 4, length - 4)
        off += (length + 3) & ~3
    return found


def _ip(buf, where, family):
    if where is None:
        return None
    start, length = where
    return socket.inet_ntop(family, bytes(buf[start:start + length]))


def _u32(buf, where):
    return None if where is None else _U32.unpack_from(buf, where[0])[0]


def _u8(buf, where):
    return None if where is None else buf[where[0]]


def _text(buf, where):
    if where is None:
        return None
    start, length = where
    raw = bytes(buf[start:start + length])
    return raw.split(b'\0', 1)[0].decode('utf-8', 'replace')


def decode_route_bytes(buf, off, end, name_of):
    """decode_route() for a route message read from the socket: the payload in buf[off:end]."""
    af, dst_len, _src_len, tos, table, proto, scope, rtype, flags = _FAMILY_HDR.unpack_from(buf, off)
    attrs = _attributes(buf, off + _FAMILY_HDR.size, end)
    get = attrs.get
    family = FAMILY_NUMBERS.get(af, af)
    mtu = None
    metrics = get(RTA_METRICS)
    if metrics is not None:
        mtu = _u32(buf, _attributes(buf, metrics[0], metrics[0] + metrics[1]).get(RTAX_MTU))
    nexthops = None
    multipath = get(RTA_MULTIPATH)
    if multipath is not None:
        hops = []
        pos, stop = multipath[0], multipath[0] + multipath[1]
        while pos + _RTNH.size <= stop:
            length, hop_flags, hop_count, ifindex = _RTNH.unpack_from(buf, pos)
            if length < _RTNH.size:
                break
            hop_attrs = _attributes(buf, pos + _RTNH.size, pos + length)
            hops.append({
                'gateway': _ip(buf, hop_attrs.get(RTA_GATEWAY), af),
                'dev': name_of(ifindex),
                'weight': hop_count + 1,
                'onlink': bool(hop_flags & RTNH_F_ONLINK),
            })
            pos += (length + 3) & ~3
        nexthops = hops or None
    table_attr = get(RTA_TABLE)
    return {
        'family': family,
        'table': table if table_attr is None else _u32(buf, table_attr),
        'dest': _prefix(_ip(buf, get(RTA_DST), af), dst_len, family),
        'metric': _u32(buf, get(RTA_PRIORITY)) or 0,
        'tos': tos,
        'type': ROUTE_TYPE_NAMES.get(rtype, str(rtype)),
        'proto': proto,
        'scope': SCOPE_NAMES.get(scope, str(scope)),
        'gateway': _ip(buf, get(RTA_GATEWAY), af),
        'dev': name_of(_u32(buf, get(RTA_OIF))),
        'src': _ip(buf, get(RTA_PREFSRC), af),
        'onlink': bool(flags & RTNH_F_ONLINK),
        'mtu': mtu,
        'nexthops': nexthops,
    }


def route_picker(family, name_of, dest=None):
    """pick() for scan(): every route, or (dest given) only the routes to exactly ``dest``.

    A route to another prefix is skipped on its header byte (dst_len) or on the absence of its
    RTA_DST bytes; a candidate is decoded whole and compared as decode_route() renders it.
    """
    if dest is None:
        return lambda buf, off, end: decode_route_bytes(buf, off, end, name_of)
    addr, length = split_prefix(dest)
    needle = None
    if addr is not None and length:
        packed = socket.inet_pton(FAMILIES[family], addr)
        if packed.strip(b'\0'):
            needle = _ATTR.pack(4 + len(packed), RTA_DST) + packed
    first_attr = _FAMILY_HDR.size

    def pick(buf, off, end):
        if buf[off + 1] != length:
            return None
        if needle is not None and buf.find(needle, off + first_attr, end) < 0:
            return None
        route = decode_route_bytes(buf, off, end, name_of)
        return route if route['dest'] == dest else None
    return pick


def _span_bytes(buf, where, pair):
    if where is None:
        return None
    return list(pair.unpack_from(buf, where[0]))


def decode_rule_bytes(buf, off, end):
    """decode_rule() for a rule message read from the socket: the payload in buf[off:end]."""
    af, dst_len, src_len, tos, table, _res1, _res2, action_id, flags = _FAMILY_HDR.unpack_from(buf, off)
    attrs = _attributes(buf, off + _FAMILY_HDR.size, end)
    get = attrs.get
    family = FAMILY_NUMBERS.get(af, af)

    def prefix(kind, length):
        value = _ip(buf, get(kind), af)
        return None if value is None else '%s/%d' % (value, length)

    action = RULE_ACTION_NAMES.get(action_id, str(action_id))
    table_attr = get(FRA_TABLE)
    if table_attr is not None:
        table = _u32(buf, table_attr)
    return {
        'family': family,
        'priority': _u32(buf, get(FRA_PRIORITY)) or 0,
        'from': prefix(FRA_SRC, src_len),
        'to': prefix(FRA_DST, dst_len),
        'iif': _text(buf, get(FRA_IIFNAME)),
        'oif': _text(buf, get(FRA_OIFNAME)),
        'fwmark': _u32(buf, get(FRA_FWMARK)),
        'fwmask': _u32(buf, get(FRA_FWMASK)),
        'ipproto': _u8(buf, get(FRA_IP_PROTO)),
        'sport': _span_bytes(buf, get(FRA_SPORT_RANGE), _U16_PAIR),
        'dport': _span_bytes(buf, get(FRA_DPORT_RANGE), _U16_PAIR),
        'uidrange': _span_bytes(buf, get(FRA_UID_RANGE), _U32_PAIR),
        'tos': tos,
        'table': table if action == 'lookup' else None,
        'action': action,
        'goto': _u32(buf, get(FRA_GOTO)),
        'suppress_prefixlength': _unset_if_all_ones(_u32(buf, get(FRA_SUPPRESS_PREFIXLEN))),
        'invert': bool(flags & FIB_RULE_INVERT),
        'proto': _u8(buf, get(FRA_PROTOCOL)),
    }


def rule_picker(priority=None):
    """pick() for scan(): every rule, or (priority given) only the rules at that priority.

    The kernel sends FRA_PRIORITY only when it is not 0; a rule at another priority is skipped
    on the absence of its 8 bytes, a candidate is decoded whole and compared.
    """
    if priority is None:
        return decode_rule_bytes
    needle = _ATTR.pack(8, FRA_PRIORITY) + _U32.pack(priority) if priority else None
    first_attr = _FAMILY_HDR.size

    def pick(buf, off, end):
        if needle is not None and buf.find(needle, off + first_attr, end) < 0:
            return None
        rule = decode_rule_bytes(buf, off, end)
        return rule if rule['priority'] == priority else None
    return pick


# --------------------------------------------------------------------------- routes as JSON rows
#
# routing_facts returns every route of every table. With 100,000 routes, a dict per route and
# Ansible's generic result handling cost many times the dump itself (and the dicts alone weigh
# about 50 MB), so for that one caller each route goes straight from its message to the text of
# its JSON object, kept as a row of three strings (see _exit.JSONRows).
#
# The routes of a big table mostly differ only in their destination: 100,000 host routes via one
# gateway on one device are the same message but for the bytes of RTA_DST. So a message is
# decoded whole (decode_route_bytes) only the first time its bytes outside RTA_DST's payload are
# seen; its JSON text, split around the destination, is kept as a template, and every later
# message equal outside that payload costs one dict look-up and one inet_ntop.
#
# Why that is exact: _attributes() reads attribute headers only, each at an offset given by the
# headers before it, never inside a payload. Two messages of the same length that are equal
# outside the payload of their first RTA_DST therefore have the same attributes at the same
# offsets, with equal payloads but that one, and the same header (dst_len included), so
# decode_route_bytes() gives them equal dicts but for 'dest', which is '<RTA_DST>/<dst_len>'.

JSON_ROUTE_TEMPLATES = 4096     # templates kept: bounds memory when hardly two routes share one
_JSON_SPOTS_PER_LENGTH = 4      # RTA_DST offsets tried per message length: bounds a miss's cost
_DEST_MARK = '\0multinic-dest\0'


def route_json(route):
    """The JSON text of one route dict, as json.dumps writes it (the row of a route without a
    template: see route_json_picker)."""
    return json.dumps(route)


def route_json_picker(name_of, decorate=None, table=None):
    """pick() for scan(): every route (of ``table`` only, when given) as a JSON row.

    A row is a tuple of three strings whose concatenation is the JSON text of the dict
    decode_route_bytes() makes, after ``decorate(route)`` (which may add keys, computed from
    anything but 'dest'). Equal text for every message: only the first message of each layout is
    decoded whole (see above).
    """
    templates = {}      # message bytes outside RTA_DST's payload -> (prefix, family, suffix)
    spots = {}          # message length -> [(start, stop) of RTA_DST's payload in the message]
    ntop = socket.inet_ntop
    first_attr = _FAMILY_HDR.size

    def pick(buf, off, end):
        for start, stop in spots.get(end - off, ()):
            found = templates.get(buf[off:off + start] + buf[off + stop:end])
            if found is not None:
                return found[0], ntop(found[1], buf[off + start:off + stop]), found[2]
        route = decode_route_bytes(buf, off, end, name_of)
        if table is not None and route['table'] != table:
            return None
        if decorate is not None:
            decorate(route)
        where = _attributes(buf, off + first_attr, end).get(RTA_DST)
        if where is None or len(templates) >= JSON_ROUTE_TEMPLATES:
            return route_json(route), '', ''
        dest = route['dest']
        addr, _sep, length = dest.partition('/')
        route['dest'] = _DEST_MARK
        parts = route_json(route).split(json.dumps(_DEST_MARK))
        route['dest'] = dest
        if len(parts) != 2 or addr != _ip(buf, where, buf[off]):
            return route_json(route), '', ''    # not seen; kept as a plain row all the same
        start, stop = where[0] - off, where[0] + where[1] - off
        found = (parts[0] + '"', buf[off], '/%s"%s' % (length, parts[1]))
        templates[buf[off:off + start] + buf[off + stop:end]] = found
        known = spots.setdefault(end - off, [])
        if (start, stop) not in known and len(known) < _JSON_SPOTS_PER_LENGTH:
            known.append((start, stop))
        return found[0], addr, found[2]
    return pick
