# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and planning of multinic.routing.rule, without touching the kernel.

Parameters go through the module's real argument spec (_rule.SPEC, the options and
constraints AnsibleModule gets), then through _rule.build, the step that runs before any
netlink socket is opened. A few cases run the whole module (check mode, in a namespace that
does not exist, so even a validation bug could not change anything).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError
from tests.kernel.conftest import run_module

NO_NS = 'mnt-unit-no-such-namespace'


def validate(**params):
    return _rule.SPEC.validate(params)


def build(**params):
    result = validate(**params)
    assert not result.error_messages, result.error_messages
    return _rule.build(result.validated_parameters)


def build_error(**params):
    with pytest.raises(ValidationError) as err:
        build(**params)
    return err.value.msg


def spec_error(**params):
    result = validate(**params)
    assert result.error_messages, 'the argument spec accepted %r' % (params,)
    return ' '.join(result.error_messages)


# ------------------------------------------------------------------ bad input, named in the message

BAD = [
    ({'fwmark': 'abc'}, ['fwmark', "'abc'"]),
    ({'fwmark': '0x1/0xff'}, ['fwmark', "'0x1/0xff'", 'fwmask']),
    ({'fwmark': '4294967296'}, ['fwmark', "'4294967296'", 'out of range']),
    ({'fwmark': '-1'}, ['fwmark', "'-1'", 'out of range']),
    ({'fwmark': '1', 'fwmask': '0xzz'}, ['fwmask', "'0xzz'"]),
    ({'fwmark': '1', 'fwmask': '0x100000000'}, ['fwmask', "'0x100000000'", 'out of range']),
    ({'sport': '2000-1000'}, ['sport', "'2000-1000'", 'reversed']),
    ({'dport': '443-80'}, ['dport', "'443-80'", 'reversed']),
    ({'dport': '0'}, ['dport', "'0'", '1..65534']),
    ({'sport': '65535'}, ['sport', "'65535'", '1..65534']),
    ({'sport': '70000'}, ['sport', "'70000'", 'out of range']),
    ({'dport': 'http'}, ['dport', "'http'"]),
    ({'dport': '1-2-3'}, ['dport', "'1-2-3'"]),
    ({'uidrange': '10-5'}, ['uidrange', "'10-5'", 'reversed']),
    ({'uidrange': '0-4294967295'}, ['uidrange', "'0-4294967295'", 'out of range']),
    ({'uidrange': 'root'}, ['uidrange', "'root'"]),
    ({'table': '0'}, ['table', "'0'", 'out of range']),
    ({'table': '4294967296'}, ['table', "'4294967296'", 'out of range']),
    ({'table': 'no-such-table-name'}, ['table', "'no-such-table-name'", 'rt_tables']),
    ({'priority': -1}, ['priority', '-1', 'out of range']),
    ({'priority': 4294967296}, ['priority', '4294967296', 'out of range']),
    ({'action': 'lookup', 'goto': 300}, ['goto', '300', 'action=goto']),
    ({'goto': 300}, ['goto', '300', 'action=goto']),
    ({'action': 'goto', 'goto': 100}, ['goto', '100', 'priority', 'greater']),
    ({'action': 'goto', 'goto': 5000000000}, ['goto', '5000000000', 'out of range']),
    ({'action': 'blackhole', 'table': '100'}, ['table', "'100'", 'action=lookup', 'blackhole']),
    ({'action': 'prohibit', 'suppress_prefixlength': 0},
     ['suppress_prefixlength', '0', 'action=lookup']),
    ({'suppress_prefixlength': 129}, ['suppress_prefixlength', '129', 'out of range']),
    ({'from': '10.0.0.1/24'}, ['from', "'10.0.0.1/24'", 'host bits', '10.0.0.0/24']),
    ({'to': '2001:db8::1/64'}, ['to', "'2001:db8::1/64'", 'host bits', '2001:db8::/64']),
    ({'from': 'not-an-address'}, ['from', "'not-an-address'"]),
    ({'from': '10.0.0.0/33'}, ['from', "'10.0.0.0/33'"]),
    ({'from': '10.0.0.0/24', 'to': '2001:db8::/64'},
     ["from='10.0.0.0/24'", 'IPv4', "to='2001:db8::/64'", 'IPv6']),
    ({'family': 'ipv6', 'from': '10.0.0.0/24'}, ['family=ipv6', "from='10.0.0.0/24'", 'IPv4']),
    ({'family': 'ipv4', 'to': '2001:db8::1'}, ['family=ipv4', "to='2001:db8::1'", 'IPv6']),
    ({'ipproto': 'no-such-proto'}, ['ipproto', "'no-such-proto'"]),
    ({'ipproto': '256'}, ['ipproto', "'256'", 'out of range']),
    ({'tos': 256}, ['tos', '256', 'out of range']),
    ({'tos': 3}, ['tos', '3', 'ECN']),
    ({'iif': 'a/b'}, ['iif', "'a/b'"]),
    ({'oif': 'much-too-long-name0'}, ['oif', "'much-too-long-name0'"]),
]


@pytest.mark.parametrize('params,words', BAD, ids=[str(sorted(p.items())) for p, _w in BAD])
def test_bad_input_is_named(params, words):
    params = dict(params)
    params.setdefault('priority', 100)
    msg = build_error(**params)
    for word in words:
        assert word in msg, (word, msg)


def test_absent_needs_something_to_match():
    msg = build_error(state='absent')
    assert 'state=absent' in msg and 'priority' in msg and 'from' in msg
    msg = build_error(state='absent', family='ipv6')
    assert 'refusing to delete every rule' in msg
    msg = build_error(state='absent', invert=False)
    assert 'refusing to delete every rule' in msg


SPEC_BAD = [
    ({'table': '5'}, ['priority', 'state']),                                    # present needs priority
    ({'priority': 1, 'action': 'goto'}, ['goto', 'action']),                    # goto needs its target
    ({'priority': 1, 'fwmask': '0xff'}, ['fwmask', 'fwmark']),                  # fwmask needs fwmark
    ({'priority': 1, 'table': '5', 'goto': 9}, ['mutually exclusive', 'table', 'goto']),
    ({'priority': 1, 'suppress_prefixlength': 0, 'goto': 9},
     ['mutually exclusive', 'suppress_prefixlength', 'goto']),
    ({'priority': 1, 'action': 'drop'}, ['action', 'drop']),
    ({'priority': 1, 'family': 'inet'}, ['family', 'inet']),
    ({'priority': 1, 'invert': 'maybe'}, ['invert', 'maybe']),
    ({'priority': 'high'}, ['priority', 'high']),
    ({'priority': 1, 'state': 'gone'}, ['state', 'gone']),
]


@pytest.mark.parametrize('params,words', SPEC_BAD, ids=[str(sorted(p.items())) for p, _w in SPEC_BAD])
def test_argument_spec_constraints(params, words):
    msg = spec_error(**params)
    for word in words:
        assert word in msg, (word, msg)


def test_absent_does_not_need_priority():
    assert not validate(state='absent', table='5').error_messages


def test_whole_module_fails_cleanly_before_netlink():
    res = run_module('rule', {'priority': 100, 'sport': '2000-1000', 'netns': NO_NS}, check_mode=True)
    assert res['rc'] != 0 and res['failed'] is True
    assert "sport='2000-1000'" in res['msg'] and 'reversed' in res['msg'], res
    res = run_module('rule', {'table': '5', 'netns': NO_NS}, check_mode=True)
    assert res['rc'] != 0 and 'priority' in res['msg'], res
    res = run_module('rule', {'priority': 100, 'fwmark': 'abc', 'netns': '../etc'}, check_mode=True)
    assert res['rc'] != 0 and 'netns' in res['msg'] and '../etc' in res['msg'], res


# ------------------------------------------------------------------ normalisation to the kernel's view

def test_defaults_of_a_present_rule():
    rule, given = build(priority=100)
    assert rule == {
        'family': 4, 'priority': 100, 'from': None, 'to': None, 'iif': None, 'oif': None,
        'fwmark': None, 'fwmask': None, 'ipproto': None, 'sport': None, 'dport': None,
        'uidrange': None, 'tos': 0, 'action': 'lookup', 'table': 254, 'goto': None,
        'suppress_prefixlength': None, 'invert': False, 'proto': 241}
    assert given == {'priority'}


@pytest.mark.parametrize('params,expected', [
    ({'from': '10.240.64.4'}, {'from': '10.240.64.4/32', 'family': 4}),
    ({'from': '2001:db8::4'}, {'from': '2001:db8::4/128', 'family': 6}),
    ({'to': '2001:DB8:0::/48'}, {'to': '2001:db8::/48', 'family': 6}),
    ({'from': 'all'}, {'from': None, 'family': 4}),
    ({'from': '::/0'}, {'from': None, 'family': 6}),
    ({'fwmark': '0x10'}, {'fwmark': 16, 'fwmask': 0xffffffff}),
    ({'fwmark': '16', 'fwmask': '255'}, {'fwmark': 16, 'fwmask': 255}),
    ({'fwmark': '0'}, {'fwmark': None, 'fwmask': None}),
    ({'fwmark': '0', 'fwmask': '0xff'}, {'fwmark': None, 'fwmask': 255}),
    ({'ipproto': 'TCP'}, {'ipproto': 6}),
    ({'ipproto': 'icmpv6'}, {'ipproto': 58}),
    ({'ipproto': '0'}, {'ipproto': None}),
    ({'sport': '80'}, {'sport': [80, 80]}),
    ({'dport': '1000:2000'}, {'dport': [1000, 2000]}),
    ({'uidrange': '0-4294967294'}, {'uidrange': [0, 4294967294]}),
    ({'table': 'local'}, {'table': 255}),
    ({'table': '0x100'}, {'table': 256}),
    ({'action': 'blackhole'}, {'action': 'blackhole', 'table': None}),
    ({'action': 'goto', 'goto': 200}, {'action': 'goto', 'goto': 200, 'table': None}),
    ({'suppress_prefixlength': 0}, {'suppress_prefixlength': 0, 'table': 254}),
    ({'invert': True, 'from': '10.0.0.0/8'}, {'invert': True}),
    ({'family': 'ipv6'}, {'family': 6}),
])
def test_normalised_like_the_kernel_reports(params, expected):
    rule, _given = build(priority=100, **params)
    for key, value in expected.items():
        assert rule[key] == value, (key, rule)


def test_absent_only_compares_what_was_given():
    wanted, given = build(state='absent', table='201', **{'from': '10.240.64.4'})
    assert given == {'table', 'from'} and wanted['action'] == 'lookup'
    kernel = dict(wanted, priority=300, proto=0, iif='ens4')
    assert _rule.matches(kernel, wanted, given)
    assert not _rule.matches(dict(kernel, table=202), wanted, given)
    assert not _rule.matches(dict(kernel, family=6), wanted, given)
    wanted, given = build(state='absent', priority=100)
    assert wanted['action'] is None
    assert _rule.matches(dict(kernel, priority=100, action='blackhole', table=None), wanted, given)


def test_kernel_default_rules_are_recognised():
    main, _g = build(priority=32766, table='main')
    assert _rule.kernel_default(main)
    assert not _rule.kernel_default(dict(main, iif='lo'))
    assert not _rule.kernel_default(dict(main, table=100))
    assert not _rule.kernel_default(dict(main, priority=32767))
    assert _rule.kernel_default(dict(main, priority=32767, table=253))
    assert not _rule.kernel_default(dict(main, family=6, priority=32767, table=253))


def test_kernel_pick_mirrors_rule_find():
    target, _g = build(priority=100, table='5', **{'from': '10.9.0.0/16'})
    target['proto'] = 0
    shadow = dict(target, invert=True)                 # flags are not compared by rule_find
    more = dict(target, iif='veth0')                   # unset attributes are wildcards
    other_proto = dict(target, invert=True, proto=241)
    assert _rule.kernel_pick([shadow, target], target) is shadow
    assert _rule.kernel_pick([more, target], target) is more
    assert _rule.kernel_pick([target, more], target) is target
    assert _rule.kernel_pick([other_proto, target], dict(target, proto=0)) is other_proto
    assert _rule.kernel_pick([target, other_proto], other_proto) is other_proto
    with pytest.raises(ValidationError) as err:
        _rule.plan_delete([shadow, target], [target])
    assert 'not from 10.9.0.0/16' in err.value.msg
    _rule.plan_delete([more, target], [more, target])   # in list order both go


def test_kernel_clash_ignores_invert_and_goto_but_not_proto():
    wanted, _g = build(priority=100, action='goto', goto=300)
    existing = dict(wanted, goto=200)
    assert _rule.kernel_clash([existing], wanted) is existing
    assert _rule.kernel_clash([dict(existing, proto=0)], wanted) is None
    assert _rule.kernel_clash([dict(existing, priority=101)], wanted) is None


def test_describe_reads_like_ip_rule():
    rule, _g = build(priority=100, invert=True, fwmark='0x10', table='main', dport='443',
                     **{'from': '10.0.0.0/8'})
    assert _rule.describe(rule) == '100: not from 10.0.0.0/8 fwmark 0x10/0xffffffff dport 443-443 lookup main'
