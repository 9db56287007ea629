# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Encode and decode rtnetlink messages: plain dicts in, bytes or pyroute2 messages out, and back.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice.

Pure functions, no socket and no kernel: the session (_netlink) sends what is built here and
hands back what the kernel answered to be decoded here, so the rest of the collection never
sees a pyroute2 object.
- Changes (link_msg, address_msg, route_msg, rule_msg, move_link_msg) are pyroute2 messages,
  sent on pyroute2's socket; building the first one loads pyroute2.
- Questions (the dumps, a link by name or index, `ip route get`) are raw requests - the family
  header's bytes and the attributes' bytes (request_bytes) - and their answers are read from
  the bytes by the small decoder at the end of this file, which reads only the attributes the
  collection uses and skips a message as soon as its header or one byte pattern shows that it
  cannot be the one asked for (``route_picker``, ``rule_picker``). So a run that only reads
  never imports pyroute2, and a dump of 100,000 routes costs what the routes asked for cost.
  The unit tests hold each decoder to what pyroute2's own parse of the message gives.

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

def _message(kind):
    """A new pyroute2 message (ifinfmsg, ifaddrmsg, rtmsg, fibmsg) for a change: the first one
    of a run loads pyroute2."""
    pr.loaded('changing links, addresses, routes or rules')
    return getattr(pr, kind)()


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
    """Every link (RTM_GETLINK with NLM_F_DUMP): a raw request (see request_bytes)."""
    return link_get_msg()


def link_get_msg(name=None, index=None):
    """Ask for one link by name or by index (RTM_GETLINK without NLM_F_DUMP): a raw request."""
    attrs = [_attr_bytes(IFLA_IFNAME, name.encode('utf-8') + b'\0')] if name is not None else []
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index or 0, 0, 0), attrs


def _ifinfmsg(index):
    msg = _message('ifinfmsg')
    msg['family'] = socket.AF_UNSPEC
    msg['index'] = index
    return msg


def link_msg(index, state=None, mtu=None):
    """Set admin state ('up'/'down') and/or MTU of a link."""
    msg = _ifinfmsg(index)
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
    msg = _ifinfmsg(index)
    msg['attrs'] = [['IFLA_NET_NS_FD', netns_fd]]
    return msg


# --------------------------------------------------------------------------- addresses

def address_dump_msg(index=None):
    """Every address (of one link: ``index``; RTM_GETADDR with NLM_F_DUMP): a raw request."""
    return _IFADDR.pack(socket.AF_UNSPEC, 0, 0, 0, index or 0), []


def address_msg(index, cidr, broadcast=None, nodad=False):
    addr, length = split_prefix(cidr)
    family = family_of(addr)
    msg = _message('ifaddrmsg')
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
    checking: ip_valid_fib_dump_req() reads rtm_protocol and RTA_TABLE). A raw request."""
    header = _FAMILY_HDR.pack(FAMILIES[family], 0, 0, 0, 0 if table is None else _header_table(table),
                              proto or 0, 0, 0, 0)
    return header, [] if table is None else [_attr_bytes(RTA_TABLE, _U32.pack(table))]


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
    msg = _message('rtmsg')
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
    """The `ip route get` question (RTM_GETROUTE without dump): a raw request."""
    family = family_of(dst)
    af, full = FAMILIES[family], 32 if family == 4 else 128
    # without RTM_F_LOOKUP_TABLE the IPv4 answer always says table main (`ip route get` sets
    # it); IPv6 always reports the table and, with strict checking, refuses the flag (EINVAL)
    header = _FAMILY_HDR.pack(af, full, full if src else 0, 0, 0, 0, 0, 0,
                              RTM_F_LOOKUP_TABLE if family == 4 else 0)
    attrs = [_attr_bytes(RTA_DST, socket.inet_pton(af, dst))]
    if src:
        attrs.append(_attr_bytes(RTA_SRC, socket.inet_pton(af, src)))
    if iif:
        attrs.append(_attr_bytes(RTA_IIF, _U32.pack(index_of(iif))))
    if oif:
        attrs.append(_attr_bytes(RTA_OIF, _U32.pack(index_of(oif))))
    if fwmark is not None:
        attrs.append(_attr_bytes(RTA_MARK, _U32.pack(fwmark)))
    return header, attrs


# --------------------------------------------------------------------------- rules

def rule_dump_msg(family):
    """Every rule of one family (RTM_GETRULE with NLM_F_DUMP): a raw request."""
    return _FAMILY_HDR.pack(FAMILIES[family], 0, 0, 0, 0, 0, 0, 0, 0), []


def _fibmsg(family):
    msg = _message('fibmsg')
    msg['family'] = FAMILIES[family]
    return msg


def rule_msg(rule):
    msg = _fibmsg(rule['family'])
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
_IFINFO = struct.Struct('=BxHiII')          # ifinfomsg: family, type, index, flags, change
_IFADDR = struct.Struct('=BBBBI')           # ifaddrmsg: family, prefixlen, flags, scope, index
_NLA_TYPE_MASK = 0x3FFF                     # without NLA_F_NESTED / NLA_F_NET_BYTEORDER

RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC = 1, 2, 3, 4, 5, 6, 7
RTA_METRICS, RTA_MULTIPATH, RTA_TABLE, RTA_MARK, RTA_UID = 8, 9, 15, 16, 25
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER, IFLA_OPERSTATE, IFLA_LINKINFO = 1, 3, 4, 10, 16, 18
IFLA_INFO_KIND = 1
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_FLAGS = 1, 2, 3, 4, 8
# RFC 2863 operational states, as pyroute2 names IFLA_OPERSTATE
OPERSTATES = ('UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP')
RTAX_MTU = 2
FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_GOTO, FRA_PRIORITY = 1, 2, 3, 4, 6
FRA_FWMARK, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_FWMASK, FRA_OIFNAME = 10, 14, 15, 16, 17
FRA_UID_RANGE, FRA_PROTOCOL, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE = 20, 21, 22, 23, 24


def _attr_bytes(kind, payload):
    """One attribute: its header, ``payload`` and the padding to 4 bytes."""
    length = _ATTR.size + len(payload)
    return _ATTR.pack(length, kind) + payload + b'\0' * (-length % 4)


def request_bytes(request, msg_type, flags, seq):
    """A raw request (the family header's bytes, the attributes' bytes: link_get_msg,
    address_dump_msg, route_dump_msg, route_get_msg, rule_dump_msg) as the bytes to send."""
    header, attrs = request
    body = header + b''.join(attrs)
    return NLMSG_HDR.pack(NLMSG_HDRLEN + len(body), msg_type, flags, seq, 0) + body


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
    """A route read from the socket (the payload in buf[off:end]): family, table, dest, metric,
    tos, type, proto, scope, gateway, dev, src, onlink, mtu, nexthops."""
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


def decode_route_get_bytes(buf, off, end, name_of):
    """The kernel's answer to route_get_msg (decode_route_bytes with iif and uid)."""
    route = decode_route_bytes(buf, off, end, name_of)
    attrs = _attributes(buf, off + _FAMILY_HDR.size, end)
    route['iif'] = name_of(_u32(buf, attrs.get(RTA_IIF)))
    route['uid'] = _u32(buf, attrs.get(RTA_UID))
    return route


def decode_link_bytes(buf, off, end):
    """A link read from the socket: index, name, kind, up, operstate, mtu, mac, master."""
    _af, _type, index, flags, _change = _IFINFO.unpack_from(buf, off)
    get = _attributes(buf, off + _IFINFO.size, end).get
    kind = None
    info = get(IFLA_LINKINFO)
    if info is not None:
        kind = _text(buf, _attributes(buf, info[0], info[0] + info[1]).get(IFLA_INFO_KIND))
    operstate = _u8(buf, get(IFLA_OPERSTATE))
    mac = get(IFLA_ADDRESS)
    return {
        'index': index,
        'name': _text(buf, get(IFLA_IFNAME)),
        'kind': kind,
        'up': bool(flags & IFF_UP),
        'operstate': OPERSTATES[operstate] if operstate and operstate < len(OPERSTATES) else 'UNKNOWN',
        'mtu': _u32(buf, get(IFLA_MTU)),
        'mac': None if mac is None else ':'.join('%02x' % b for b in bytearray(buf[mac[0]:mac[0] + mac[1]])),
        'master': _u32(buf, get(IFLA_MASTER)),
    }


def decode_address_bytes(buf, off, end):
    """An address read from the socket: index, family, address, prefixlen, cidr, scope, label,
    broadcast, permanent; None for a family other than IPv4 / IPv6."""
    af, prefixlen, flags, scope, index = _IFADDR.unpack_from(buf, off)
    family = FAMILY_NUMBERS.get(af)
    if family is None:
        return None
    get = _attributes(buf, off + _IFADDR.size, end).get
    addr = _ip(buf, get(IFA_LOCAL), af) if family == 4 else None
    addr = addr or _ip(buf, get(IFA_ADDRESS), af)
    extended = _u32(buf, get(IFA_FLAGS))
    if extended is not None:
        flags = extended
    return {
        'index': index,
        'family': family,
        'address': addr,
        'prefixlen': prefixlen,
        'cidr': '%s/%d' % (addr, prefixlen),
        'scope': SCOPE_NAMES.get(scope, scope),
        'label': _text(buf, get(IFA_LABEL)),
        'broadcast': _ip(buf, get(IFA_BROADCAST), af),
        'permanent': bool(flags & IFA_F_PERMANENT),
    }


def route_picker(family, name_of, dest=None):
    """pick() for scan(): every route, or (dest given) only the routes to exactly ``dest``.

    A route to another prefix is skipped on its header byte (dst_len) or on the absence of its
    RTA_DST bytes; a candidate is decoded whole and compared as decode_route_bytes() renders it.
    """
    if dest is None:
        return lambda buf, off, end: decode_route_bytes(buf, off, end, name_of)
    addr, length = split_prefix(dest)
    needle = None
    if addr is not None and length:
        packed = socket.inet_pton(FAMILIES[family], addr)
        if packed.strip(b'\0'):
            needle = _attr_bytes(RTA_DST, packed)      # 4 or 16 bytes: no padding
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
    """A rule read from the socket (the payload in buf[off:end]): family, priority, from, to,
    iif, oif, fwmark, fwmask, ipproto, sport, dport, uidrange, tos, table, action, goto,
    suppress_prefixlength, invert, proto."""
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
