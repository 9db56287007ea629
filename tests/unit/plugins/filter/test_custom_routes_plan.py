# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The custom_routes role's plan (filter multinic.routing.custom_routes_plan): the data NIC, its
routes, what keeps them, the batch's steps and the input errors, from routing_facts' facts. The
role itself runs in the molecule scenarios (custom_routes, nm_custom_routes, ifupdown) and the
lab; these pin the plan's parts one by one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.custom_routes_plan import custom_routes_plan

LEGACY = '/etc/netplan/60-multinic-custom-routes.yaml'
HEADER = '# Managed by the multinic.routing.custom_routes role'
NETWORKD = {'manager': 'networkd', 'network_file': '/run/systemd/network/10-netplan-ens4.network'}
NM = {'manager': 'NetworkManager', 'connection_uuid': 'f4bce4fa-3684-565e-b701-b931190cb51d'}
IFUPDOWN = {'manager': 'ifupdown'}
SUBNETS = ['10.240.64.0/24', '10.240.65.0/24', '10.240.66.0/24']

SETTINGS = {'state': 'present', 'interface': 'ens4', 'subnets': SUBNETS, 'gateway': '', 'persist': True,
            'guard': True, 'name': 'custom_routes', 'legacy_file': LEGACY, 'legacy_header': HEADER,
            'host': 'worker1'}


def facts(ens4=None, systemd=True, legacy=None, address='10.240.64.4/24', nic=True):
    links = [{'name': 'ens3'}] + ([{'name': 'ens4'}] if nic else [])
    found = [{'family': 4, 'dev': 'ens3', 'cidr': '10.240.0.4/24'}, {'family': 6, 'dev': 'ens4', 'cidr': 'fe80::1/64'}]
    if address:
        found.append({'family': 4, 'dev': 'ens4', 'cidr': address})
    managers = {'links': {'ens3': dict(NETWORKD), 'ens4': dict(ens4 or NETWORKD)}, 'systemd': systemd}
    return {'netns': {'host': {'links': links, 'addresses': found, 'managers': managers}},
            'files': {'/etc/netplan/60-multinic-*': {LEGACY: legacy} if legacy is not None else {}}}


def plan(settings=None, **kwargs):
    return custom_routes_plan(facts(**kwargs), dict(SETTINGS, **(settings or {})))


def modules(steps):
    return [s['module'].split('.')[-1] for s in steps]


def test_routes_to_every_other_subnet_kept_by_networkd():
    result = plan()
    assert (result['address'], result['network'], result['gateway']) == ('10.240.64.4', '10.240.64.0/24', '10.240.64.1')
    assert result['routes'] == [{'dest': '10.240.65.0/24', 'gateway': '10.240.64.1'},
                                {'dest': '10.240.66.0/24', 'gateway': '10.240.64.1'}]
    assert result['backend'] == 'networkd' and result['kept'] == {'ens4': 'networkd'}
    assert 'drop-in for /run/systemd/network/10-netplan-ens4.network' in result['report']
    steps = result['steps']
    assert modules(steps) == ['networkd_dropin', 'nm_profile', 'boot_unit', 'routing_state']
    assert steps[0]['params'] == {'interface': 'ens4', 'name': 'custom_routes', 'routes': result['routes'],
                                  'state': 'present', 'guard': True}
    assert steps[1]['params']['state'] == 'absent' and steps[1]['params']['routes'] == []
    assert steps[2]['params'] == {'name': 'custom_routes', 'order': 'after-network', 'wait_for_links': ['ens4'],
                                  'steps': [], 'state': 'absent'}
    assert steps[3]['params'] == {'routes': [dict(r, dev='ens4') for r in result['routes']], 'guard': True}
    assert result['errors'] == [] and result['legacy'] is False


def test_subnets_are_normalised_and_deduplicated_and_a_given_gateway_is_used():
    result = plan({'subnets': ['10.240.64.0/24', '10.240.65.0/24', '10.240.65.0/24'], 'gateway': '10.240.64.9'})
    assert result['routes'] == [{'dest': '10.240.65.0/24', 'gateway': '10.240.64.9'}]


def test_networkmanager_keeps_them_and_the_kernel_step_leaves_them_to_it():
    result = plan(ens4=NM)
    assert result['backend'] == 'networkmanager'
    assert modules(result['steps']) == ['networkd_dropin', 'nm_profile', 'boot_unit']
    assert result['steps'][1]['params']['state'] == 'present' and result['steps'][0]['params']['state'] == 'absent'


def test_boot_unit_where_nothing_keeps_them():
    result = plan(ens4=IFUPDOWN)
    boot = result['steps'][2]['params']
    assert result['backend'] == 'boot_unit' and boot['state'] == 'present'
    assert boot['steps'] == [{'module': 'route', 'params': {'dest': '10.240.65.0/24', 'gateway': '10.240.64.1', 'dev': 'ens4'}},
                             {'module': 'route', 'params': {'dest': '10.240.66.0/24', 'gateway': '10.240.64.1', 'dev': 'ens4'}}]


def test_runtime_only_without_systemd_or_persistence():
    assert plan(ens4=IFUPDOWN, systemd=False)['kept'] == {'ens4': 'runtime'}
    assert plan({'persist': False})['kept'] == {'ens4': 'runtime'}


def test_a_single_zone_has_no_route_and_nothing_keeps_one():
    result = plan({'subnets': ['10.240.64.0/24']})
    assert result['routes'] == [] and result['backend'] == 'none' and result['report'] == 'no other zone, no route'
    assert result['steps'][0]['params']['state'] == 'absent' and result['steps'][-1]['params']['routes'] == []


def test_absent_removes_the_routes_by_dest_and_keeps_nothing():
    result = plan({'state': 'absent'})
    assert result['backend'] == 'none' and [s['params']['state'] for s in result['steps'][:3]] == ['absent'] * 3
    assert result['steps'][3]['params']['routes'] == [
        {'dest': '10.240.65.0/24', 'gateway': '10.240.64.1', 'state': 'absent'},
        {'dest': '10.240.66.0/24', 'gateway': '10.240.64.1', 'state': 'absent'}]


def test_absent_with_the_nic_gone_is_no_error():
    result = plan({'state': 'absent'}, nic=False, address='')
    assert result['errors'] == [] and result['backend'] == 'none' and len(result['routes']) == 3


def test_a_nic_without_address_is_an_error_when_present():
    result = plan(address='')
    assert result['errors'] == ["custom_routes_interface=ens4 has no IPv4 address on worker1 (is it the data NIC, "
                                "and is it in the host's namespace?)"]


def test_the_legacy_netplan_file():
    assert plan(legacy=HEADER + '\nnetwork: {}\n')['legacy'] is True
    assert plan(legacy='# someone else\n')['legacy'] is False


@pytest.mark.parametrize('settings, needle', [
    ({'interface': ''}, 'custom_routes_interface is empty'),
    ({'subnets': []}, 'custom_routes_subnets is empty'),
    ({'subnets': '10.240.64.0/24'}, 'custom_routes_subnets=10.240.64.0/24 must be a list'),
    ({'subnets': ['10.240.64.0/24', '10.240.65.1/24', '0.0.0.0/0', 'fd00::/64']},
     'custom_routes_subnets: not IPv4 network prefixes (or a default route /0): 10.240.65.1/24, 0.0.0.0/0, fd00::/64'),
    ({'gateway': '10.240.64.256'}, 'custom_routes_gateway=10.240.64.256 is not an IPv4 address'),
])
def test_input_errors(settings, needle):
    result = plan(settings)
    assert needle in '; '.join(result['errors']) and result['steps'] == []


def test_every_input_error_at_once():
    assert len(plan({'interface': '', 'subnets': [], 'gateway': 'x'})['errors']) == 3


def test_the_input_is_not_changed():
    given, settings = facts(), copy.deepcopy(SETTINGS)
    before = copy.deepcopy(given)
    custom_routes_plan(given, settings)
    assert given == before and settings == SETTINGS


@pytest.mark.parametrize('given, settings, needle', [
    ({}, SETTINGS, 'the input must be ansible_facts.multinic_routing'),
    (None, SETTINGS, 'the input must be ansible_facts.multinic_routing'),
    ('facts', SETTINGS, 'the input must be ansible_facts.multinic_routing'),
])
def test_refuses(given, settings, needle):
    with pytest.raises(AnsibleFilterError, match=needle):
        custom_routes_plan(given, settings)


def test_refuses_missing_settings():
    with pytest.raises(AnsibleFilterError, match='settings lack subnets'):
        custom_routes_plan(facts(), dict((k, v) for k, v in SETTINGS.items() if k != 'subnets'))
