# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encoding and decoding of rtnetlink messages, without a kernel.

Every message is built by the codec, packed into the bytes that would go on the socket and
parsed back from those bytes with pyroute2's own message classes (what the session hands the
codec from a dump), so both directions are checked against the wire format.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2 as pr
from ansible_collections.multinic.routing.plugins.module_utils import _rtnl_codec as codec

from . import rtnl_reference as ref

INDEXES = {'lo': 1, 'ens3': 2, 'ens4': 3}
NAMES = dict((v, k) for k, v in INDEXES.items())


def name_of(index):
    return NAMES.get(index)


def index_of(name):
    return INDEXES[name]


def wire(msg):
    """The message as the kernel would read it, parsed back from its bytes."""
    msg.encode()
    raw = bytes(msg.data[:msg['header']['length']])
    back = type(msg)(raw)
    back.decode()
    return back


def parsed(request, kind):
    """A raw request (the codec's own encoder) parsed back by pyroute2's ``kind`` class."""
    back = getattr(pr, kind)(codec.request_bytes(request, 26, 1, 7))
    back.decode()
    return back


ROUTE = {
    'family': 4, 'table': 254, 'dest': '10.240.128.0/24', 'metric': 100, 'tos': 0,
    'type': 'unicast', 'proto': 241, 'scope': 'global', 'gateway': '10.240.64.1', 'dev': 'ens4',
    'src': '10.240.64.4', 'onlink': True, 'mtu': 1400, 'nexthops': None,
}


def test_a_route_survives_the_wire_unchanged():
    assert ref.decode_route(wire(codec.route_msg(ROUTE, index_of)), name_of) == ROUTE


def test_a_table_above_255_is_read_from_rta_table_not_the_header_byte():
    route = dict(ROUTE, table=1000)
    msg = wire(codec.route_msg(route, index_of))
    assert msg['table'] == codec.RT_TABLE_COMPAT == 252
    assert ref.decode_route(msg, name_of)['table'] == 1000


def test_default_and_ipv6_routes():
    route = dict(ROUTE, family=6, dest='default', gateway='fe80::1', src=None, mtu=None, onlink=False, metric=1024)
    decoded = ref.decode_route(wire(codec.route_msg(route, index_of)), name_of)
    assert decoded == route


def test_multipath_nexthops_keep_weight_device_and_onlink():
    hops = [{'gateway': '10.0.0.1', 'dev': 'ens3', 'weight': 1, 'onlink': False},
            {'gateway': '10.0.1.1', 'dev': 'ens4', 'weight': 3, 'onlink': True}]
    route = dict(ROUTE, gateway=None, dev=None, src=None, onlink=False, mtu=None, nexthops=hops)
    assert ref.decode_route(wire(codec.route_msg(route, index_of)), name_of)['nexthops'] == hops


def test_a_delete_names_only_the_kernel_identity():
    msg = wire(codec.route_msg(dict(ROUTE, table=1000), index_of, identity_only=True))
    assert msg['scope'] == codec.SCOPES['nowhere'] and msg['table'] == 252
    assert sorted(name for name, _value in msg['attrs']) == ['RTA_DST', 'RTA_PRIORITY', 'RTA_TABLE']


def test_an_unknown_device_is_the_resolvers_error():
    with pytest.raises(KeyError):
        codec.route_msg(dict(ROUTE, dev='nope'), index_of)


@pytest.mark.parametrize('dst, flags, length', [('10.0.0.9', codec.RTM_F_LOOKUP_TABLE, 32), ('2001:db8::9', 0, 128)])
def test_route_get_asks_for_the_lookup_table_on_ipv4_only(dst, flags, length):
    msg = parsed(codec.route_get_msg(dst, index_of, src=dst, iif='ens4', oif='ens3', fwmark=7), 'rtmsg')
    assert msg['flags'] == flags and msg['dst_len'] == length and msg['src_len'] == length
    assert msg.get_attr('RTA_DST') == dst and msg.get_attr('RTA_SRC') == dst
    assert msg.get_attr('RTA_IIF') == 3 and msg.get_attr('RTA_OIF') == 2 and msg.get_attr('RTA_MARK') == 7
    bare = parsed(codec.route_get_msg(dst, index_of), 'rtmsg')
    assert bare['src_len'] == 0 and [a[0] for a in bare['attrs']] == ['RTA_DST']


def test_route_get_answer_names_the_incoming_interface():
    msg = codec.route_msg(ROUTE, index_of)
    msg['attrs'].append(['RTA_IIF', 2])
    answer = ref.decode_route_get(wire(msg), name_of)
    assert answer['iif'] == 'ens3' and answer['dev'] == 'ens4'
    data = raw(msg)
    assert codec.decode_route_get_bytes(data, codec.NLMSG_HDRLEN, len(data), name_of) == answer
    # RTA_UID (the kernel adds it to every answer; pyroute2 0.9 does not name it): a u32
    data = bytearray(data + codec._attr_bytes(codec.RTA_UID, codec._U32.pack(1000)))
    codec.NLMSG_HDR.pack_into(data, 0, len(data), 24, 0x2, 7, 0)
    assert codec.decode_route_get_bytes(bytes(data), codec.NLMSG_HDRLEN, len(data), name_of) == dict(answer, uid=1000)


RULE = {
    'family': 4, 'priority': 1000, 'from': '10.240.64.4/32', 'to': '10.240.128.0/24',
    'iif': 'lo', 'oif': None, 'fwmark': 0x10, 'fwmask': 0xff, 'ipproto': 6, 'sport': [1000, 2000],
    'dport': [443, 443], 'uidrange': None, 'tos': 0, 'table': 1000, 'action': 'lookup', 'goto': None,
    'suppress_prefixlength': 0, 'invert': True, 'proto': 241,
}


def test_a_rule_survives_the_wire_unchanged():
    msg = wire(codec.rule_msg(RULE))
    assert msg['table'] == 252
    assert ref.decode_rule(msg) == RULE


def test_a_rule_without_lookup_has_no_table_and_unset_suppress_reads_none():
    rule = dict(RULE, action='blackhole', table=None, suppress_prefixlength=None, invert=False)
    msg = codec.rule_msg(rule)
    msg['attrs'].append(['FRA_SUPPRESS_PREFIXLEN', 0xFFFFFFFF])    # how the kernel says "unset"
    assert ref.decode_rule(wire(msg)) == rule


def test_addresses_prefer_ifa_local_on_ipv4_and_read_the_permanent_flag():
    msg = codec.address_msg(3, '10.240.64.4/24', broadcast='10.240.64.255')
    msg['attrs'][1] = ['IFA_ADDRESS', '10.240.64.9']      # a point-to-point peer
    msg['attrs'].append(['IFA_FLAGS', codec.IFA_F_PERMANENT])
    decoded = ref.decode_address(wire(msg))
    assert decoded == {'index': 3, 'family': 4, 'address': '10.240.64.4', 'prefixlen': 24,
                       'cidr': '10.240.64.4/24', 'scope': 'global', 'label': None,
                       'broadcast': '10.240.64.255', 'permanent': True}


def test_ipv6_addresses_skip_dad_only_when_asked_and_other_families_are_skipped():
    assert codec.address_msg(3, '2001:db8::4/64', nodad=True)['flags'] == codec.IFA_F_NODAD
    assert codec.address_msg(3, '10.0.0.4/24', nodad=True)['flags'] == 0
    decoded = ref.decode_address(wire(codec.address_msg(3, '2001:db8::4/64')))
    assert decoded['family'] == 6 and decoded['cidr'] == '2001:db8::4/64' and not decoded['permanent']
    other = pr.ifaddrmsg()
    other['family'] = socket.AF_PACKET
    assert ref.decode_address(wire(other)) is None


def test_links_decode_admin_state_and_kind_and_set_link_changes_only_what_is_given():
    msg = codec.link_msg(3, state='up', mtu=1400)
    assert msg['flags'] == msg['change'] == codec.IFF_UP
    msg['attrs'].extend([['IFLA_IFNAME', 'ens4'], ['IFLA_LINKINFO', {'attrs': [['IFLA_INFO_KIND', 'veth']]}]])
    link = ref.decode_link(wire(msg))
    assert link['name'] == 'ens4' and link['up'] and link['kind'] == 'veth' and link['mtu'] == 1400
    assert link['operstate'] == 'UNKNOWN'
    down = codec.link_msg(3, state='down')
    assert down['flags'] == 0 and down['change'] == codec.IFF_UP and down['attrs'] == []
    assert codec.link_msg(3, mtu=9000)['change'] == 0


def test_dump_requests_filter_routes_by_table_in_the_kernel():
    assert codec.route_dump_msg(4)[1] == []
    msg = parsed(codec.route_dump_msg(6, table=1000), 'rtmsg')
    assert msg['family'] == socket.AF_INET6 and msg['table'] == 252 and msg.get_attr('RTA_TABLE') == 1000
    assert parsed(codec.route_dump_msg(4, table=100, proto=241), 'rtmsg')['proto'] == 241
    assert parsed(codec.route_dump_msg(4, table=100), 'rtmsg')['table'] == 100


def test_the_other_requests_are_what_pyroute2_reads():
    rule = parsed(codec.rule_dump_msg(6), 'fibmsg')
    assert rule['family'] == socket.AF_INET6 and rule['attrs'] == []
    link = parsed(codec.link_get_msg(name='ens4'), 'ifinfmsg')
    assert link['index'] == 0 and link.get_attr('IFLA_IFNAME') == 'ens4'
    assert parsed(codec.link_get_msg(index=3), 'ifinfmsg')['index'] == 3
    assert parsed(codec.link_dump_msg(), 'ifinfmsg')['attrs'] == []
    address = parsed(codec.address_dump_msg(3), 'ifaddrmsg')
    assert address['index'] == 3 and address['family'] == socket.AF_UNSPEC
    # every request is padded to 4 bytes: a name of any length
    for name in ('e', 'en', 'ens', 'ens4'):
        data = codec.request_bytes(codec.link_get_msg(name=name), 18, 1, 7)
        assert len(data) % 4 == 0 and codec.NLMSG_HDR.unpack_from(data, 0)[0] == len(data)


LINKS = [
    (dict(index=3, flags=1, attrs=[['IFLA_IFNAME', 'ens4'], ['IFLA_MTU', 1500], ['IFLA_OPERSTATE', 'UP'],
                                   ['IFLA_ADDRESS', '02:00:0a:e6:01:04'], ['IFLA_MASTER', 7],
                                   ['IFLA_LINKINFO', {'attrs': [['IFLA_INFO_KIND', 'veth']]}]])),
    (dict(index=1, flags=0, attrs=[['IFLA_IFNAME', 'lo'], ['IFLA_MTU', 65536], ['IFLA_OPERSTATE', 'UNKNOWN'],
                                   ['IFLA_ADDRESS', '00:00:00:00:00:00']])),
    (dict(index=9, flags=1, attrs=[['IFLA_IFNAME', 'tun0'], ['IFLA_OPERSTATE', 'DORMANT']])),
]


@pytest.mark.parametrize('link', LINKS, ids=['veth', 'lo', 'no-address'])
def test_the_raw_link_decoder_reads_what_pyroute2_reads(link):
    msg = pr.ifinfmsg()
    msg['family'], msg['index'], msg['flags'], msg['attrs'] = 0, link['index'], link['flags'], link['attrs']
    data = raw(msg, flags=0)
    assert codec.decode_link_bytes(data, codec.NLMSG_HDRLEN, len(data)) == ref.decode_link(wire(msg))


@pytest.mark.parametrize('cidr, extra', [
    ('10.240.64.4/24', [['IFA_FLAGS', 0x80], ['IFA_LABEL', 'ens4']]),
    ('10.240.64.4/32', [['IFA_ADDRESS', '10.240.64.9']]),
    ('2001:db8::4/64', []),
    ('fe80::1/64', [['IFA_FLAGS', 0x80 | 0x200]]),
], ids=['label-permanent', 'peer', 'ipv6', 'link-local'])
def test_the_raw_address_decoder_reads_what_pyroute2_reads(cidr, extra):
    msg = codec.address_msg(3, cidr, broadcast='10.240.64.255' if '.' in cidr else None)
    msg['scope'] = 253 if cidr.startswith('fe80') else 0
    for attr in extra:
        msg['attrs'] = [a for a in msg['attrs'] if a[0] != attr[0]] + [attr]
    data = raw(msg, flags=0)
    assert codec.decode_address_bytes(data, codec.NLMSG_HDRLEN, len(data)) == ref.decode_address(wire(msg))
    other = pr.ifaddrmsg()
    other['family'] = socket.AF_PACKET
    data = raw(other, flags=0)
    assert codec.decode_address_bytes(data, codec.NLMSG_HDRLEN, len(data)) is None


# ------------------------------------------------------------------ the raw decoder of big dumps

def raw(msg, seq=7, flags=0x2):
    """The bytes the kernel sends for a pyroute2 message in a dump (NLM_F_MULTI, sequence ``seq``)."""
    msg.encode()
    data = bytearray(msg.data[:msg['header']['length']])
    codec.NLMSG_HDR.pack_into(data, 0, len(data), 24, flags, seq, 0)
    return bytes(data)


def payload(data):
    return codec.NLMSG_HDRLEN, len(data)


def done(seq=7, code=0, flags=0x2):
    return codec.NLMSG_HDR.pack(20, codec.NLMSG_DONE, flags, seq, 0) + codec._I32.pack(code)


ROUTES = [
    ROUTE,
    dict(ROUTE, table=1000, src=None, mtu=None, onlink=False),
    dict(ROUTE, family=6, dest='default', gateway='fe80::1', src=None, mtu=None, onlink=False, metric=1024),
    dict(ROUTE, gateway=None, dev=None, src=None, onlink=False, mtu=None, nexthops=[
        {'gateway': '10.0.0.1', 'dev': 'ens3', 'weight': 1, 'onlink': False},
        {'gateway': '10.0.1.1', 'dev': 'ens4', 'weight': 3, 'onlink': True}]),
    dict(ROUTE, type='blackhole', gateway=None, dev=None, src=None, onlink=False, mtu=None, scope='host'),
]


@pytest.mark.parametrize('route', ROUTES, ids=['full', 'table-1000', 'ipv6-default', 'multipath', 'blackhole'])
def test_the_raw_route_decoder_reads_what_pyroute2_reads(route):
    msg = codec.route_msg(route, index_of)
    data = raw(msg)
    assert codec.decode_route_bytes(data, codec.NLMSG_HDRLEN, len(data), name_of) \
        == ref.decode_route(wire(codec.route_msg(route, index_of)), name_of) == route


RULES = [
    RULE,
    dict(RULE, action='blackhole', table=None, suppress_prefixlength=None, invert=False),
    dict(RULE, family=6, **{'from': '2001:db8::/32', 'to': None, 'iif': None, 'oif': 'ens4',
                            'uidrange': [10, 20], 'sport': None, 'dport': None, 'proto': None}),
    dict(RULE, action='goto', goto=2000, table=None, suppress_prefixlength=None, fwmark=None, fwmask=None),
]


@pytest.mark.parametrize('rule', RULES, ids=['full', 'blackhole', 'ipv6', 'goto'])
def test_the_raw_rule_decoder_reads_what_pyroute2_reads(rule):
    msg = codec.rule_msg(rule)
    if rule['suppress_prefixlength'] is None:
        msg['attrs'].append(['FRA_SUPPRESS_PREFIXLEN', 0xFFFFFFFF])
    data = raw(msg)
    assert codec.decode_rule_bytes(data, codec.NLMSG_HDRLEN, len(data)) == ref.decode_rule(wire(msg)) == rule


def test_scan_walks_a_datagram_and_stops_at_done_or_an_error():
    routes = [dict(ROUTE, dest='10.0.%d.0/24' % i) for i in range(3)]
    data = b''.join(raw(codec.route_msg(r, index_of)) for r in routes)
    items, finished, torn, code = codec.scan(data, 7, codec.route_picker(4, name_of))
    assert items == routes and not finished and not torn and code == 0
    stray = raw(codec.route_msg(ROUTE, index_of), seq=6)      # another request's answer
    assert codec.scan(stray + data + done(), 7, codec.route_picker(4, name_of))[:3] == (routes, True, False)
    assert codec.scan(done(code=-2), 7, codec.route_picker(4, name_of)) == ([], True, False, 2)
    flagged = raw(codec.route_msg(ROUTE, index_of), flags=0x2 | codec.NLM_F_DUMP_INTR)
    assert codec.scan(flagged + done(), 7, codec.route_picker(4, name_of))[2] is True


def test_the_route_picker_keeps_only_the_routes_to_one_prefix():
    routes = [dict(ROUTE, dest='10.0.%d.0/24' % i) for i in range(3)] + [
        dict(ROUTE, dest='10.0.1.0/25'), dict(ROUTE, dest='default', src=None),
        dict(ROUTE, dest='0.0.0.0/8', src=None)]
    data = b''.join(raw(codec.route_msg(r, index_of)) for r in routes)
    for dest in ('10.0.1.0/24', '10.0.1.0/25', 'default', '0.0.0.0/8', '10.9.0.0/24'):
        picked = codec.scan(data, 7, codec.route_picker(4, name_of, dest))[0]
        assert picked == [r for r in routes if r['dest'] == dest]
    # the prefix's bytes inside another attribute (a gateway) do not make a match
    decoy = dict(ROUTE, dest='10.0.2.0/24', gateway='10.0.1.0')
    assert codec.scan(raw(codec.route_msg(decoy, index_of)), 7, codec.route_picker(4, name_of, '10.0.1.0/24'))[0] == []


def test_the_rule_picker_keeps_only_the_rules_at_one_priority():
    rules = [dict(RULE, priority=p) for p in (0, 1000, 1001, 1000)]
    data = b''
    for rule in rules:
        msg = codec.rule_msg(rule)
        if not rule['priority']:    # the kernel sends no FRA_PRIORITY for priority 0
            msg['attrs'] = [a for a in msg['attrs'] if a[0] != 'FRA_PRIORITY']
        data += raw(msg)
    for priority in (0, 1000, 1001, 5):
        picked = codec.scan(data, 7, codec.rule_picker(priority))[0]
        assert picked == [r for r in rules if r['priority'] == priority]
    assert codec.scan(data, 7, codec.rule_picker())[0] == rules


# ------------------------------------------------------------------ routes as JSON rows (routing_facts)

def json_of(rows):
    """What the controller reads from the rows: a list of route dicts."""
    return json.loads('[%s]' % ', '.join(a + b + c for a, b, c in rows))


def named(route):
    route['table_name'] = {254: 'main', 100: 'data'}.get(route['table'])
    route['proto_name'] = {241: 'multinic'}.get(route['proto'])


def plain(data, decorate=named):
    """What the dict decoder makes of the same bytes (routes() + the names routing_facts adds)."""
    routes = codec.scan(data, 7, codec.route_picker(4, name_of))[0]
    for route in routes:
        decorate(route)
    return routes


# Varied layouts, each with many destinations: templates are made and reused, alike and
# different messages of the same length side by side (another gateway, metric or table).
VARIED = (
    [dict(ROUTE, dest='10.%d.%d.0/24' % (i // 256, i % 256)) for i in range(300)]
    + [dict(ROUTE, dest='10.1.%d.0/24' % i, gateway='10.240.64.2') for i in range(50)]
    + [dict(ROUTE, dest='10.2.%d.0/24' % i, metric=101, table=100) for i in range(50)]
    + [dict(ROUTE, dest='172.16.0.%d/32' % i, src=None, mtu=None, table=70000) for i in range(50)]
    + [dict(ROUTE, dest='default', src=None), dict(ROUTE, dest='0.0.0.0/8', src=None)]
    + [dict(r, dest='10.3.%d.0/24' % i) for r in ROUTES[3:] for i in range(20)]   # multipath, blackhole
    + [dict(ROUTES[2], dest='2001:db8:%x::/48' % i) for i in range(1, 101)]
    + [ROUTES[2], dict(ROUTES[2], dest='2001:db8:ff::/64', gateway=None, dev='ens3')]
)


def test_json_rows_read_what_the_dict_decoder_reads(monkeypatch):
    calls = []
    whole = codec.decode_route_bytes
    monkeypatch.setattr(codec, 'decode_route_bytes', lambda *a: calls.append(1) or whole(*a))
    data = b''.join(raw(codec.route_msg(r, index_of)) for r in VARIED)
    expected = plain(data)
    assert [r['dest'] for r in expected] == [r['dest'] for r in VARIED]
    calls[:] = []
    rows = codec.scan(data, 7, codec.route_json_picker(name_of, named))[0]
    assert json_of(rows) == expected
    # each layout decoded whole once (plus the routes without RTA_DST), not each route
    assert len(calls) < 20 < len(VARIED)
    assert sum(1 for a, b, c in rows if b) > len(VARIED) - 20


def test_json_rows_in_datagrams_of_their_own_keep_using_the_templates():
    pick = codec.route_json_picker(name_of, named)
    routes = VARIED[:60] + VARIED[-103:]
    rows = []
    for route in routes:            # one message per datagram, like the end of a big dump
        rows.extend(codec.scan(raw(codec.route_msg(route, index_of)), 7, pick)[0])
    assert json_of(rows) == plain(b''.join(raw(codec.route_msg(r, index_of)) for r in routes))


def test_json_rows_of_one_table_only_and_without_templates(monkeypatch):
    data = b''.join(raw(codec.route_msg(r, index_of)) for r in VARIED)
    rows = codec.scan(data, 7, codec.route_json_picker(name_of, named, table=100))[0]
    assert json_of(rows) == [r for r in plain(data) if r['table'] == 100] != []
    # past the bound on templates every route is a plain row: the same JSON
    monkeypatch.setattr(codec, 'JSON_ROUTE_TEMPLATES', 1)
    rows = codec.scan(data, 7, codec.route_json_picker(name_of, named))[0]
    assert json_of(rows) == plain(data)
    assert sum(1 for a, b, c in rows if b) == 300     # the first layout only


def test_a_destination_byte_pattern_elsewhere_does_not_fool_the_templates():
    """Two messages equal but for the gateway: the gateway is outside RTA_DST's payload, so the
    second one gets a template of its own, never the first one's."""
    first = dict(ROUTE, dest='10.0.0.0/24', gateway='10.240.64.1')
    second = dict(ROUTE, dest='10.0.0.0/24', gateway='10.240.64.9')
    third = dict(ROUTE, dest='10.0.1.0/24', gateway='10.240.64.9')
    data = b''.join(raw(codec.route_msg(r, index_of)) for r in (first, second, third))
    assert len(set(len(raw(codec.route_msg(r, index_of))) for r in (first, second, third))) == 1
    rows = codec.scan(data, 7, codec.route_json_picker(name_of))[0]
    assert json_of(rows) == [first, second, third]
