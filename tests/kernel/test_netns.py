# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.netns against the real kernel.

Every namespace a test makes is named mnt-<random> and deleted in ``finally``. What the module
did is read back with `ip netns list`, `ip -n NAME -j link` and `ip netns exec NAME ...`.
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

from .conftest import run_module, sh


@pytest.fixture
def name():
    """A fresh namespace name; whatever a test leaves under it is deleted afterwards."""
    value = 'mnt-%s' % uuid.uuid4().hex[:10]
    try:
        yield value
    finally:
        sh('ip', 'netns', 'del', value, check=False)


def listed():
    """Names `ip netns list` shows."""
    out = sh('ip', '-j', 'netns', 'list')
    return [item['name'] for item in json.loads(out)] if out.strip() else []


def test_create_like_ip_netns_add(name):
    check = run_module('netns', dict(name=name), check_mode=True, diff=True)
    assert check['rc'] == 0 and check['changed'] is True, check
    assert check['diff'] == {'before': {'name': name, 'exists': False},
                             'after': {'name': name, 'exists': True}}
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name), \
        'check mode created the namespace'

    res = run_module('netns', dict(name=name), diff=True)
    assert res['rc'] == 0 and res['changed'] is True, res
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
    assert again['diff']['before'] == again['diff']['after'] == {'name': name, 'exists': True}


def test_delete_like_ip_netns_del(name):
    sh('ip', 'netns', 'add', name)
    check = run_module('netns', dict(name=name, state='absent'), check_mode=True, diff=True)
    assert check['rc'] == 0 and check['changed'] is True and check['exists'] is False, check
    assert check['diff'] == {'before': {'name': name, 'exists': True},
                             'after': {'name': name, 'exists': False}}
    assert name in listed(), 'check mode deleted the namespace'

    res = run_module('netns', dict(name=name, state='absent'), diff=True)
    assert res['rc'] == 0 and res['changed'] is True and res['exists'] is False, res
    assert name not in listed() and not os.path.exists('/run/netns/%s' % name)
    proc = subprocess.run(['ip', '-n', name, 'link'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    assert proc.returncode != 0

    again = run_module('netns', dict(name=name, state='absent'), diff=True)
    assert again['rc'] == 0 and again['changed'] is False, again
    assert again['diff']['before'] == again['diff']['after'] == {'name': name, 'exists': False}


def test_namespace_made_elsewhere_is_left_alone(name):
    """`ip netns add` leaves lo down; present does not touch an existing namespace."""
    sh('ip', 'netns', 'add', name)
    res = run_module('netns', dict(name=name))
    assert res['rc'] == 0 and res['changed'] is False, res
    lo = json.loads(sh('ip', '-n', name, '-j', 'link', 'show', 'lo'))[0]
    assert 'UP' not in lo['flags']


def test_delete_destroys_veth_pairs_inside(name):
    """Documented: a veth with one end in the deleted namespace loses both ends."""
    peer_space = 'mnt-%s' % uuid.uuid4().hex[:10]
    sh('ip', 'netns', 'add', peer_space)
    try:
        assert run_module('netns', dict(name=name))['changed'] is True
        sh('ip', '-n', name, 'link', 'add', 'inner0', 'type', 'veth', 'peer', 'name', 'outer0',
           'netns', peer_space)
        assert json.loads(sh('ip', '-n', peer_space, '-j', 'link', 'show', 'outer0'))
        res = run_module('netns', dict(name=name, state='absent'))
        assert res['rc'] == 0 and res['changed'] is True, res
        for _attempt in range(50):  # the kernel tears the namespace down asynchronously
            names = [link['ifname'] for link in json.loads(sh('ip', '-n', peer_space, '-j', 'link'))]
            if 'outer0' not in names:
                break
            time.sleep(0.1)
        assert 'outer0' not in names
    finally:
        sh('ip', 'netns', 'del', peer_space, check=False)


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
