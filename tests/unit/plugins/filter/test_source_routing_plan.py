# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The source_routing role's plan (filter multinic.routing.source_routing_plan): each NIC, the
batch's steps, the reverse-path filter and the input errors, from routing_facts' facts. The role
itself runs in the molecule scenarios (source_routing, networkd_source_routing,
nm_source_routing) and the lab; these pin the plan's parts one by one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.source_routing_plan import source_routing_plan

SYSCTL = '/etc/sysctl.d/60-multinic-source-routing.conf'
LEGACY = '/etc/netplan/60-multinic-source-routing.yaml'
HEADER = '# Managed by the multinic.routing.source_routing role'
NETWORKD = {'manager': 'networkd', 'network_file': '/run/systemd/network/10-netplan-%s.network'}
NM = {'manager': 'NetworkManager', 'connection_uuid': 'f4bce4fa-3684-565e-b701-b931190cb51d'}
IFUPDOWN = {'manager': 'ifupdown'}

SETTINGS = {
    'state': 'present', 'interface': 'ens4', 'gateway': '', 'table': 'data', 'table_id': 201, 'priority': 1000,
    'control_interface': 'ens3', 'control_gateway': '', 'control_table': 'control', 'control_table_id': 202,
    'control_priority': 1001, 'main_first': True, 'main_first_priority': 999, 'rp_filter_loose': True,
    'persist': True, 'guard': True, 'sysctl_file': SYSCTL, 'name': 'source_routing', 'legacy_file': LEGACY,
    'legacy_header': HEADER, 'host': 'worker1'}


def facts(ens4=None, ens3=None, systemd=True, rp=None, files=None, addresses=True, here=('ens3', 'ens4')):
    links = {}
    for name, entry in (('ens4', ens4 or NETWORKD), ('ens3', ens3 or NETWORKD)):
        links[name] = dict(entry, network_file=entry['network_file'] % name) if 'network_file' in entry else dict(entry)
    found = [{'family': 4, 'dev': 'ens3', 'cidr': '10.240.0.4/24'}, {'family': 6, 'dev': 'ens4', 'cidr': 'fe80::1/64'},
             {'family': 4, 'dev': 'ens4', 'cidr': '10.240.64.4/24'}] if addresses else []
    return {'netns': {'host': {'links': [{'name': name} for name in here], 'addresses': found, 'managers': {'links': links, 'systemd': systemd},
                               'rp_filter': rp or {'all': 0, 'ens4': 0}}},
            'files': {SYSCTL: dict(files or {}), '/etc/netplan/60-multinic-*': {}}}


def plan(settings=None, **kwargs):
    return source_routing_plan(facts(**kwargs), dict(SETTINGS, **(settings or {})))


def modules(steps):
    return [s['module'].split('.')[-1] for s in steps]


def test_nics_on_networkd():
    result = plan()
    data, control = result['nics']
    assert data['address'] == '10.240.64.4' and data['network'] == '10.240.64.0/24' and data['gateway'] == '10.240.64.1'
    assert control['address'] == '10.240.0.4' and control['gateway'] == '10.240.0.1'
    assert data['backend'] == 'networkd' and 'drop-in for /run/systemd/network/10-netplan-ens4.network' in data['note']
    assert data['routes'] == [{'dest': '10.240.64.0/24', 'scope': 'link', 'table': 201, 'src': '10.240.64.4'},
                              {'dest': 'default', 'gateway': '10.240.64.1', 'table': 201, 'src': '10.240.64.4'}]
    assert data['rules'] == [{'priority': 999, 'table': 'main', 'suppress_prefixlength': 0, 'family': 'ipv4'},
                             {'priority': 1000, 'from': '10.240.64.4', 'table': 201}]
    assert control['rules'] == [{'priority': 1001, 'from': '10.240.0.4', 'table': 202}]
    assert result['kept'] == {'ens4': 'networkd', 'ens3': 'networkd'}
    assert result['errors'] == []
    assert result['report'] == 'ens4: %s; ens3: %s' % (data['note'], control['note'])


def test_present_steps_on_networkd():
    steps = plan()['steps']
    assert modules(steps) == ['networkd_dropin', 'networkd_dropin', 'nm_profile', 'nm_profile', 'boot_unit',
                              'rt_table', 'rt_table', 'routing_state']
    assert [s['params']['state'] for s in steps[:5]] == ['present', 'present', 'absent', 'absent', 'absent']
    assert steps[0]['params']['rules'][0]['suppress_prefixlength'] == 0 and steps[0]['params']['guard'] is True
    assert steps[4]['params'] == {'name': 'source_routing', 'order': 'after-network', 'wait_for_links': [],
                                  'steps': [], 'state': 'absent'}
    assert steps[5]['params'] == {'name': 'data', 'id': 201}
    state = steps[-1]['params']
    assert state['routes'][1] == {'dest': 'default', 'gateway': '10.240.64.1', 'dev': 'ens4', 'src': '10.240.64.4',
                                  'table': 201}
    assert len(state['routes']) == 4 and len(state['rules']) == 3


def test_networkmanager_routes_carry_no_src_and_stay_out_of_the_kernel_step():
    result = plan(ens4=NM)
    data = result['nics'][0]
    assert data['backend'] == 'networkmanager' and all('src' not in r for r in data['routes'])
    steps = result['steps']
    assert steps[2]['module'] == 'multinic.routing.nm_profile' and steps[2]['params']['state'] == 'present'
    assert steps[0]['params']['state'] == 'absent'      # no drop-in for the NIC NetworkManager keeps
    state = steps[-1]['params']
    assert [r['dev'] for r in state['routes']] == ['ens3', 'ens3']
    assert [r['table'] for r in state['rules']] == [202]


def test_boot_unit_where_nothing_keeps_the_routes():
    steps = plan(ens4=IFUPDOWN, ens3=IFUPDOWN)['steps']
    boot = steps[4]['params']
    assert boot['state'] == 'present' and boot['wait_for_links'] == ['ens4', 'ens3']
    assert [s['module'] for s in boot['steps']] == ['route', 'route', 'rule', 'rule', 'route', 'route', 'rule']
    assert boot['steps'][0]['params'] == {'dest': '10.240.64.0/24', 'scope': 'link', 'table': 201, 'src': '10.240.64.4',
                                          'dev': 'ens4'}


def test_runtime_only_without_systemd_or_persistence():
    assert plan(ens4=IFUPDOWN, ens3=IFUPDOWN, systemd=False)['kept'] == {'ens4': 'runtime', 'ens3': 'runtime'}
    assert plan({'persist': False})['kept'] == {'ens4': 'runtime', 'ens3': 'runtime'}


def test_absent_removes_by_table_and_priority():
    result = plan({'state': 'absent', 'main_first': False})
    assert result['kept'] == {'ens4': 'none', 'ens3': 'none'}
    steps = result['steps']
    assert modules(steps) == ['networkd_dropin', 'networkd_dropin', 'nm_profile', 'nm_profile', 'boot_unit',
                              'routing_state', 'rt_table', 'rt_table']
    assert all(s['params']['state'] == 'absent' for s in steps if 'state' in s['params'])
    state = steps[5]['params']
    # the main-first rule goes as well, even when main_first is now off
    assert state['rules'][0] == {'priority': 999, 'table': 'main', 'family': 'ipv4', 'proto': 'multinic',
                                 'state': 'absent', 'suppress_prefixlength': 0}
    assert {'dest': '10.240.64.0/24', 'table': 201, 'state': 'absent'} in state['routes']
    assert steps[6]['params'] == {'name': 'data', 'state': 'absent'}


def test_no_control_nic():
    result = plan({'control_interface': ''})
    assert [n['interface'] for n in result['nics']] == ['ens4']
    assert result['errors'] == []


def test_a_given_gateway_is_used():
    assert plan({'gateway': '10.240.64.254'})['nics'][0]['routes'][1]['gateway'] == '10.240.64.254'


@pytest.mark.parametrize('rp, files, settings, loosen, found, restore, task', [
    ({'all': 0, 'ens4': 0}, {}, {}, False, 0, '', False),                  # off: left alone
    ({'all': 0, 'ens4': 2}, {}, {}, False, 2, '', False),                  # loose already
    ({'all': 1, 'ens4': 0}, {}, {}, True, 0, '', True),                    # strict through all
    ({'all': 0, 'ens4': 1}, {}, {}, True, 1, '', True),                    # strict on the NIC
    ({'all': 0, 'ens4': 1}, {}, {'rp_filter_loose': False}, False, 1, '', False),
    ({'all': 0, 'ens4': 2}, {SYSCTL: '# found: rp_filter=1\n'}, {}, True, '1', '1', True),   # loosened earlier
    ({'all': 0, 'ens4': 2}, {SYSCTL: '# found: rp_filter=1\n'}, {'state': 'absent'}, False, '1', '1', True),
])
def test_reverse_path_filter(rp, files, settings, loosen, found, restore, task):
    result = plan(settings, rp=rp, files=files)
    assert result['rp'] == {'loosen': loosen, 'found': found, 'restore': restore, 'here': True}
    assert result['files_task'] is task


def test_the_legacy_netplan_file_is_a_file_task():
    result = source_routing_plan(dict(facts(), files={SYSCTL: {}, '/etc/netplan/60-multinic-*': {LEGACY: HEADER + '\n'}}),
                                 SETTINGS)
    assert result['files'] == {SYSCTL: '', LEGACY: HEADER + '\n'} and result['files_task'] is True


@pytest.mark.parametrize('settings, needle', [
    ({'interface': ''}, 'source_routing_interface is empty'),
    ({'control_interface': 'ens4'}, 'source_routing_interface and source_routing_control_interface are both ens4'),
    ({'gateway': '10.240.64'}, 'not IPv4 addresses: source_routing_gateway=10.240.64'),
    ({'control_gateway': '2001:db8::1'}, 'not IPv4 addresses: source_routing_control_gateway=2001:db8::1'),
    ({'control_table': 'data'}, 'the data and control tables must differ in name and number'),
    ({'control_table_id': 201}, 'the data and control tables must differ in name and number'),
    ({'main_first_priority': 1000}, 'source_routing_main_first_priority=1000 must be above 0'),
    ({'main_first_priority': 0}, 'source_routing_main_first_priority=0 must be above 0'),
    ({'table_id': 254}, 'table ids 0, 253, 254 and 255 are reserved by the kernel'),
    ({'control_table_id': 0}, 'table ids 0, 253, 254 and 255 are reserved by the kernel'),
])
def test_input_errors(settings, needle):
    errors = plan(settings)['errors']
    assert len(errors) == 1 and needle in errors[0], errors


def test_main_first_priority_is_free_when_main_first_is_off():
    assert plan({'main_first': False, 'main_first_priority': 5000})['errors'] == []


def test_a_nic_without_address_is_an_error_not_a_crash():
    result = source_routing_plan(facts(), dict(SETTINGS, control_interface='ens3'))
    assert result['errors'] == []
    bare = facts()
    bare['netns']['host']['addresses'] = [a for a in bare['netns']['host']['addresses'] if a['dev'] != 'ens4']
    errors = source_routing_plan(bare, SETTINGS)['errors']
    assert errors == ['ens4 has no IPv4 address on worker1 (source_routing_interface=ens4, '
                      'source_routing_control_interface=ens3)']


def test_the_input_is_not_changed():
    given, settings = facts(), dict(SETTINGS)
    before = copy.deepcopy((given, settings))
    source_routing_plan(given, settings)
    assert (given, settings) == before


@pytest.mark.parametrize('given, settings, needle', [
    ({}, SETTINGS, 'must be ansible_facts.multinic_routing'),
    ('nonsense', SETTINGS, 'must be ansible_facts.multinic_routing'),
    (None, SETTINGS, 'must be ansible_facts.multinic_routing'),
    (facts(), dict((k, v) for k, v in SETTINGS.items() if k != 'guard'), 'settings lack guard'),
])
def test_refuses(given, settings, needle):
    with pytest.raises(AnsibleFilterError) as err:
        source_routing_plan(given, settings)
    assert needle in str(err.value)


def test_an_interface_that_is_not_there_is_refused_by_persistence():
    with pytest.raises(AnsibleFilterError) as err:
        plan({'interface': 'ens9'})
    assert "interface 'ens9' is not in the host's namespace" in str(err.value)


def test_reverse_path_filter_knows_whether_the_data_nic_is_here():
    assert plan(here=('ens3',))['rp']['here'] is False
