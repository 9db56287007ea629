# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters of the reachability role: nic_address, reachability_row, reachability_matrix,
reachability_violations - called directly, and in a real play with real hostvars."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.nic_address import nic_address
from ansible_collections.multinic.routing.plugins.filter.reachability_matrix import reachability_matrix
from ansible_collections.multinic.routing.plugins.filter.reachability_probes import reachability_probes
from ansible_collections.multinic.routing.plugins.filter.reachability_row import reachability_row
from ansible_collections.multinic.routing.plugins.filter.reachability_violations import reachability_violations

ADDRESSES = [
    {'dev': 'lo', 'family': 4, 'address': '127.0.0.1'},
    {'dev': 'ens4', 'family': 6, 'address': 'fe80::1'},
    {'dev': 'ens4', 'family': 4, 'address': '10.240.64.4'},
    {'dev': 'ens4', 'family': 4, 'address': '10.240.64.5'},
    {'dev': 'ens3', 'family': 4, 'address': '10.240.0.4'},
]
NICS = {'data': 'ens4', 'control': 'ens3'}


@pytest.mark.parametrize('interface, family, expected', [
    ('ens4', 4, '10.240.64.4'), ('ens3', 4, '10.240.0.4'), ('ens4', 6, 'fe80::1'), ('ens5', 4, ''),
])
def test_nic_address_is_the_first_of_the_family_on_the_interface(interface, family, expected):
    assert nic_address(ADDRESSES, interface, family) == expected
    assert nic_address([], interface) == ''


def hostvars(**netns):
    hosts = {}
    for i, host in enumerate(['w1', 'w2', 'w3']):
        hosts[host] = {'__reachability_data_address': '10.240.%d.4' % (64 * (i + 1)),
                       '__reachability_control_address': '10.240.%d.4' % i,
                       '__reachability_data_netns': netns.get(host, '')}
    return hosts


def lookups(*entries):
    """What register gives for one route_lookup call with probes (failed_when false)."""
    return {'changed': False, 'failed': False, 'results': list(entries)}


def test_probes_ask_for_a_reply_from_the_hosts_address_to_each_peers():
    assert reachability_probes(['w2', 'w3'], hostvars(), 'w1', 'data') == [
        {'dst': '10.240.128.4', 'src': '10.240.64.4'}, {'dst': '10.240.192.4', 'src': '10.240.64.4'}]
    assert reachability_probes(['w1'], hostvars(), 'w3', 'control') == [{'dst': '10.240.0.4', 'src': '10.240.2.4'}]
    assert reachability_probes([], hostvars(), 'w3', 'control') == []
    with pytest.raises(AnsibleFilterError, match="unknown kind 'mgmt'"):
        reachability_probes(['w2'], hostvars(), 'w1', 'mgmt')


def test_a_row_says_ok_or_what_is_wrong_per_peer_and_kind():
    pings = ['data w2 reply', 'control w2 reply', 'data w3 none', 'control w3 reply']
    egress = {'data': lookups({'failed': False, 'dev': 'ens4'}, {'failed': False, 'dev': 'ens3'}),
              'control': lookups({'failed': False, 'dev': 'ens3'},
                                 {'failed': True, 'msg': 'route lookup dst=10.240.2.4 failed: no route'})}
    row = reachability_row(['w2', 'w3'], pings, egress, NICS, hostvars(), 'w1')
    assert row == {
        'w2': {'data': {'text': 'ok', 'reply': True, 'via': 'ens4', 'expected': True,
                        'from': '10.240.64.4', 'to': '10.240.128.4'},
               'control': {'text': 'ok', 'reply': True, 'via': 'ens3', 'expected': True,
                           'from': '10.240.0.4', 'to': '10.240.1.4'}},
        'w3': {'data': {'text': 'no reply, via ens3', 'reply': False, 'via': 'ens3', 'expected': False,
                        'from': '10.240.64.4', 'to': '10.240.192.4'},
               'control': {'text': 'no route', 'reply': True, 'via': '', 'expected': False,
                           'from': '10.240.0.4', 'to': '10.240.2.4'}},
    }


def test_a_lookup_call_that_failed_as_a_whole_is_no_route_for_every_peer():
    failed_call = {'changed': False, 'failed': False, 'failed_when_result': False,
                   'msg': "namespace 'data' does not exist"}
    egress = {'data': failed_call, 'control': lookups({'failed': False, 'dev': 'ens3'}, {'failed': False, 'dev': 'ens3'})}
    row = reachability_row(['w2', 'w3'], ['data w2 reply', 'data w3 reply', 'control w2 reply', 'control w3 reply'],
                           egress, NICS, hostvars(), 'w1')
    assert [row[peer]['data']['text'] for peer in ('w2', 'w3')] == ['no route', 'no route']
    assert [row[peer]['control']['text'] for peer in ('w2', 'w3')] == ['ok', 'ok']


def test_a_row_refuses_lookups_that_do_not_match_the_peers():
    egress = {'data': lookups({'failed': False, 'dev': 'ens4'}), 'control': lookups()}
    with pytest.raises(AnsibleFilterError, match='0 control lookups for 1 peers'):
        reachability_row(['w2'], [], egress, NICS, hostvars(), 'w1')


def test_expect_fail_wants_no_data_reply_but_control_working():
    pings = ['data w2 none', 'control w2 reply']
    egress = {'data': lookups({'failed': False, 'dev': 'ens3'}), 'control': lookups({'failed': False, 'dev': 'ens3'})}
    row = reachability_row(['w2'], pings, egress, NICS, hostvars(), 'w1', expect='fail')
    assert row['w2']['data']['expected'] is True and row['w2']['data']['text'] == 'no reply, via ens3'
    assert row['w2']['control']['expected'] is True
    row = reachability_row(['w2'], ['data w2 reply'], egress, NICS, hostvars(), 'w1', expect='fail')
    assert row['w2']['data']['expected'] is False and row['w2']['control']['expected'] is False


def rows(hosts, broken=()):
    """hostvars with a row on every host; ``broken``: (src, dst, kind) cells that failed."""
    for src in hosts:
        hosts[src]['__reachability_row'] = dict(
            (dst, dict((kind, {'text': 'no reply' if (src, dst, kind) in broken else 'ok',
                               'expected': (src, dst, kind) not in broken,
                               'from': hosts[src]['__reachability_%s_address' % kind],
                               'to': hosts[dst]['__reachability_%s_address' % kind]})
                       for kind in ('data', 'control')))
            for dst in hosts if dst != src)
    return hosts


def test_the_matrix_lays_out_every_pair_and_names_hosts_outside_the_namespace():
    hosts = rows(hostvars(w1='data', w2='data'), broken=[('w3', 'w1', 'data')])
    lines = reachability_matrix(['w1', 'w2', 'w3'], hosts, 'netns', NICS, 'data')
    assert lines == [
        'strategy netns, expect pass - rows: from, columns: to; * = not as expected',
        '',
        'DATA - ip netns exec data ping (no namespace data on w3: ping -I <data address> from the host '
        'namespace there); replies must leave via ens4',
        'from \\ to   w1          w2          w3',
        'w1          -           ok          ok',
        'w2          ok          -           ok',
        'w3          no reply *  ok          -',
        'addresses: w1 10.240.64.4 (netns data), w2 10.240.128.4 (netns data), w3 10.240.192.4',
        '',
        'CONTROL - ping; replies must leave via ens3',
        'from \\ to   w1          w2          w3',
        'w1          -           ok          ok',
        'w2          ok          -           ok',
        'w3          ok          ok          -',
        'addresses: w1 10.240.0.4, w2 10.240.1.4, w3 10.240.2.4',
    ]


@pytest.mark.parametrize('strategy, how', [
    ('', 'ping'), ('custom_routes', 'ping'), ('source_routing', 'ping -I <data address>'),
])
def test_the_matrix_says_how_data_was_pinged(strategy, how):
    lines = reachability_matrix(['w1', 'w2'], rows(hostvars()), strategy, NICS, 'data', expect='fail')
    assert lines[0] == ('strategy %s, expect fail (data broken: no reply, control working) - rows: from, '
                        'columns: to; * = not as expected' % strategy)
    assert lines[2] == 'DATA - %s; replies must leave via ens4' % how


def test_the_matrix_refuses_an_unknown_strategy():
    with pytest.raises(AnsibleFilterError, match="unknown strategy 'vrf'"):
        reachability_matrix(['w1', 'w2'], rows(hostvars()), 'vrf', NICS, 'data')


def test_violations_name_each_pair_that_does_not_hold():
    hosts = rows(hostvars(), broken=[('w1', 'w2', 'data'), ('w3', 'w1', 'control')])
    assert reachability_violations(['w1', 'w2', 'w3'], hosts) == [
        'data w1 -> w2 (10.240.64.4 -> 10.240.128.4): no reply',
        'control w3 -> w1 (10.240.2.4 -> 10.240.0.4): no reply',
    ]
    assert reachability_violations(['w1', 'w2', 'w3'], hosts, expect='fail')[0] == \
        'data w1 -> w2 (10.240.64.4 -> 10.240.128.4): replies although the broken state was expected'
    assert reachability_violations(['w1', 'w2', 'w3'], rows(hostvars())) == []


def test_in_a_real_play_with_real_hostvars(tmp_path):
    """The way the role calls them: by FQCN, each host's facts read through hostvars."""
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(u'''
all:
  hosts:
    w1: {ansible_connection: local, ansible_python_interpreter: "%s", n: 1}
    w2: {ansible_connection: local, ansible_python_interpreter: "%s", n: 2}
''' % (sys.executable, sys.executable))
    playbook = tmp_path / 'play.yml'
    playbook.write_text(u'''
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.set_fact:
        __reachability_data_address: "{{ addresses | multinic.routing.nic_address('ens4') }}"
        __reachability_control_address: "{{ addresses | multinic.routing.nic_address('ens3') }}"
        __reachability_data_netns: ""
      vars:
        addresses: [{dev: ens4, family: 4, address: "10.0.{{ n }}.4"}, {dev: ens3, family: 4, address: "10.1.{{ n }}.4"}]
    - ansible.builtin.assert:
        that: >-
          peers | multinic.routing.reachability_probes(hostvars=hostvars, host=inventory_hostname, kind='data')
          == [{'dst': '10.0.' ~ (3 - n) ~ '.4', 'src': '10.0.' ~ n ~ '.4'}]
      vars:
        peers: "{{ ansible_play_hosts | reject('equalto', inventory_hostname) | list }}"
    - ansible.builtin.set_fact:
        __reachability_row: "{{ peers | multinic.routing.reachability_row(
                                pings=['data ' ~ peers[0] ~ ' reply', 'control ' ~ peers[0] ~ ' none'],
                                egress={'data': {'results': [{'failed': false, 'dev': 'ens4'}]},
                                        'control': {'results': [{'failed': false, 'dev': 'ens3'}]}},
                                interfaces={'data': 'ens4', 'control': 'ens3'},
                                hostvars=hostvars, host=inventory_hostname) }}"
      vars:
        peers: "{{ ansible_play_hosts | reject('equalto', inventory_hostname) | list }}"
    - ansible.builtin.debug:
        msg:
          matrix: "{{ ansible_play_hosts | multinic.routing.reachability_matrix(hostvars=hostvars, strategy='custom_routes',
                      interfaces={'data': 'ens4', 'control': 'ens3'}, netns='data') }}"
          violations: "{{ ansible_play_hosts | multinic.routing.reachability_violations(hostvars) }}"
      run_once: true
''')
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=os.environ['MULTINIC_COLLECTIONS_ROOT'],
               ANSIBLE_STDOUT_CALLBACK='json')
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), str(playbook)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    msg = json.loads(proc.stdout)['plays'][0]['tasks'][3]['hosts']['w1']['msg']
    assert msg['violations'] == ['control w1 -> w2 (10.1.1.4 -> 10.1.2.4): no reply',
                                 'control w2 -> w1 (10.1.2.4 -> 10.1.1.4): no reply']
    assert msg['matrix'][3:6] == ['from \\ to   w1          w2',
                                  'w1          -           ok',
                                  'w2          ok          -']
