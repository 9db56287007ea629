# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's filters (ip_network, first_host, persistence, step) and test (ip_prefix).

Called directly and through Ansible's own templating engine by their FQCN, the way roles use
them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.file_text import file_text
from ansible_collections.multinic.routing.plugins.filter.first_host import first_host
from ansible_collections.multinic.routing.plugins.filter.ip_network import ip_network
from ansible_collections.multinic.routing.plugins.filter.persistence import persistence
from ansible_collections.multinic.routing.plugins.filter.step import step
from ansible_collections.multinic.routing.plugins.test.ip_prefix import ip_prefix


@pytest.mark.parametrize('value, expected', [
    ('10.240.64.4/24', '10.240.64.0/24'),
    ('10.240.64.0/24', '10.240.64.0/24'),
    (' 10.240.130.7/18 ', '10.240.128.0/18'),
    ('192.0.2.9/32', '192.0.2.9/32'),
    ('2001:db8:0:1::5/64', '2001:db8:0:1::/64'),
    ('2001:DB8::1/48', '2001:db8::/48'),
])
def test_ip_network(value, expected):
    assert ip_network(value) == expected


@pytest.mark.parametrize('value', ['10.240.64.4', 'garbage', '10.240.64.4/33', '', None, '1.2.3/24'])
def test_ip_network_refuses(value):
    with pytest.raises(AnsibleFilterError) as err:
        ip_network(value)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize('value, expected', [
    ('10.240.64.4/24', '10.240.64.1'),
    ('10.240.64.0/24', '10.240.64.1'),
    ('10.240.128.200/18', '10.240.128.1'),
    ('10.0.0.0/31', '10.0.0.1'),
    ('2001:db8:0:1::5/64', '2001:db8:0:1::1'),
])
def test_first_host(value, expected):
    assert first_host(value) == expected


@pytest.mark.parametrize('value, needle', [
    ('10.240.64.4', "'10.240.64.4'"),
    ('10.240.64.4/32', '10.240.64.4/32 has no host part'),
    ('2001:db8::1/128', '2001:db8::1/128 has no host part'),
    ('nonsense/24', "'nonsense/24'"),
])
def test_first_host_refuses(value, needle):
    with pytest.raises(AnsibleFilterError) as err:
        first_host(value)
    assert needle in str(err.value)


@pytest.mark.parametrize('value, version, expected', [
    ('10.240.128.0/24', None, True),
    ('10.240.128.0/24', 4, True),
    ('10.240.128.0/24', 6, False),
    ('2001:db8::/64', None, True),
    ('2001:db8::/64', 4, False),
    ('10.240.128.5/24', None, False),   # host bits set
    ('10.240.128.5', None, False),      # bare address
    ('0.0.0.0/0', 4, True),
    ('default', None, False),
    (None, None, False),
    (42, None, False),
    (['10.0.0.0/8'], None, False),
])
def test_ip_prefix(value, version, expected):
    assert ip_prefix(value, version=version) is expected


def test_through_ansible_templating(tmp_path):
    """The plugins load by FQCN in a real play and compose the way the roles use them."""
    playbook = tmp_path / 'play.yml'
    playbook.write_text(u'''
- hosts: localhost
  gather_facts: false
  vars:
    subnets: [10.240.64.0/24, 10.240.128.0/24, 10.240.192.0/24, 10.240.192.9/24, bogus]
    address: 10.240.64.4/24
  tasks:
    - ansible.builtin.debug:
        msg:
          network: "{{ address | multinic.routing.ip_network }}"
          gateway: "{{ address | multinic.routing.first_host }}"
          remote: "{{ subnets | select('multinic.routing.ip_prefix', version=4)
                      | reject('equalto', address | multinic.routing.ip_network) }}"
          bad: "{{ subnets | reject('multinic.routing.ip_prefix') }}"
''')
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=os.environ['MULTINIC_COLLECTIONS_ROOT'],
               ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(playbook)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
        check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    msg = out['plays'][0]['tasks'][0]['hosts']['localhost']['msg']
    assert msg == {
        'network': '10.240.64.0/24',
        'gateway': '10.240.64.1',
        'remote': ['10.240.128.0/24', '10.240.192.0/24'],
        'bad': ['10.240.192.9/24', 'bogus'],
    }


def _managers(systemd=True, **links):
    return {'daemons': {'networkd': True, 'NetworkManager': False}, 'systemd': systemd,
            'links': dict((name, dict(entry)) for name, entry in links.items())}


NETWORKD = {'manager': 'networkd', 'network_file': '/run/systemd/network/10-netplan-ens4.network',
            'state': 'configured'}


@pytest.mark.parametrize('managers, interfaces, persist, expected', [
    # networkd (netplan hosts too) keeps them in a drop-in
    (_managers(ens4=NETWORKD), ['ens4'], True, {'ens4': ('networkd', 'networkd')}),
    # ifupdown, nothing: a boot unit
    (_managers(ens4={'manager': 'ifupdown'}, ens3={'manager': 'none'}), ['ens4', 'ens3'], True,
     {'ens4': ('boot_unit', 'ifupdown'), 'ens3': ('boot_unit', 'none')}),
    # NetworkManager keeps them in the active profile, with or without systemd as PID 1
    (_managers(ens4={'manager': 'NetworkManager', 'connection_uuid': 'u'}), ['ens4'], True,
     {'ens4': ('networkmanager', 'NetworkManager')}),
    (_managers(systemd=False, ens4={'manager': 'NetworkManager', 'connection_uuid': 'u'}), ['ens4'], True,
     {'ens4': ('networkmanager', 'NetworkManager')}),
    (_managers(ens4={'manager': 'NetworkManager', 'connection_uuid': 'u'}, ens3=NETWORKD,
               eth9={'manager': 'ifupdown'}), ['ens4', 'ens3', 'eth9'], True,
     {'ens4': ('networkmanager', 'NetworkManager'), 'ens3': ('networkd', 'networkd'),
      'eth9': ('boot_unit', 'ifupdown')}),
    (_managers(ens4={'manager': 'NetworkManager', 'connection_uuid': 'u'}), ['ens4'], False,
     {'ens4': ('runtime', 'NetworkManager')}),
    # mixed: per NIC
    (_managers(ens4=NETWORKD, ens3={'manager': 'none'}), ['ens4', 'ens3'], True,
     {'ens4': ('networkd', 'networkd'), 'ens3': ('boot_unit', 'none')}),
    # no systemd to run a unit, or persistence off: runtime only
    (_managers(systemd=False, ens4={'manager': 'none'}), ['ens4'], True, {'ens4': ('runtime', 'none')}),
    (_managers(ens4=NETWORKD), ['ens4'], False, {'ens4': ('runtime', 'networkd')}),
])
def test_persistence(managers, interfaces, persist, expected):
    result = persistence(managers, interfaces, persist)
    assert dict((k, (v['backend'], v['manager'])) for k, v in result.items()) == expected
    assert all(v['note'] for v in result.values())


def test_persistence_names_the_network_file():
    assert '10-netplan-ens4.network' in persistence(_managers(ens4=NETWORKD), ['ens4'])['ens4']['note']


def test_persistence_names_the_networkmanager_profile():
    nm = {'manager': 'NetworkManager', 'connection_uuid': 'f4bce4fa-3684-565e-b701-b931190cb51d'}
    note = persistence(_managers(ens4=nm), ['ens4'])['ens4']['note']
    assert note == 'kept by NetworkManager (in the profile f4bce4fa-3684-565e-b701-b931190cb51d)'


@pytest.mark.parametrize('managers, interfaces, needle', [
    ({'links': {}}, ['ens4'], "interface 'ens4' is not in the host's namespace"),
    ({}, ['ens4'], 'gather_subset: [managers]'),
    ('nonsense', ['ens4'], 'gather_subset: [managers]'),
])
def test_persistence_refuses(managers, interfaces, needle):
    with pytest.raises(AnsibleFilterError) as err:
        persistence(managers, interfaces)
    assert needle in str(err.value)


def test_step():
    params = {'dest': '10.240.128.0/24', 'gateway': '10.240.64.1'}
    assert step(params, 'route', dev='ens4') == {
        'module': 'route', 'params': {'dest': '10.240.128.0/24', 'gateway': '10.240.64.1', 'dev': 'ens4'}}
    assert params == {'dest': '10.240.128.0/24', 'gateway': '10.240.64.1'}, 'the input is not changed'


@pytest.mark.parametrize('params, module, needle', [
    ({}, 'shell', "module 'shell' is not one of"),
    (['x'], 'route', 'must be a dict'),
])
def test_step_refuses(params, module, needle):
    with pytest.raises(AnsibleFilterError) as err:
        step(params, module)
    assert needle in str(err.value)


FILES = {
    '/etc/ansible/facts.d/multinic_data_plane.fact': {'/etc/ansible/facts.d/multinic_data_plane.fact': '{"strategy": "netns"}'},
    '/etc/sysctl.d/60-multinic-*': {'/etc/sysctl.d/60-multinic-source-routing.conf': 'net.ipv4.conf.ens4.rp_filter = 2\n'},
    '/etc/netplan/60-multinic-*': {},
}


@pytest.mark.parametrize('path, expected', [
    ('/etc/ansible/facts.d/multinic_data_plane.fact', '{"strategy": "netns"}'),     # read
    ('/etc/sysctl.d/60-multinic-source-routing.conf', 'net.ipv4.conf.ens4.rp_filter = 2\n'),
    ('/etc/sysctl.d/60-multinic-other.conf', ''),                                   # covered, not there
    ('/etc/netplan/60-multinic-source-routing.yaml', ''),
    ('/etc/sysctl.d/99-local.conf', None),                                          # not covered
    ('/etc/sysctl.d/sub/60-multinic-x.conf', None),                                 # * does not cross /
    ('/etc/ansible/facts.d/other.fact', None),
])
def test_file_text(path, expected):
    assert file_text(path, FILES) == expected


def test_file_text_hidden_files_as_glob_sees_them():
    assert file_text('/etc/sysctl.d/.60-multinic-x', {'/etc/sysctl.d/*': {}}) is None
    assert file_text('/etc/sysctl.d/.60-multinic-x', {'/etc/sysctl.d/.*': {}}) == ''


@pytest.mark.parametrize('path, files, needle', [
    ('etc/x', FILES, "'etc/x' is not an absolute path"),
    ('/etc/x', ['/etc/x'], 'files must be ansible_facts.multinic_routing.files'),
])
def test_file_text_refuses(path, files, needle):
    with pytest.raises(AnsibleFilterError) as err:
        file_text(path, files)
    assert needle in str(err.value)
