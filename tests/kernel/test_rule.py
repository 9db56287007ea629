# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.rule against the real kernel, in a throwaway namespace per test.

Rules are read back independently with `ip -j -d rule show`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from .conftest import check_run_rerun, run_module

MISSING = object()
DEFAULT_RULES = {4: [0, 32766, 32767], 6: [0, 32766]}


def ip_rules(ns, family=4):
    return ns.ip(*(['-6'] if family == 6 else []) + ['-d', 'rule', 'show'])


def snapshot(ns):
    return ip_rules(ns, 4), ip_rules(ns, 6)


def at(ns, priority, family=4):
    return [r for r in ip_rules(ns, family) if r['priority'] == priority]


def run(ns, check_mode=False, diff=True, **args):
    args['netns'] = ns.name
    return run_module('rule', args, check_mode=check_mode, diff=diff)


def apply(ns, **args):
    """Check mode (writes nothing), real run, then again (unchanged, nothing more written)."""
    # present: the rule check mode predicts is exactly the one the kernel reports afterwards
    same = ('changed', 'rule') if args.get('state', 'present') == 'present' else ('changed',)
    _check, first, _second = check_run_rerun(lambda check_mode: run(ns, check_mode=check_mode, **args),
                                             lambda: snapshot(ns), same=same)
    return first


def warnings(result):
    """The warnings of a result as one text (ansible-core 2.19 returns them as objects)."""
    return json.dumps(result.get('warnings', []))


def assert_fields(rule, expected):
    for key, value in expected.items():
        if value is MISSING:
            assert key not in rule, (key, rule)
        else:
            assert rule.get(key) == value, (key, rule)


IPV4_CASES = [
    ({'from': '10.240.64.4', 'table': '201'}, {'src': '10.240.64.4', 'table': '201'}),
    ({'from': '10.240.0.0/16'}, {'src': '10.240.0.0', 'srclen': 16, 'table': 'main'}),
    ({'to': '192.0.2.0/24', 'table': '100'}, {'src': 'all', 'dst': '192.0.2.0', 'dstlen': 24}),
    ({'iif': 'veth0', 'table': '100'}, {'iif': 'veth0'}),
    ({'oif': 'notyet0', 'table': '100'}, {'oif': 'notyet0'}),
    ({'fwmark': '0x10'}, {'fwmark': '0x10', 'fwmask': MISSING}),
    ({'fwmark': '16', 'fwmask': '0xff'}, {'fwmark': '0x10', 'fwmask': '0xff'}),
    ({'fwmark': '0', 'fwmask': '0xff'}, {'fwmask': '0xff'}),
    ({'fwmark': '4294967295', 'fwmask': '0x0f0f0f0f'}, {'fwmark': '0xffffffff', 'fwmask': '0xf0f0f0f'}),
    ({'ipproto': 'tcp', 'dport': '443'}, {'ipproto': 'tcp', 'dport': 443}),
    ({'ipproto': '17', 'sport': '1000-2000'}, {'ipproto': 'udp', 'sport_start': 1000, 'sport_end': 2000}),
    ({'ipproto': 'sctp', 'dport': '5000-5100', 'sport': '1'},
     {'ipproto': 'sctp', 'dport_start': 5000, 'dport_end': 5100, 'sport': 1}),
    ({'ipproto': 'icmp'}, {'ipproto': 'icmp'}),
    ({'uidrange': '1000-1999'}, {'uid_start': 1000, 'uid_end': 1999}),
    ({'uidrange': '0-4294967294'}, {'uid_start': 0, 'uid_end': 4294967294}),
    ({'tos': 16, 'table': '100'}, {'tos': '0x10'}),
    ({'from': '10.9.0.0/16', 'invert': True, 'table': '100'}, {'not': None, 'src': '10.9.0.0'}),
    ({'fwmark': '1', 'suppress_prefixlength': 0}, {'suppress_prefixlen': 0, 'table': 'main'}),
    ({'suppress_prefixlength': 24, 'table': '100'}, {'suppress_prefixlen': 24}),
    ({'from': '10.9.0.0/16', 'action': 'blackhole'}, {'action': 'blackhole', 'table': MISSING}),
    ({'iif': 'veth1', 'action': 'unreachable'}, {'action': 'unreachable'}),
    ({'action': 'prohibit'}, {'action': 'prohibit'}),
    ({'action': 'nop'}, {'nop': None}),
    ({'action': 'goto', 'goto': 500}, {'goto': 500}),
    ({'table': '100000', 'from': '10.240.64.4'}, {'table': '100000'}),
    ({'table': '4294967295', 'from': '10.240.64.4'}, {'table': '4294967295'}),
    ({'table': 'main', 'to': '10.0.0.0/8'}, {'table': 'main'}),
]


@pytest.mark.parametrize('args,expected', IPV4_CASES, ids=[str(sorted(a.items())) for a, _e in IPV4_CASES])
def test_ipv4_selector_round_trip(ns, args, expected):
    res = apply(ns, priority=100, **dict(args))
    assert res['changed'] is True
    found = at(ns, 100)
    assert len(found) == 1, found
    assert_fields(found[0], expected)
    assert found[0]['protocol'] in ('241', 241, 'multinic')
    assert res['rule']['priority'] == 100 and res['rule']['proto'] == 241
    assert res['diff']['before'] == {'rules': []}
    assert res['diff']['after'] == {'rules': [res['rule']]}


IPV6_CASES = [
    ({'from': '2001:db8:5::4', 'table': '201'}, {'src': '2001:db8:5::4', 'table': '201'}),
    ({'to': '2001:db8:1::/64', 'ipproto': 'icmpv6'},
     {'dst': '2001:db8:1::', 'dstlen': 64, 'ipproto': 'ipv6-icmp'}),
    ({'family': 'ipv6', 'fwmark': '0x20', 'fwmask': '0xf0', 'table': '300000'},
     {'fwmark': '0x20', 'fwmask': '0xf0', 'table': '300000'}),
    ({'family': 'ipv6', 'ipproto': 'tcp', 'sport': '22', 'dport': '1024-65534', 'uidrange': '5-5'},
     {'sport': 22, 'dport_start': 1024, 'dport_end': 65534, 'uid_start': 5, 'uid_end': 5}),
    ({'family': 'ipv6', 'tos': 0x20, 'iif': 'veth0', 'oif': 'veth1'},
     {'iif': 'veth0', 'oif': 'veth1'}),
    ({'from': '2001:db8::/32', 'invert': True, 'action': 'unreachable'},
     {'not': None, 'action': 'unreachable'}),
    ({'family': 'ipv6', 'action': 'goto', 'goto': 4000}, {'goto': 4000}),
    ({'to': '2001:db8:9::/48', 'suppress_prefixlength': 64, 'table': 'main'},
     {'suppress_prefixlen': 64}),
]


@pytest.mark.parametrize('args,expected', IPV6_CASES, ids=[str(sorted(a.items())) for a, _e in IPV6_CASES])
def test_ipv6_selector_round_trip(ns, args, expected):
    before_v4 = ip_rules(ns, 4)
    res = apply(ns, priority=100, **dict(args))
    assert res['changed'] is True and res['rule']['family'] == 6
    found = at(ns, 100, family=6)
    assert len(found) == 1, found
    assert_fields(found[0], expected)
    assert ip_rules(ns, 4) == before_v4, 'an IPv6 rule changed the IPv4 rules'


def test_every_selector_at_once_ipv4(ns):
    args = {'priority': 1000, 'from': '10.1.0.0/16', 'to': '10.2.0.0/24', 'iif': 'lo', 'oif': 'veth1',
            'fwmark': '0x10', 'fwmask': '0xff', 'ipproto': 'tcp', 'sport': '1000-2000', 'dport': '80',
            'uidrange': '5-10', 'tos': 16, 'table': '70000', 'suppress_prefixlength': 8}
    res = apply(ns, **args)
    found = at(ns, 1000)
    assert len(found) == 1
    assert_fields(found[0], {
        'src': '10.1.0.0', 'srclen': 16, 'dst': '10.2.0.0', 'dstlen': 24, 'iif': 'lo',
        'oif': 'veth1', 'fwmark': '0x10', 'fwmask': '0xff', 'ipproto': 'tcp',
        'sport_start': 1000, 'sport_end': 2000, 'dport': 80, 'uid_start': 5, 'uid_end': 10,
        'tos': '0x10', 'table': '70000', 'suppress_prefixlen': 8})
    rule = res['rule']
    assert rule['sport'] == [1000, 2000] and rule['dport'] == [80, 80] and rule['uidrange'] == [5, 10]
    assert rule['fwmark'] == 16 and rule['fwmask'] == 255 and rule['ipproto'] == 6
    assert rule['table'] == 70000 and rule['suppress_prefixlength'] == 8
    assert res['differences'] == ['absent']
    # and it goes away with exactly the same options
    gone = apply(ns, state='absent', **args)
    assert gone['changed'] is True and at(ns, 1000) == [] and gone['differences'] == ['present']
    assert gone['removed'] == [rule]


def test_every_selector_at_once_ipv6(ns):
    args = {'priority': 7, 'from': '2001:db8:a::/48', 'to': '2001:db8:b::1', 'iif': 'veth0',
            'fwmark': '7', 'ipproto': 'udp', 'dport': '53', 'uidrange': '0-99', 'table': '256',
            'invert': True}
    res = apply(ns, **args)
    found = at(ns, 7, family=6)
    assert len(found) == 1
    assert_fields(found[0], {'src': '2001:db8:a::', 'srclen': 48, 'dst': '2001:db8:b::1',
                             'iif': 'veth0', 'fwmark': '0x7', 'ipproto': 'udp', 'dport': 53,
                             'uid_start': 0, 'uid_end': 99, 'table': '256', 'not': None})
    assert res['rule']['to'] == '2001:db8:b::1/128' and res['rule']['invert'] is True
    apply(ns, state='absent', **args)
    assert at(ns, 7, family=6) == []


def test_rule_made_by_ip_is_recognised(ns):
    ns.run('rule', 'add', 'priority', '100', 'from', '10.240.64.4', 'lookup', '201')
    before = snapshot(ns)
    res = run(ns, priority=100, **{'from': '10.240.64.4/32', 'table': '201'})
    assert res['rc'] == 0 and res['changed'] is False, res
    assert res['rule']['proto'] == 0 and res['diff']['before'] == res['diff']['after']
    assert snapshot(ns) == before


def test_same_priority_other_selectors_are_kept(ns):
    apply(ns, priority=100, table='201', **{'from': '10.240.64.4'})
    apply(ns, priority=100, table='201', **{'from': '10.240.64.5'})
    apply(ns, priority=100, table='202', **{'from': '10.240.64.4'})
    found = sorted((r['src'], r['table']) for r in at(ns, 100))
    assert found == [('10.240.64.4', '201'), ('10.240.64.4', '202'), ('10.240.64.5', '201')]


def test_defaults_lookup_main_and_ipv4(ns):
    res = apply(ns, priority=5, iif='veth0')
    assert res['rule']['family'] == 4 and res['rule']['table'] == 254 and res['rule']['action'] == 'lookup'
    assert at(ns, 5)[0]['table'] == 'main' and at(ns, 5, family=6) == []


def test_priority_extremes(ns):
    apply(ns, priority=4294967295, table='100', **{'from': '10.0.0.0/8'})
    assert at(ns, 4294967295)[0]['table'] == '100'
    ns.run('rule', 'del', 'priority', '0', 'lookup', 'local')
    apply(ns, priority=0, table='local')
    assert at(ns, 0)[0]['table'] == 'local'


def test_absent_exact_identity(ns):
    args = {'priority': 100, 'from': '10.240.64.4', 'table': '201'}
    apply(ns, **args)
    res = apply(ns, state='absent', **args)
    assert res['changed'] is True and at(ns, 100) == []
    assert res['rule'] is None and res['removed'][0]['from'] == '10.240.64.4/32'
    assert res['diff']['before']['rules'] == res['removed'] and res['diff']['after'] == {'rules': []}


def test_absent_of_a_missing_rule_is_unchanged(ns):
    before = snapshot(ns)
    res = run(ns, priority=100, state='absent', **{'from': '10.240.64.4'})
    assert res['rc'] == 0 and res['changed'] is False and res['removed'] == []
    assert snapshot(ns) == before


def test_absent_priority_only_deletes_every_rule_at_that_priority(ns):
    ns.run('rule', 'add', 'priority', '100', 'from', '10.1.0.0/16', 'iif', 'veth0', 'lookup', '5')
    ns.run('rule', 'add', 'priority', '100', 'from', '10.1.0.0/16', 'lookup', '5')
    ns.run('rule', 'add', 'priority', '100', 'fwmark', '3', 'blackhole')
    ns.run('rule', 'add', 'priority', '101', 'from', '10.1.0.0/16', 'lookup', '5')
    ns.run('-6', 'rule', 'add', 'priority', '100', 'lookup', '5')
    res = apply(ns, priority=100, state='absent')
    assert len(res['removed']) == 3
    assert at(ns, 100) == [] and len(at(ns, 101)) == 1
    assert len(at(ns, 100, family=6)) == 1, 'the IPv6 rule is another family'
    res6 = apply(ns, priority=100, family='ipv6', state='absent')
    assert len(res6['removed']) == 1 and at(ns, 100, family=6) == []


def test_absent_without_priority_matches_given_selectors_only(ns):
    for prio in ('100', '200', '300'):
        ns.run('rule', 'add', 'priority', prio, 'from', '10.240.64.4', 'lookup', '201')
    ns.run('rule', 'add', 'priority', '400', 'from', '10.240.64.4', 'lookup', '202')
    ns.run('rule', 'add', 'priority', '500', 'from', '10.240.64.5', 'lookup', '201')
    res = apply(ns, table='201', state='absent', **{'from': '10.240.64.4'})
    assert sorted(r['priority'] for r in res['removed']) == [100, 200, 300]
    left = [(r['priority'], r['src'], r['table']) for r in ip_rules(ns)
            if r['priority'] not in DEFAULT_RULES[4]]
    assert left == [(400, '10.240.64.4', '202'), (500, '10.240.64.5', '201')]


def test_absent_check_mode_reports_what_it_would_delete(ns):
    apply(ns, priority=100, table='201', **{'from': '10.240.64.4'})
    before = snapshot(ns)
    res = run(ns, check_mode=True, table='201', state='absent')
    assert res['changed'] is True and len(res['removed']) == 1
    assert res['diff']['after'] == {'rules': []}
    assert snapshot(ns) == before


def test_kernel_default_rules_are_kept_unless_named(ns):
    before = snapshot(ns)
    res = run(ns, table='main', state='absent')
    assert res['rc'] == 0 and res['changed'] is False, res
    assert '32766: from all lookup main' in warnings(res), res
    res = run(ns, priority=0, state='absent')
    assert res['changed'] is False and '0: from all lookup local' in warnings(res), res
    assert snapshot(ns) == before
    # named exactly: priority and table
    res = apply(ns, priority=32767, table='default', state='absent')
    assert res['changed'] is True and at(ns, 32767) == []
    assert [r['priority'] for r in ip_rules(ns)] == [0, 32766]


def test_add_that_the_kernel_would_confuse_is_refused(ns):
    apply(ns, priority=100, table='5', invert=True, **{'from': '10.9.0.0/16'})
    before = snapshot(ns)
    res = run(ns, priority=100, table='5', **{'from': '10.9.0.0/16'})
    assert res['rc'] != 0 and res['failed'] is True
    assert 'invert flag' in res['msg'] and 'not from 10.9.0.0/16' in res['msg'], res['msg']
    assert snapshot(ns) == before


def test_delete_that_would_hit_another_rule_is_refused(ns):
    # A (listed first, protocol 241) differs from B only by the invert flag, which the
    # kernel's rule_find() does not compare: deleting B by its attributes would delete A.
    ns.run('rule', 'add', 'priority', '120', 'not', 'from', '10.9.0.0/16', 'lookup', '5', 'protocol', '241')
    ns.run('rule', 'add', 'priority', '120', 'from', '10.9.0.0/16', 'lookup', '5')
    before = snapshot(ns)
    res = run(ns, priority=120, table='5', invert=False, state='absent', **{'from': '10.9.0.0/16'})
    assert res['rc'] != 0 and 'would delete rule' in res['msg'], res
    assert snapshot(ns) == before
    # the other way round the request carries protocol 241, which tells them apart
    res = apply(ns, priority=120, table='5', invert=True, state='absent', **{'from': '10.9.0.0/16'})
    assert len(res['removed']) == 1
    left = at(ns, 120)
    assert len(left) == 1 and 'not' not in left[0] and left[0]['src'] == '10.9.0.0'


def test_bad_input_writes_nothing(ns):
    before = snapshot(ns)
    for args in ({'priority': 100, 'action': 'goto', 'goto': 50},
                 {'priority': 100, 'sport': '2000-1000'},
                 {'priority': 100, 'table': '0'},
                 {'priority': 100, 'from': '10.0.0.1/24'},
                 {'priority': 100, 'from': '10.0.0.0/24', 'to': '2001:db8::/64'}):
        res = run(ns, **args)
        assert res['rc'] != 0 and res['failed'] is True, (args, res)
    assert snapshot(ns) == before


def test_missing_namespace_is_an_error():
    res = run_module('rule', {'priority': 100, 'table': '5', 'netns': 'mnt-no-such-ns'})
    assert res['rc'] != 0 and 'mnt-no-such-ns' in res['msg'] and 'does not exist' in res['msg']


# ------------------------------------------------------------------ issue 8

def test_same_rule_written_another_way_is_unchanged(ns, private_iproute2):
    etc, wrap = private_iproute2
    with open(os.path.join(etc, 'rt_tables.d', 'data.conf'), 'w') as handle:
        handle.write('254\tmaintoo\n')
    first = apply(ns, priority=150, fwmark='0x10', table='main')
    assert first['changed'] is True
    for mark, table in (('16', '254'), ('0x00000010', 'maintoo'), ('0x10', '0xfe')):
        res = run_module('rule', dict(priority=150, fwmark=mark, table=table, netns=ns.name), wrap=wrap)
        assert res['rc'] == 0 and res['changed'] is False, (mark, table, res)
    assert len(at(ns, 150)) == 1
    six = apply(ns, priority=151, to='2001:0DB8:0099:0000::/64', table='254')
    assert six['rule']['to'] == '2001:db8:99::/64'
    res = run(ns, priority=151, to='2001:db8:99::/64', table='main')
    assert res['changed'] is False


def test_present_never_takes_over_and_absent_removes_any_protocol(ns):
    """Rules have no attributes besides their identity: a rule another owner made with the same
    identity is unchanged (and keeps its protocol); state=absent deletes it whatever its protocol."""
    ns.run('rule', 'add', 'priority', '160', 'from', '10.0.0.1', 'lookup', '100', 'proto', 'static')
    res = apply(ns, priority=160, **{'from': '10.0.0.1', 'table': '100'})
    assert res['changed'] is False and res['rule']['proto'] == 4
    assert at(ns, 160)[0]['protocol'] == 'static'
    res = run(ns, priority=160, state='absent')
    assert res['changed'] is True and [r['proto'] for r in res['removed']] == [4]
    assert at(ns, 160) == []


def test_absent_with_proto_deletes_only_that_protocols_rules(ns):
    """The role's removal: priority and table name the role's rules, proto=multinic keeps an
    admin's rule at the same priority and table (here `ip rule add ... proto static`)."""
    ns.run('rule', 'add', 'priority', '1000', 'from', '192.0.2.10', 'lookup', '201', 'proto', 'static')
    ns.run('rule', 'add', 'priority', '1000', 'from', '10.0.0.1', 'lookup', '201')
    ours = apply(ns, priority=1000, table='201', **{'from': '10.240.64.4'})
    assert ours['rule']['proto'] == 241
    res = apply(ns, priority=1000, table='201', proto='multinic', state='absent')
    assert [(r['from'], r['proto']) for r in res['removed']] == [('10.240.64.4/32', 241)]
    left = sorted((r['src'], r.get('protocol', 'unspec')) for r in at(ns, 1000))
    assert left == [('10.0.0.1', 'unspec'), ('192.0.2.10', 'static')], left


def test_present_with_proto_sets_it_and_absent_by_proto_alone(ns):
    res = apply(ns, priority=170, proto='static', **{'from': '10.0.0.7', 'table': '100'})
    assert res['rule']['proto'] == 4 and at(ns, 170)[0]['protocol'] == 'static'
    apply(ns, priority=171, **{'from': '10.0.0.8', 'table': '100'})
    res = apply(ns, proto='241', state='absent')
    assert [r['priority'] for r in res['removed']] == [171]
    assert len(at(ns, 170)) == 1 and at(ns, 171) == []
    assert sorted(r['priority'] for r in ip_rules(ns)) == [0, 170, 32766, 32767]


def test_bad_proto_is_refused_before_anything_is_written(ns):
    before = snapshot(ns)
    res = run(ns, priority=172, table='100', proto='nosuchproto', **{'from': '10.0.0.9'})
    assert res['rc'] != 0 and "proto='nosuchproto'" in res['msg'], res
    assert snapshot(ns) == before
