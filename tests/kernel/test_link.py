# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.link against the real kernel.

veth ends are moved between the ``ns`` fixture's namespace and a second, empty throwaway
namespace (``other``); one test moves a link through the real host namespace and back.
Everything is read back independently with ``ip -j``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from .conftest import check_run_rerun, new_netns_name, run_module, sh


@pytest.fixture
def other(netns_factory):
    """A second, empty namespace (loopback down, as `ip netns add` leaves it)."""
    return netns_factory(veth=False).name


def state(netns, dev):
    """The link as `ip -j addr show` sees it, or None when it is not in that namespace."""
    prefix = ['ip', '-n', netns] if netns else ['ip']
    proc = subprocess.run(prefix + ['-j', 'addr', 'show', 'dev', dev], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if proc.returncode != 0:
        assert 'does not exist' in proc.stderr, proc.stderr
        return None
    data = json.loads(proc.stdout)
    if not data:
        return None
    link = data[0]
    infos = link.get('addr_info', [])
    return {
        'up': 'UP' in link['flags'],
        'mtu': link['mtu'],
        'addresses': sorted('%s/%d' % (a['local'], a['prefixlen']) for a in infos
                            if not (a['family'] == 'inet6' and a['scope'] == 'link')),
        'link_local': [a['local'] for a in infos if a['family'] == 'inet6' and a['scope'] == 'link'],
        'tentative': [a['local'] for a in infos if a.get('tentative')
                      and a['scope'] != 'link'],
        'secondary': sorted(a['local'] for a in infos if a.get('secondary')),
        'broadcast': dict((a['local'], a.get('broadcast')) for a in infos if a['family'] == 'inet'),
    }


def link_local(netns, dev, timeout=5.0):
    """The link's IPv6 link-local addresses, waiting for the kernel to make one (it does when
    it handles the carrier event, which may come a moment after the link went up)."""
    deadline = time.time() + timeout
    while True:
        found = state(netns, dev)['link_local']
        if found or time.time() > deadline:
            return found
        time.sleep(0.1)


def everything(*spaces):
    """Every link of the given namespaces with its admin state, MTU and addresses, to prove a
    run wrote nothing (leaving out what the kernel changes by itself: carrier, DAD flags, and
    IPv6 link-local addresses, which appear when the carrier event of a fresh veth is handled,
    up to a second after it came up)."""
    result = []
    for space in spaces:
        links = json.loads(sh(*(['ip', '-n', space] if space else ['ip']) + ['-j', 'addr', 'show']))
        result.append(sorted(
            (link['ifname'], 'UP' in link['flags'], link['mtu'],
             sorted((a['family'], a['local'], a['prefixlen'], a.get('broadcast') or '')
                    for a in link.get('addr_info', [])
                    if not (a['family'] == 'inet6' and a['scope'] == 'link')))
            for link in links))
    return result


def apply(args, spaces, expect_changed=True, exact_prediction=True):
    """Check mode (must write nothing), the real run, then again (must be unchanged)."""
    check, first, second = check_run_rerun(
        lambda check_mode: run_module('link', args, check_mode=check_mode, diff=True),
        lambda: everything(*spaces), same=('changed', 'link') if exact_prediction else ('changed',))
    assert first['changed'] is expect_changed, first
    assert second['link'] == first['link']
    return first


def can_bind(netns, address):
    """Whether a process in the namespace can bind the address right now (not tentative)."""
    family = 'AF_INET6' if ':' in address else 'AF_INET'
    code = 'import socket; s = socket.socket(socket.%s); s.bind((%r, 0))' % (family, address)
    proc = subprocess.run(['ip', 'netns', 'exec', netns, sys.executable, '-c', code],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    return proc.returncode == 0


# --------------------------------------------------------------------------- moves

def test_move_keeps_addresses_mtu_and_up_state(ns, other):
    ns.run('link', 'set', 'veth0', 'mtu', '1400')
    ns.run('addr', 'add', '10.0.0.5/24', 'dev', 'veth0')  # a secondary
    was = state(ns.name, 'veth0')
    assert was['up'] and was['mtu'] == 1400 and was['secondary'] == ['10.0.0.5']
    assert was['addresses'] == ['10.0.0.1/24', '10.0.0.5/24', '2001:db8::1/64']

    res = apply(dict(name='veth0', netns=other, source_netns=ns.name), [ns.name, other])
    assert res['differences'] == ['netns']
    assert res['diff']['before']['netns'] == ns.name and res['diff']['after']['netns'] == other
    assert res['diff']['before']['addresses'] == res['diff']['after']['addresses'] == was['addresses']

    assert state(ns.name, 'veth0') is None
    now = state(other, 'veth0')
    assert now['up'] and now['mtu'] == 1400
    assert now['addresses'] == was['addresses']
    assert now['secondary'] == ['10.0.0.5'], 'the IPv4 primary must stay primary'
    assert now['broadcast'] == was['broadcast'], 'broadcast addresses must be carried as they were'
    assert now['tentative'] == []
    # usable at once: no DAD wait, the IPv4 and IPv6 addresses can be bound immediately
    assert can_bind(other, '2001:db8::1') and can_bind(other, '10.0.0.1')
    # the peer stayed where it was, so the pair still has carrier across namespaces
    assert state(ns.name, 'peer0')['up']
    assert res['link'] == {'name': 'veth0', 'netns': other, 'state': 'up', 'mtu': 1400,
                           'addresses': was['addresses']}


def test_round_trip_comes_back_unchanged(ns, other):
    was = state(ns.name, 'veth1')
    apply(dict(name='veth1', netns=other, source_netns=ns.name), [ns.name, other])
    assert state(ns.name, 'veth1') is None and state(other, 'veth1')['addresses'] == was['addresses']
    res = apply(dict(name='veth1', netns=ns.name, source_netns=other), [ns.name, other])
    assert res['diff']['before']['netns'] == other and res['diff']['after']['netns'] == ns.name
    assert state(other, 'veth1') is None
    back = state(ns.name, 'veth1')
    assert back['up'] == was['up'] and back['mtu'] == was['mtu']
    assert back['addresses'] == was['addresses']


def test_move_of_a_down_link_keeps_it_down_with_its_addresses(ns, other):
    ns.run('link', 'set', 'veth1', 'down')
    was = state(ns.name, 'veth1')
    assert not was['up'] and '10.0.1.1/24' in was['addresses']
    apply(dict(name='veth1', netns=other, source_netns=ns.name), [ns.name, other])
    now = state(other, 'veth1')
    assert not now['up']
    # IPv6 addresses too, although the kernel drops them when a link goes down
    assert now['addresses'] == was['addresses']


def test_move_with_explicit_addresses_and_state(ns, other):
    args = dict(name='veth0', netns=other, source_netns=ns.name, state='up', mtu=9000,
                addresses=['10.9.0.4/24', '2001:db8:9::4/64', '10.9.0.5/24'])
    res = apply(args, [ns.name, other])
    assert set(res['differences']) == {'netns', 'mtu', 'addresses'}
    now = state(other, 'veth0')
    assert now['up'] and now['mtu'] == 9000
    assert now['addresses'] == ['10.9.0.4/24', '10.9.0.5/24', '2001:db8:9::4/64']
    assert now['broadcast'] == {'10.9.0.4': '10.9.0.255', '10.9.0.5': '10.9.0.255'}
    assert now['secondary'] == ['10.9.0.5'], 'addresses are added in the order given'
    assert link_local(other, 'veth0'), 'the kernel makes its link-local address once the link is up'
    assert res['link']['addresses'] == ['10.9.0.4/24', '10.9.0.5/24', '2001:db8:9::4/64']
    assert can_bind(other, '2001:db8:9::4')


def test_already_in_place_is_unchanged_whatever_source_netns_says(ns, other):
    """The undo case: the link is back home and its old namespace is gone."""
    res = apply(dict(name='veth0', netns=ns.name, source_netns='mnt-gone-%s' % uuid.uuid4().hex[:6]),
                [ns.name], expect_changed=False)
    assert res['link']['netns'] == ns.name
    assert res['diff']['before'] == res['diff']['after']


def test_move_to_the_namespace_the_module_runs_in(ns, other):
    """netns unset = the module's own namespace (here `ip netns exec OTHER` gives it one)."""
    args = dict(name='veth0', source_netns=ns.name)
    wrap = ['ip', 'netns', 'exec', other]
    before = everything(ns.name, other)
    check = run_module('link', args, check_mode=True, wrap=wrap)
    assert check['rc'] == 0 and check['changed'] is True, check
    assert check['link']['netns'] is None
    assert everything(ns.name, other) == before
    res = run_module('link', args, diff=True, wrap=wrap)
    assert res['rc'] == 0 and res['changed'] is True, res
    assert res['diff']['before']['netns'] == ns.name and res['diff']['after']['netns'] is None
    assert state(ns.name, 'veth0') is None
    assert state(other, 'veth0')['addresses'] == ['10.0.0.1/24', '2001:db8::1/64']
    again = run_module('link', args, wrap=wrap)
    assert again['rc'] == 0 and again['changed'] is False, again


def test_networkd_handover_carries_the_addresses_where_networkd_does_not_run(ns, other):
    """networkd_handover: systemd-networkd does not run in the namespace the module runs in
    (whatever runs in the machine's own), so the addresses are carried as without it."""
    args = dict(name='veth0', source_netns=ns.name, networkd_handover=True)
    wrap = ['ip', 'netns', 'exec', other]
    was = state(ns.name, 'veth0')
    before = everything(ns.name, other)
    check = run_module('link', args, check_mode=True, wrap=wrap)
    assert check['rc'] == 0 and check['changed'] is True and 'networkd' not in check, check
    assert everything(ns.name, other) == before
    res = run_module('link', args, wrap=wrap)
    assert res['rc'] == 0 and res['changed'] is True and 'networkd' not in res, res
    assert state(ns.name, 'veth0') is None
    now = state(other, 'veth0')
    assert now['addresses'] == was['addresses'] and now['up'] and now['broadcast'] == was['broadcast']
    again = run_module('link', args, wrap=wrap)
    assert again['rc'] == 0 and again['changed'] is False, again


def test_move_through_the_host_namespace_and_back(ns):
    """netns unset from the test runner = the real host namespace; the link goes back after."""
    dev = 'mnh%s' % uuid.uuid4().hex[:8]
    ns.run('link', 'add', dev, 'type', 'veth', 'peer', 'name', 'peerh')
    ns.run('addr', 'add', '198.51.100.77/32', 'dev', dev)
    ns.run('-6', 'addr', 'add', '2001:db8:77::7/128', 'dev', dev, 'nodad')
    assert state(None, dev) is None
    try:
        res = run_module('link', dict(name=dev, source_netns=ns.name), diff=True)
        assert res['rc'] == 0 and res['changed'] is True, res
        host = state(None, dev)
        assert host is not None and not host['up'], 'down before, down after'
        assert host['addresses'] == ['198.51.100.77/32', '2001:db8:77::7/128']
        assert state(ns.name, dev) is None
        again = run_module('link', dict(name=dev, source_netns=ns.name))
        assert again['rc'] == 0 and again['changed'] is False, again
        back = run_module('link', dict(name=dev, netns=ns.name))
        assert back['rc'] == 0 and back['changed'] is True, back
        assert state(None, dev) is None
        assert state(ns.name, dev)['addresses'] == ['198.51.100.77/32', '2001:db8:77::7/128']
    finally:
        sh('ip', 'link', 'del', dev, check=False)


# --------------------------------------------------------------------------- in place

def test_mtu_and_admin_state_in_place(ns):
    res = apply(dict(name='veth0', netns=ns.name, mtu=9000, state='down'), [ns.name])
    assert set(res['differences']) == {'mtu', 'state'}
    assert res['diff']['before']['state'] == 'up' and res['diff']['after']['state'] == 'down'
    now = state(ns.name, 'veth0')
    assert not now['up'] and now['mtu'] == 9000
    res = apply(dict(name='veth0', netns=ns.name, state='up'), [ns.name])
    assert res['differences'] == ['state']
    assert state(ns.name, 'veth0')['up'] and state(ns.name, 'veth0')['mtu'] == 9000


def test_state_present_leaves_admin_state_alone(ns):
    ns.run('link', 'set', 'veth1', 'down')
    apply(dict(name='veth1', netns=ns.name, mtu=1500), [ns.name], expect_changed=False)
    apply(dict(name='veth1', netns=ns.name, mtu=1450), [ns.name])
    assert not state(ns.name, 'veth1')['up']


def test_addresses_exactly_these_in_place(ns):
    lla = link_local(ns.name, 'veth0')
    ns.run('addr', 'add', '10.0.0.5/24', 'dev', 'veth0')
    # a changed prefix length is a different address; the primary goes, so does its secondary
    res = apply(dict(name='veth0', netns=ns.name, addresses=['10.0.0.5/16', '2001:db8::1/64']),
                [ns.name])
    assert res['differences'] == ['addresses']
    assert res['diff']['before']['addresses'] == ['10.0.0.1/24', '10.0.0.5/24', '2001:db8::1/64']
    assert res['diff']['after']['addresses'] == ['10.0.0.5/16', '2001:db8::1/64']
    now = state(ns.name, 'veth0')
    assert now['addresses'] == ['10.0.0.5/16', '2001:db8::1/64']
    assert lla and now['link_local'] == lla, 'IPv6 link-local addresses are left alone'


def test_empty_addresses_removes_all_but_link_local(ns):
    lla = link_local(ns.name, 'veth1')
    assert lla
    apply(dict(name='veth1', netns=ns.name, addresses=[]), [ns.name])
    now = state(ns.name, 'veth1')
    assert now['addresses'] == [] and now['link_local'] == lla and now['up']


def test_state_down_with_ipv6_addresses_keeps_them(ns):
    """Taking a link down drops its IPv6 addresses; the module lowers it first."""
    res = apply(dict(name='veth0', netns=ns.name, state='down',
                     addresses=['10.0.0.1/24', '2001:db8::1/64']), [ns.name])
    assert res['differences'] == ['state']
    now = state(ns.name, 'veth0')
    assert not now['up'] and now['addresses'] == ['10.0.0.1/24', '2001:db8::1/64']


def test_loopback_of_a_new_namespace(other):
    assert not state(other, 'lo')['up']
    # the kernel gives lo its addresses when it comes up: check mode cannot foresee that
    apply(dict(name='lo', netns=other, state='up'), [other], exact_prediction=False)
    assert state(other, 'lo')['up']
    assert state(other, 'lo')['addresses'] == ['127.0.0.1/8', '::1/128']


# --------------------------------------------------------------------------- errors

def test_link_in_neither_place_names_it_and_both_namespaces(ns, other):
    before = everything(ns.name, other)
    res = run_module('link', dict(name='nope0', netns=other, source_netns=ns.name))
    assert res['rc'] == 1 and res['failed'], res
    assert 'nope0' in res['msg'] and ns.name in res['msg'] and other in res['msg']
    assert everything(ns.name, other) == before


def test_link_missing_in_host_and_target(other):
    res = run_module('link', dict(name='mnnope%s' % uuid.uuid4().hex[:6], netns=other))
    assert res['rc'] == 1 and "host's namespace" in res['msg'] and other in res['msg'], res


def test_missing_target_namespace_is_never_created(ns):
    missing = new_netns_name()
    for check_mode in (True, False):
        res = run_module('link', dict(name='veth0', netns=missing, source_netns=ns.name),
                         check_mode=check_mode)
        assert res['rc'] == 1, res
        assert "netns=%r" % missing in res['msg'] and 'no such network namespace' in res['msg']
        assert not os.path.exists('/run/netns/%s' % missing)
        assert missing not in [n['name'] for n in json.loads(sh('ip', '-j', 'netns', 'list') or '[]')]
    assert state(ns.name, 'veth0')['addresses'] == ['10.0.0.1/24', '2001:db8::1/64']


def test_missing_source_namespace_is_never_created(ns):
    missing = new_netns_name()
    res = run_module('link', dict(name='veth9', netns=ns.name, source_netns=missing))
    assert res['rc'] == 1, res
    assert "source_netns=%r" % missing in res['msg'] and 'veth9' in res['msg']
    assert not os.path.exists('/run/netns/%s' % missing)


def test_kernel_refusal_is_a_message(ns, other):
    """A bridge is netns-local: the kernel refuses the move, the module says so, nothing moves."""
    ns.run('link', 'add', 'br0', 'type', 'bridge')
    before = everything(ns.name, other)
    res = run_module('link', dict(name='br0', netns=other, source_netns=ns.name))
    assert res['rc'] == 1, res
    assert 'moving link br0' in res['msg'] and 'EINVAL' in res['msg'], res
    assert everything(ns.name, other) == before


def test_failure_after_a_move_names_what_was_lost(ns, other):
    """IPv6 disabled in the target: the move happens, re-adding the IPv6 address fails, and the
    message says which addresses the link had (a rerun would no longer see them)."""
    sh('ip', 'netns', 'exec', other, 'sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1')
    res = run_module('link', dict(name='veth0', netns=other, source_netns=ns.name))
    assert res['rc'] == 1, res
    assert 'adding address 2001:db8::1/64' in res['msg'], res['msg']
    assert 'moved from namespace %r to namespace %r' % (ns.name, other) in res['msg']
    assert 'admin state up and addresses 10.0.0.1/24, 2001:db8::1/64' in res['msg']
    assert 'Traceback' not in res['msg']
    # what the message says is enough to finish the job
    res = run_module('link', dict(name='veth0', netns=other, state='up', addresses=['10.0.0.1/24']))
    assert res['rc'] == 0 and res['changed'] is True, res
    assert state(other, 'veth0')['addresses'] == ['10.0.0.1/24'] and state(other, 'veth0')['up']


def test_validation_fails_before_anything_is_read_or_written(ns, other):
    before = everything(ns.name, other)
    res = run_module('link', dict(name='veth0', netns=other, source_netns=ns.name,
                                  addresses=['10.0.0.300/24']))
    assert res['rc'] == 1 and "addresses[0]='10.0.0.300/24'" in res['msg'], res
    res = run_module('link', dict(name='veth0', netns=other, source_netns=ns.name, mtu=67))
    assert res['rc'] == 1 and 'mtu=67' in res['msg'], res
    res = run_module('link', dict(name='veth0', netns=other, source_netns=ns.name, networkd_handover=True))
    assert res['rc'] == 1 and "networkd_handover=true" in res['msg'] and "netns='%s'" % other in res['msg'], res
    res = run_module('link', dict(name='veth0', source_netns=ns.name, networkd_handover=True, addresses=[]))
    assert res['rc'] == 1 and 'networkd_handover=true' in res['msg'] and 'addresses cannot' in res['msg'], res
    assert everything(ns.name, other) == before
