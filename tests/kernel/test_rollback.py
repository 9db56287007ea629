# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.rollback against the real kernel, in a throwaway namespace.

Each module run goes through ``ip netns exec`` (so its host namespace is the test's) and a
private mount of a per-test directory on /run/multinic-routing (so the snapshot, the library
and the restorer of parallel tests never meet). This machine's PID 1 is not systemd, so the
timer here is the detached waiting process - the same restore the systemd timer runs (the
lab's kill trials, tests/lab/rollback_trials.py, exercise that one). Kernel state is read back
with ``ip -j``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from .conftest import private_run_wrap, run_module, sh

TIMEOUT = 12     # long enough for the change to be made under a loaded CI before it fires


@pytest.fixture
def place(ns, tmp_path):
    """(wrap, run directory, config directory) for module runs in ``ns``."""
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    etc = tmp_path / 'etc'
    etc.mkdir()
    (etc / 'kept.conf').write_text('before\n')
    wrap = private_run_wrap(ns, run_dir)
    ns.wait_ready()
    return wrap, run_dir, etc


def kernel(ns):
    """Routes of every table (without the kernel's own) and rules, both families, via ip -j."""
    found = []
    for fam in ('-4', '-6'):
        found.append(sorted(str(r) for r in ns.ip(fam, 'route', 'show', 'table', 'all')
                            if r.get('protocol') != 'kernel' and r.get('table') != 'local'))
        found.append(sorted(str(r) for r in ns.ip(fam, 'rule', 'show')))
    return found


def arm(wrap, etc, **extra):
    args = dict(name='t', timeout=TIMEOUT, interfaces=['veth0'], tables=['100'], paths=[str(etc) + '/*'])
    args.update(extra)
    return run_module('rollback', args, wrap=wrap)


def change(ns, etc):
    ns.run('route', 'add', '10.9.0.0/24', 'via', '10.0.0.2', 'dev', 'veth0')
    ns.run('route', 'add', '10.8.0.0/24', 'via', '10.0.1.2', 'dev', 'veth1', 'table', '100')
    ns.run('-6', 'route', 'add', '2001:db8:9::/64', 'via', '2001:db8::2', 'dev', 'veth0')
    ns.run('rule', 'add', 'from', '10.0.0.1', 'lookup', '100', 'priority', '1000')
    (etc / 'kept.conf').write_text('after\n')
    (etc / 'new.conf').write_text('new\n')


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_unconfirmed_change_is_restored_after_the_timeout(ns, place):
    wrap, run_dir, etc = place
    ns.run('route', 'add', '10.7.0.0/24', 'via', '10.0.0.2', 'dev', 'veth0')    # was there: must come back
    before = kernel(ns)
    result = arm(wrap, etc)
    assert result['rc'] == 0, result
    assert result['changed'] is False
    assert result['rollback']['armed'] is True and result['rollback']['mechanism'] == 'process'
    assert os.path.exists(str(run_dir / 'rollback' / 't' / 'snapshot.json'))
    change(ns, etc)
    ns.run('route', 'del', '10.7.0.0/24')
    assert kernel(ns) != before
    armed_at = result['rollback']['armed_at']
    assert wait_for(lambda: kernel(ns) == before, TIMEOUT + 20), kernel(ns)
    assert time.time() - armed_at >= TIMEOUT - 0.5
    assert (etc / 'kept.conf').read_text() == 'before\n'
    assert not (etc / 'new.conf').exists()
    assert (run_dir / 'rollback' / 't.fired.json').exists()
    # the next arm reports it, a confirm after it would fail
    again = arm(wrap, etc)
    assert again['rc'] == 0 and again['previous']['routes_rules_added'] >= 1
    done = run_module('rollback', dict(name='t', state='confirmed'), wrap=wrap)
    assert done['rc'] == 0 and done['rollback']['confirmed'] is True


def test_confirmed_change_stays(ns, place):
    wrap, run_dir, etc = place
    assert arm(wrap, etc)['rc'] == 0
    change(ns, etc)
    changed = kernel(ns)
    result = run_module('rollback', dict(name='t', state='confirmed'), wrap=wrap)
    assert result['rc'] == 0 and result['changed'] is False, result
    assert result['rollback']['confirmed'] is True
    time.sleep(TIMEOUT + 2)
    assert kernel(ns) == changed
    assert (etc / 'kept.conf').read_text() == 'after\n'
    assert os.listdir(str(run_dir)) == []      # nothing left armed, library and runner gone


def test_rolled_back_restores_now_and_confirm_after_a_fire_fails(ns, place):
    wrap, run_dir, etc = place
    before = kernel(ns)
    assert arm(wrap, etc, timeout=60)['rc'] == 0
    change(ns, etc)
    result = run_module('rollback', dict(name='t', state='rolled_back'), wrap=wrap)
    assert result['rc'] == 0 and result['changed'] is True, result
    assert kernel(ns) == before
    assert (etc / 'kept.conf').read_text() == 'before\n' and not (etc / 'new.conf').exists()
    assert any('table 100' in line for line in result['log'])
    again = run_module('rollback', dict(name='t', state='rolled_back'), wrap=wrap)
    assert again['rc'] == 0 and again['changed'] is False


def test_check_mode_arms_nothing(ns, place):
    wrap, run_dir, etc = place
    result = run_module('rollback', dict(name='t', timeout=TIMEOUT, interfaces=['veth0']), wrap=wrap,
                        check_mode=True)
    assert result['rc'] == 0 and result['changed'] is False, result
    assert result['rollback']['armed'] is False
    assert os.listdir(str(run_dir)) == []
    confirm = run_module('rollback', dict(name='t', state='confirmed'), wrap=wrap, check_mode=True)
    assert confirm['rc'] == 0 and os.listdir(str(run_dir)) == []


@pytest.mark.parametrize('args, message', [
    (dict(timeout=2), 'timeout=2 is out of range'),
    (dict(name='-x'), "name='-x' is not a valid rollback name"),
    (dict(interfaces=['bad name!']), 'interfaces[0]'),
    (dict(paths=['relative/path']), "paths[0]='relative/path'"),
    (dict(sysctls=['net/../x']), 'sysctls[0]'),
    (dict(tables=['0']), 'tables[0]'),
])
def test_bad_input_fails_before_anything_is_written(ns, place, args, message):
    wrap, run_dir, etc = place
    result = run_module('rollback', args, wrap=wrap)
    assert result['rc'] != 0 and message in result['msg'], result
    assert os.listdir(str(run_dir)) == []


def test_the_restorer_survives_the_session(ns, place):
    """The waiting process is in a session of its own: killing the arming process group (as an
    SSH session's end does) leaves it, and it still restores."""
    wrap, run_dir, etc = place
    before = kernel(ns)
    result = arm(wrap, etc)
    pid = result['rollback']['pid']
    assert int(sh('ps', '-o', 'sid=', '-p', str(pid)).strip()) == pid
    change(ns, etc)
    assert wait_for(lambda: kernel(ns) == before, TIMEOUT + 20)


def test_routes_inside_a_namespace_that_existed_come_back(ns, ns2, place):
    """What a strategy set inside its namespace (the default route there) is in the snapshot."""
    wrap, run_dir, etc = place
    ns2.run('route', 'add', '10.5.0.0/24', 'via', '10.0.0.2', 'dev', 'veth0')
    ns2.run('route', 'add', '10.6.0.0/24', 'via', '10.0.1.2', 'dev', 'veth1', 'table', '7')
    before = kernel(ns2)
    result = arm(wrap, etc, namespaces=[ns2.name], timeout=60)
    assert result['rc'] == 0, result
    ns2.run('route', 'del', '10.5.0.0/24')
    ns2.run('route', 'add', '10.4.0.0/24', 'via', '10.0.0.2', 'dev', 'veth0')
    assert kernel(ns2) != before
    back = run_module('rollback', dict(name='t', state='rolled_back'), wrap=wrap)
    assert back['rc'] == 0, back
    assert kernel(ns2) == before


def test_every_module_run_moves_the_deadline(ns, place):
    """Word from the controller: a module of the collection run while armed moves the deadline
    to now + timeout (to the millisecond, never earlier). Lower bounds only: a loaded machine only
    makes the module later, and the deadline later still."""
    wrap, run_dir, etc = place
    result = arm(wrap, etc, timeout=60)
    first = result['rollback']['deadline']
    time.sleep(2)
    started = time.time()
    facts = run_module('routing_facts', dict(gather_subset=['links']), wrap=wrap)
    assert facts['rc'] == 0, facts
    with open(str(run_dir / 'rollback' / 't' / 'deadline')) as handle:
        moved = float(handle.read().split()[0])
    assert moved >= started + 60 and moved > first
    assert run_module('rollback', dict(name='t', state='confirmed'), wrap=wrap)['rc'] == 0


def test_the_restorer_follows_the_deadline_it_finds(ns, place):
    """The waiting restorer reads the deadline file, not the one it was armed with: moved
    earlier here (as the keepalive moves it later), it restores at the moved one."""
    wrap, run_dir, etc = place
    before = kernel(ns)
    assert arm(wrap, etc, timeout=600)['rc'] == 0
    change(ns, etc)
    moved = time.time() + 3
    path = run_dir / 'rollback' / 't' / 'deadline'
    path.write_text(u'%.3f 600\n' % moved)
    assert wait_for(lambda: kernel(ns) == before, 30)
    assert time.time() >= moved
