# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.netns against the real kernel.

Every namespace a test makes is named mnt-<random> and deleted in ``finally``; every process a
test starts in one is killed in ``finally``. What the module did is read back with
`ip netns list`, `ip -n NAME -j link`, `ip netns exec NAME ...` and /proc.
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

from .conftest import MODULE_PKG, _module_env, run_module, sh


@pytest.fixture
def name(netns_factory):
    """A fresh namespace name; whatever a test leaves under it is deleted afterwards."""
    return netns_factory(create=False).name


def listed():
    """Names `ip netns list` shows."""
    out = sh('ip', '-j', 'netns', 'list')
    return [item['name'] for item in json.loads(out)] if out.strip() else []


def test_create_like_ip_netns_add(name):
    check = run_module('netns', dict(name=name), check_mode=True, diff=True)
    assert check['rc'] == 0 and check['changed'] is True and check['differences'] == ['absent'], check
    assert check['diff'] == {'before': {'name': name, 'exists': False},
                             'after': {'name': name, 'exists': True}}
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name), \
        'check mode created the namespace'

    res = run_module('netns', dict(name=name), diff=True)
    assert res['rc'] == 0 and res['changed'] is True and res['differences'] == ['absent'], res
    assert res['name'] == name and res['exists'] is True and res['path'] == '/run/netns/%s' % name
    assert res['diff'] == check['diff']
    assert name in listed()
    # loopback up, read independently
    links = json.loads(sh('ip', '-n', name, '-j', 'link'))
    assert [link['ifname'] for link in links] == ['lo']
    assert 'UP' in links[0]['flags']
    # usable with `ip netns exec`: a process there sees only lo, and lo carries traffic
    code = ('import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); '
            'c = socket.create_connection(s.getsockname(), timeout=5); print("ok")')
    out = sh('ip', 'netns', 'exec', name, sys.executable, '-c', code)
    assert out.strip() == 'ok'
    names = json.loads(sh('ip', 'netns', 'exec', name, 'ip', '-j', 'link'))
    assert [link['ifname'] for link in names] == ['lo']

    again = run_module('netns', dict(name=name), check_mode=True, diff=True)
    assert again['rc'] == 0 and again['changed'] is False, again
    again = run_module('netns', dict(name=name), diff=True)
    assert again['rc'] == 0 and again['changed'] is False and again['exists'] is True, again
    assert again['differences'] == []
    assert again['diff']['before'] == again['diff']['after'] == {'name': name, 'exists': True}


def test_delete_like_ip_netns_del(name):
    sh('ip', 'netns', 'add', name)
    check = run_module('netns', dict(name=name, state='absent'), check_mode=True, diff=True)
    assert check['rc'] == 0 and check['changed'] is True and check['exists'] is False, check
    assert check['differences'] == ['present']
    assert check['diff'] == {'before': {'name': name, 'exists': True},
                             'after': {'name': name, 'exists': False}}
    assert name in listed(), 'check mode deleted the namespace'

    assert (check['pids'], check['moved_back'], check['destroyed']) == ([], [], [])

    res = run_module('netns', dict(name=name, state='absent'), diff=True)
    assert res['rc'] == 0 and res['changed'] is True and res['exists'] is False, res
    assert res['differences'] == ['present']
    assert (res['pids'], res['moved_back'], res['destroyed']) == ([], [], [])
    assert 'warnings' not in res, res
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name)
    proc = subprocess.run(['ip', '-n', name, 'link'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    assert proc.returncode != 0

    again = run_module('netns', dict(name=name, state='absent'), diff=True)
    assert again['rc'] == 0 and again['changed'] is False and again['differences'] == [], again
    assert again['diff']['before'] == again['diff']['after'] == {'name': name, 'exists': False}
    assert (again['pids'], again['moved_back'], again['destroyed']) == ([], [], [])


def test_namespace_made_elsewhere_is_left_alone(name):
    """`ip netns add` leaves lo down; present does not touch an existing namespace."""
    sh('ip', 'netns', 'add', name)
    res = run_module('netns', dict(name=name))
    assert res['rc'] == 0 and res['changed'] is False, res
    lo = json.loads(sh('ip', '-n', name, '-j', 'link', 'show', 'lo'))[0]
    assert 'UP' not in lo['flags']


def links_of(space):
    """Interface names in a namespace, read with `ip -j link`."""
    return [link['ifname'] for link in json.loads(sh('ip', '-n', space, '-j', 'link'))]


def wait_gone(space, ifname):
    """The kernel tears a namespace down asynchronously: wait until ``ifname`` left ``space``."""
    for _attempt in range(50):
        if ifname not in links_of(space):
            return
        time.sleep(0.1)
    raise AssertionError('%s still in %s' % (ifname, space))


@pytest.fixture
def sleeper():
    """start(namespace) runs `sleep 300` in it (`ip netns exec`) and returns its pid; every
    process started is killed afterwards."""
    procs = []

    def start(space):
        proc = subprocess.Popen(['ip', 'netns', 'exec', space, 'sleep', '300'])
        procs.append(proc)
        for _attempt in range(50):   # `ip` execs sleep in the same pid once inside
            with open('/proc/%d/comm' % proc.pid) as handle:
                if handle.read().strip() == 'sleep':
                    return proc.pid
            time.sleep(0.1)
        raise AssertionError('sleep did not start in %s' % space)

    try:
        yield start
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_delete_refuses_a_namespace_with_a_process_inside(name, sleeper):
    sh('ip', 'netns', 'add', name)
    pid = sleeper(name)
    ns_inode = os.stat('/run/netns/%s' % name).st_ino
    for check_mode in (True, False):
        res = run_module('netns', dict(name=name, state='absent'), check_mode=check_mode, diff=True)
        assert res['rc'] == 1 and res['failed'], res
        assert "namespace %r is in use, so it was not deleted" % name in res['msg'], res['msg']
        assert 'processes still run in it: %d (sleep)' % pid in res['msg'], res['msg']
        assert 'force=true' in res['msg'] and 'interfaces' not in res['msg'].split('.')[0], res['msg']
        assert name in listed() and os.stat('/run/netns/%s' % name).st_ino == ns_inode

    args = dict(name=name, state='absent', force=True)
    check = run_module('netns', args, check_mode=True, diff=True)
    assert check['rc'] == 0 and check['changed'] is True and check['exists'] is False, check
    assert check['pids'] == [pid] and check['moved_back'] == [] and check['destroyed'] == []
    assert check['diff'] == {'before': {'name': name, 'exists': True},
                             'after': {'name': name, 'exists': False}}
    assert 'would be deleted while processes still run in it: %d (sleep)' % pid in json.dumps(check['warnings'])
    assert name in listed(), 'check mode deleted the namespace'

    res = run_module('netns', args, diff=True)
    assert res['rc'] == 0 and res['changed'] is True and res['exists'] is False, res
    assert res['pids'] == [pid] and res['diff'] == check['diff']
    assert 'was deleted while processes still run in it: %d (sleep)' % pid in json.dumps(res['warnings'])
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name)
    # like `ip netns del`: the process keeps running, in the namespace that has no name now
    assert os.stat('/proc/%d/ns/net' % pid).st_ino == ns_inode

    again = run_module('netns', args)
    assert again['rc'] == 0 and again['changed'] is False and again['pids'] == [], again


def test_delete_refuses_a_namespace_with_interfaces_inside(name):
    """A veth with one end inside: refused naming it; forced, both ends are destroyed."""
    peer_space = 'mnt-%s' % uuid.uuid4().hex[:10]
    sh('ip', 'netns', 'add', peer_space)
    try:
        assert run_module('netns', dict(name=name))['changed'] is True
        sh('ip', '-n', name, 'link', 'add', 'inner0', 'type', 'veth', 'peer', 'name', 'outer0',
           'netns', peer_space)
        assert 'outer0' in links_of(peer_space)
        for check_mode in (True, False):
            res = run_module('netns', dict(name=name, state='absent'), check_mode=check_mode)
            assert res['rc'] == 1 and res['failed'], res
            assert 'interfaces other than lo are in it: inner0 (veth, virtual)' in res['msg'], res['msg']
            assert 'processes' not in res['msg'].split('. ')[0], res['msg']
            assert name in listed() and links_of(name) == ['lo', 'inner0']

        args = dict(name=name, state='absent', force=True)
        check = run_module('netns', args, check_mode=True)
        assert check['rc'] == 0 and check['changed'] is True, check
        assert (check['pids'], check['moved_back'], check['destroyed']) == ([], [], ['inner0'])
        assert 'warnings' not in check, check
        assert name in listed() and links_of(name) == ['lo', 'inner0'], 'check mode changed something'

        res = run_module('netns', args)
        assert res['rc'] == 0 and res['changed'] is True and res['exists'] is False, res
        assert (res['pids'], res['moved_back'], res['destroyed']) == ([], [], ['inner0'])
        assert name not in listed()
        wait_gone(peer_space, 'outer0')   # documented: a veth pair inside loses both ends

        again = run_module('netns', args)
        assert again['rc'] == 0 and again['changed'] is False, again
    finally:
        sh('ip', 'netns', 'del', peer_space, check=False)


# Runs the module with veth counted as physical, so the move-back path runs on this kernel
# (it has no physical NIC to give a namespace); the rest is the real module.
AS_PHYSICAL = (
    'import runpy\n'
    'from ansible_collections.multinic.routing.plugins.module_utils import _netns\n'
    '_netns.VIRTUAL_KINDS = _netns.VIRTUAL_KINDS - {"veth"}\n'
    'runpy.run_module("%s.netns", run_name="__main__")\n' % MODULE_PKG)


def run_as_physical(home, args, check_mode=False):
    """The module, run inside namespace ``home`` (its "host"), veth treated as physical."""
    payload = dict(args, _ansible_check_mode=check_mode)
    proc = subprocess.run(['ip', 'netns', 'exec', home, sys.executable, '-c', AS_PHYSICAL],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': payload}), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=_module_env(), check=False)
    result = json.loads(proc.stdout)
    result['rc'] = proc.returncode
    return result


def test_force_moves_physical_interfaces_back_first(name, sleeper):
    """A non-virtual interface goes back to the module's namespace before the name goes, even
    while a process keeps the namespace alive; a name clash changes nothing."""
    home = 'mnt-%s' % uuid.uuid4().hex[:10]
    sh('ip', 'netns', 'add', home)
    try:
        sh('ip', 'netns', 'add', name)
        sh('ip', '-n', name, 'link', 'add', 'nic0', 'type', 'veth', 'peer', 'name', 'nic1')
        sh('ip', '-n', name, 'addr', 'add', '192.0.2.1/24', 'dev', 'nic0')
        pid = sleeper(name)
        res = run_as_physical(home, dict(name=name, state='absent'))
        assert res['rc'] == 1 and 'nic0 (veth, physical)' in res['msg'] and 'nic1 (veth, physical)' in res['msg'], res

        # a clash: home has a nic1 already -> nothing moved, nothing deleted
        sh('ip', '-n', home, 'link', 'add', 'nic1', 'type', 'veth', 'peer', 'name', 'other1')
        for check_mode in (True, False):
            res = run_as_physical(home, dict(name=name, state='absent', force=True), check_mode)
            assert res['rc'] == 1 and 'nic1' in res['msg'] and 'cannot be moved back' in res['msg'], res
            assert sorted(links_of(name)) == ['lo', 'nic0', 'nic1']
            assert name in listed()
        sh('ip', '-n', home, 'link', 'del', 'nic1')

        check = run_as_physical(home, dict(name=name, state='absent', force=True), check_mode=True)
        assert check['rc'] == 0 and check['changed'] is True, check
        assert sorted(check['moved_back']) == ['nic0', 'nic1'] and check['destroyed'] == []
        assert check['pids'] == [pid]
        assert name in listed() and sorted(links_of(name)) == ['lo', 'nic0', 'nic1']

        res = run_as_physical(home, dict(name=name, state='absent', force=True))
        assert res['rc'] == 0 and res['changed'] is True and res['exists'] is False, res
        assert sorted(res['moved_back']) == ['nic0', 'nic1'] and res['pids'] == [pid]
        assert name not in listed()
        back = json.loads(sh('ip', '-n', home, '-j', 'addr', 'show', 'nic0'))[0]
        assert [a['local'] for a in back['addr_info'] if a['family'] == 'inet'] == ['192.0.2.1']
        assert 'nic1' in links_of(home)
        # the process still holds the unnamed namespace, and it is empty now
        code = 'import socket; print(sorted(n for _i, n in socket.if_nameindex()))'
        out = sh('nsenter', '--net=/proc/%d/ns/net' % pid, sys.executable, '-c', code)
        assert out.strip() == "['lo']"
    finally:
        sh('ip', 'netns', 'del', home, check=False)


def test_namespace_works_with_the_other_modules(name):
    """Created here, then used through the netns option of multinic.routing.link."""
    assert run_module('netns', dict(name=name))['changed'] is True
    res = run_module('link', dict(name='lo', netns=name, state='up'))
    assert res['rc'] == 0 and res['changed'] is False, res


@pytest.mark.parametrize('bad', ['', 'a/b', '..', '.', 'x' * 256, '../mnt-escape'])
def test_bad_names_fail_naming_the_option_and_create_nothing(bad):
    for state in ('present', 'absent'):
        for check_mode in (True, False):
            res = run_module('netns', dict(name=bad, state=state), check_mode=check_mode)
            assert res['rc'] == 1 and res['failed'], res
            assert res['msg'].startswith('name=%r' % bad), res['msg']
    assert not os.path.exists('/run/netns/a'), 'a bad name created something'
    assert not os.path.exists('/run/mnt-escape'), 'a bad name created something'


def test_stale_name_without_namespace_is_deleted(name):
    """A name whose bind mount is gone (a plain file) is still listed; absent removes it."""
    sh('ip', 'netns', 'add', name)
    sh('umount', '/run/netns/%s' % name)
    assert name in listed()
    res = run_module('netns', dict(name=name, state='absent'))
    assert res['rc'] == 0 and res['changed'] is True, res
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name)
