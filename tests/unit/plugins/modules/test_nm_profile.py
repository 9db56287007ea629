# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation, nmcli syntax and the ownership plan of multinic.routing.nm_profile, without
NetworkManager.

The argument spec is the module's real one; routes and rules go through the same checks as the
route and rule modules. The nmcli texts below are what NetworkManager 1.42 printed in the lab
(`nmcli -e no -g ipv4.routes,ipv4.routing-rules connection show UUID`) after the same entries
were added; what NetworkManager makes of them in the kernel is tested on NetworkManager hosts in
the lab (molecule scenarios nm_custom_routes, nm_source_routing)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _nm
from ansible_collections.multinic.routing.plugins.module_utils._common import ValidationError
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure

from .test_networkd_dropin import build as build_with


def build(**params):
    return build_with(util=_nm, **params)


def texts(**params):
    _interface, _name, routes, rules = build(**params)
    return [_nm.route_text(r) for r in routes], [_nm.rule_text(r) for r in rules]


SOURCE_ROUTING = dict(
    name='source_routing',
    routes=[{'dest': '10.238.64.0/24', 'scope': 'link', 'src': '10.238.64.4', 'table': '201'},
            {'dest': 'default', 'gateway': '10.238.64.1', 'src': '10.238.64.4', 'table': '201'},
            {'dest': '10.238.128.0/24', 'gateway': '10.238.64.1'}],
    rules=[{'priority': 999, 'table': 'main', 'suppress_prefixlength': 0, 'family': 'ipv4'},
           {'priority': 1000, 'from': '10.238.64.4', 'table': '201'}])

# What nmcli 1.42 printed for the entries of SOURCE_ROUTING (written with other spellings).
NMCLI_ROUTES = ('10.238.64.0/24 0 scope=253 src=10.238.64.4 table=201, '
                '0.0.0.0/0 10.238.64.1 0 src=10.238.64.4 table=201, 10.238.128.0/24 10.238.64.1 0')
NMCLI_RULES = ('priority 999 from 0.0.0.0/0 suppress_prefixlength 0 table 254, '
               'priority 1000 from 10.238.64.4 table 201')


def test_texts():
    routes, rules = texts(**SOURCE_ROUTING)
    assert routes == ['10.238.64.0/24 0 src=10.238.64.4 table=201',
                      '0.0.0.0/0 10.238.64.1 0 src=10.238.64.4 table=201',
                      '10.238.128.0/24 10.238.64.1 0 table=254']
    assert rules == ['priority 999 suppress_prefixlength 0 table 254',
                     'priority 1000 from 10.238.64.4/32 table 201']


def test_route_attributes():
    routes, _rules = texts(routes=[{'dest': '192.0.2.0/24', 'gateway': '10.238.64.1', 'onlink': True, 'mtu': 1400,
                                    'metric': 50, 'table': '300'},
                                   {'dest': '2001:db8::/64', 'gateway': 'fe80::1'}])
    assert routes == ['192.0.2.0/24 10.238.64.1 50 mtu=1400 onlink=true table=300',
                      '2001:db8::/64 fe80::1 1024 table=254']


def test_nmcli_output_has_the_same_keys_as_our_texts():
    routes, rules = texts(**SOURCE_ROUTING)
    ours = set(_nm.route_key(t, 4) for t in routes)
    theirs = set(_nm.route_key(t, 4) for t in NMCLI_ROUTES.split(', '))
    # nmcli writes the link route's scope (given explicitly there); ours leaves the implied scope out
    assert ours - theirs == set([_nm.route_key('10.238.64.0/24 0 src=10.238.64.4 table=201', 4)])
    assert _nm.route_key('10.238.128.0/24 10.238.64.1 0', 4) == _nm.route_key(routes[2], 4)
    assert _nm.route_key('0.0.0.0/0 10.238.64.1 0 src=10.238.64.4 table=201', 4) == _nm.route_key(routes[1], 4)
    assert set(_nm.rule_key(t, 4) for t in rules) == set(_nm.rule_key(t, 4) for t in NMCLI_RULES.split(', '))


def test_keys_tell_entries_apart():
    assert _nm.route_key('10.0.0.0/24 10.0.0.1 0', 4) != _nm.route_key('10.0.0.0/24 10.0.0.1 0 table=300', 4)
    assert _nm.route_key('10.0.0.0/24 10.0.0.1 0', 4) != _nm.route_key('10.0.0.0/24 10.0.0.2 0', 4)
    assert _nm.route_key('10.0.0.0/24 10.0.0.1 0', 4) != _nm.route_key('10.0.0.0/24 10.0.0.1', 4)
    assert _nm.rule_key('priority 1000 from 10.0.0.4 table 201', 4) != _nm.rule_key('priority 1000 not from 10.0.0.4 table 201', 4)
    assert _nm.rule_key('priority 1000 from 10.0.0.4 table 201', 4) == _nm.rule_key('priority 1000 from 10.0.0.4/32 table 201', 4)


def _plan(profile, wanted, recorded):
    return _nm.plan(profile, {'family': 4, 'key': _nm.route_key, 'texts': wanted}, recorded)


def test_plan_first_run_adds_and_records():
    assert _plan(['192.0.2.0/24 10.0.0.1 0 table=300'], ['10.1.0.0/24 10.0.0.1 0 table=254'], []) == (
        [], ['10.1.0.0/24 10.0.0.1 0 table=254'], ['10.1.0.0/24 10.0.0.1 0 table=254'])


def test_plan_second_run_changes_nothing():
    assert _plan(['10.1.0.0/24 10.0.0.1 0'], ['10.1.0.0/24 10.0.0.1 0 table=254'], ['10.1.0.0/24 10.0.0.1 0 table=254']) == (
        [], [], ['10.1.0.0/24 10.0.0.1 0 table=254'])


def test_plan_an_entry_the_user_had_is_not_ours():
    # wanted, already in the profile, never recorded: nothing added, nothing recorded
    assert _plan(['10.1.0.0/24 10.0.0.1 0'], ['10.1.0.0/24 10.0.0.1 0 table=254'], []) == ([], [], [])
    # and so absent (nothing wanted) never removes it
    assert _plan(['10.1.0.0/24 10.0.0.1 0'], [], []) == ([], [], [])


def test_plan_removes_only_recorded_entries_no_longer_wanted():
    profile = ['192.0.2.0/24 10.0.0.1 0 table=300', '10.1.0.0/24 10.0.0.1 0', '10.2.0.0/24 10.0.0.1 0']
    # profile's own text is removed (nmcli matches it), the user's route stays
    assert _plan(profile, ['10.2.0.0/24 10.0.0.1 0 table=254'],
                 ['10.1.0.0/24 10.0.0.1 0 table=254', '10.2.0.0/24 10.0.0.1 0 table=254']) == (
        ['10.1.0.0/24 10.0.0.1 0'], [], ['10.2.0.0/24 10.0.0.1 0 table=254'])
    # a recorded entry the user took out of the profile is just forgotten
    assert _plan(['192.0.2.0/24 10.0.0.1 0 table=300'], [], ['10.1.0.0/24 10.0.0.1 0 table=254']) == ([], [], [])


@pytest.mark.parametrize('params, needle', [
    (dict(name='a/b', routes=[{'dest': '10.1.0.0/24'}]), "name='a/b'"),
    (dict(interface='x' * 16, routes=[{'dest': '10.1.0.0/24'}]), 'interface'),
    (dict(routes=[{'dest': '10.1.0.0/33'}]), "routes[0]: dest='10.1.0.0/33'"),
    (dict(routes=[{'dest': '10.1.0.0/24', 'gateway': 'nonsense'}]), 'routes[0]: gateway'),
    (dict(rules=[{'priority': 10, 'from': '10.0.0.0/8', 'to': '2001:db8::/32'}]), 'rules[0]'),
    (dict(routes=[]), 'state=present needs at least one entry'),
    (dict(routes=[{'dest': '10.1.0.0/24'}], timeout=0), 'timeout=0'),
])
def test_bad_input_names_option_and_value(params, needle):
    with pytest.raises(ValidationError) as err:
        build(**params)
    assert needle in err.value.msg


def test_proto_is_refused_naming_option_and_value():
    with pytest.raises(ValidationError) as err:
        build(routes=[{'dest': '10.1.0.0/24'}, {'dest': '10.2.0.0/24', 'proto': 'static'}])
    assert "routes[1]: proto='static': NetworkManager installs its routes with protocol static" in err.value.msg


def test_rule_actions():
    _routes, rules = texts(rules=[{'priority': 5, 'from': '198.51.100.7', 'action': 'blackhole'}])
    assert rules == ['priority 5 from 198.51.100.7/32 type blackhole']
    # what nmcli 1.42 printed for it
    assert _nm.rule_key(rules[0], 4) == _nm.rule_key('priority 5 from 198.51.100.7 type blackhole', 4)


def test_record_of_someone_else_is_refused(tmp_path):
    path = tmp_path / 'ens4.x.json'
    path.write_text(u'[1, 2]')
    with pytest.raises(ModuleFailure) as err:
        _nm.load_record(str(path))
    assert 'is not a record this module wrote' in err.value.msg
    path.write_text(u'%s' % json.dumps({'connection': 'u', 'routes': [[4, '10.1.0.0/24 0 table=254']], 'rules': []}))
    assert _nm.load_record(str(path))['connection'] == 'u'
    assert _nm.load_record(str(tmp_path / 'missing.json')) is None


class FakeNmcli(object):
    """Records the nmcli calls; NetworkManager makes the change live after ``live_after`` reapplies."""

    def __init__(self, live_after):
        self.calls = []
        self.live_after = live_after

    def run(self, *args):
        self.calls.append(args)

    def live(self):
        return self.live_after is not None and len(self.calls) >= self.live_after


def test_reapply_once_when_networkmanager_makes_it_live():
    nmcli = FakeNmcli(live_after=1)
    assert _nm.reapply_until(nmcli, 'ens4', nmcli.live, timeout=5, again=0.3) == 1
    assert nmcli.calls == [('device', 'reapply', 'ens4')]


def test_reapply_issued_again_when_the_first_is_not_made_live():
    # the NetworkManager 1.42 case: a reapply taken, its change not live; the next one is
    nmcli = FakeNmcli(live_after=2)
    assert _nm.reapply_until(nmcli, 'ens3', nmcli.live, timeout=5, again=0.3) == 2
    assert nmcli.calls == [('device', 'reapply', 'ens3')] * 2


def test_reapply_gives_up_at_the_timeout():
    nmcli = FakeNmcli(live_after=None)
    assert _nm.reapply_until(nmcli, 'ens3', nmcli.live, timeout=1, again=0.3) is None
    assert 3 <= len(nmcli.calls) <= 5
