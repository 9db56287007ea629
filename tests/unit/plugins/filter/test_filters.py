# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's filters (ip_network, first_host) and test (ip_prefix).

Called directly and through Ansible's own templating engine by their FQCN, the way roles use
them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import subprocess
import sys

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.first_host import first_host
from ansible_collections.multinic.routing.plugins.filter.ip_network import ip_network
from ansible_collections.multinic.routing.plugins.filter.netplan_definition import netplan_definition
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


CLOUD_INIT = u'''network:
  version: 2
  ethernets:
    ens3:
      dhcp4: true
      match: {macaddress: "02:00:00:00:00:01"}
      set-name: ens3
    ens4:
      dhcp4: true
      match: {macaddress: "02:00:00:00:00:02"}
      set-name: ens4
'''


@pytest.mark.parametrize('documents, interface, expected', [
    # cloud-init style: match by MAC, set-name
    ([CLOUD_INIT], 'ens4', {'section': 'ethernets', 'id': 'ens4'}),
    # base64 as slurp returns it, after an empty file and an unrelated one
    ([u'', {'network': {'version': 2, 'ethernets': {'eth0': {'dhcp4': True}}}},
      base64.b64encode(CLOUD_INIT.encode()).decode()], 'ens3', {'section': 'ethernets', 'id': 'ens3'}),
    # ID is only a label when there is a match: renamed to data0, not ens4
    ([{'network': {'ethernets': {'ens4': {'match': {'macaddress': 'x'}, 'set-name': 'data0'}}}}],
     'ens4', {}),
    ([{'network': {'ethernets': {'ens4': {'match': {'macaddress': 'x'}, 'set-name': 'data0'}}}}],
     'data0', {'section': 'ethernets', 'id': 'ens4'}),
    # exact match.name without set-name
    ([{'network': {'ethernets': {'nic1': {'match': {'name': 'ens4'}, 'dhcp4': True}}}}],
     'ens4', {'section': 'ethernets', 'id': 'nic1'}),
    # a glob or a MAC-only match does not count
    ([{'network': {'ethernets': {'all': {'match': {'name': 'ens*'}, 'dhcp4': True}}}}], 'ens4', {}),
    ([{'network': {'ethernets': {'nic1': {'match': {'macaddress': 'x'}}}}}], 'ens4', {}),
    # other sections
    ([{'network': {'version': 2, 'bonds': {'bond0': {'interfaces': ['ens4']}}}}],
     'bond0', {'section': 'bonds', 'id': 'bond0'}),
    # nothing at all
    ([], 'ens4', {}),
    ([None, {'network': None}], 'ens4', {}),
])
def test_netplan_definition(documents, interface, expected):
    assert netplan_definition(documents, interface) == expected


@pytest.mark.parametrize('documents, interface, needle', [
    ('not a list', 'ens4', 'expects a list'),
    ([CLOUD_INIT], '', "interface=''"),
    ([u'network: [unclosed'], 'ens4', 'item 0 is not valid YAML'),
    ([u'- network'], 'ens4', 'item 0 is not a YAML mapping'),
    ([42], 'ens4', 'item 0 is a int'),
])
def test_netplan_definition_refuses(documents, interface, needle):
    with pytest.raises(AnsibleFilterError) as err:
        netplan_definition(documents, interface)
    assert needle in str(err.value)
