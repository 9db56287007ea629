# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for tests that run the modules against the real kernel.

Every test gets its own throwaway network namespace (``ip netns add``) with veth pairs, so
nothing touches the host's routing and tests cannot leak into each other. Modules are run the
way Ansible runs them: a separate Python process reading ANSIBLE_MODULE_ARGS from stdin, with
the real argument spec. The pyroute2 the modules import is whatever PYTHONPATH gives (the test
runner runs this suite once with pyroute2 0.7.x and once with 0.9.x).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

MODULE_PKG = 'ansible_collections.multinic.routing.plugins.modules'


def sh(*argv, **kwargs):
    """Run a command, fail the test with its stderr if it fails; return stdout."""
    check = kwargs.pop('check', True)
    proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError('%s failed (%d): %s' % (' '.join(argv), proc.returncode, proc.stderr))
    return proc.stdout


def ip_json(netns, *args):
    """``ip -j`` read back independently of the modules (None netns = host)."""
    prefix = ['ip', '-n', netns] if netns else ['ip']
    out = sh(*(prefix + ['-j'] + list(args)))
    return json.loads(out) if out.strip() else []


ROUTE_TABLE_NUMBERS = {'main': 254, 'local': 255, 'default': 253}


def ip_route_get(netns, *args):
    """``ip -j route get ...`` (None netns = host) -> (dev, gateway, source, table, type), the
    way multinic.routing.route_lookup reports them: the table as a number (``ip`` leaves main
    out), the kernel's preferred source or else the source given."""
    answer = ip_json(netns, 'route', 'get', *args)
    assert len(answer) == 1, answer
    r = answer[0]
    table = r.get('table', 'main')
    table = ROUTE_TABLE_NUMBERS[table] if table in ROUTE_TABLE_NUMBERS else int(table)
    return r['dev'], r.get('gateway'), r.get('prefsrc') or r.get('from'), table, r.get('type', 'unicast')


def route_lookup_answer(result):
    """The same five of a route_lookup result (or of one entry of its ``results``)."""
    return result['dev'], result['gateway'], result['prefsrc'], result['table'], result['type']


def _module_env():
    env = dict(os.environ)
    root = os.environ['MULTINIC_COLLECTIONS_ROOT']
    env['PYTHONPATH'] = os.pathsep.join(p for p in (env.get('PYTHONPATH'), root) if p)
    return env


def run_module(name, args, check_mode=False, diff=False, wrap=None):
    """Run multinic.routing.<name> like Ansible would; return its JSON result.

    ``wrap`` is a list of argv words put in front (e.g. an ``unshare`` with a private
    /etc/iproute2). The result has ``rc`` added (the module process' exit code); a module
    that printed a traceback instead of JSON fails the test.
    """
    payload = dict(args)
    payload['_ansible_check_mode'] = check_mode
    payload['_ansible_diff'] = diff
    argv = list(wrap or []) + [sys.executable, '-m', '%s.%s' % (MODULE_PKG, name)]
    proc = subprocess.run(argv, input=json.dumps({'ANSIBLE_MODULE_ARGS': payload}),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=_module_env(), check=False)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc %d)\nstdout: %s\nstderr: %s'
                             % (name, proc.returncode, proc.stdout, proc.stderr))
    assert 'Traceback' not in result.get('msg', ''), result
    assert 'exception' not in result or 'pyroute2' in result.get('msg', ''), result
    result['rc'] = proc.returncode
    return result


def check_run_rerun(run, observe, same=('changed',), rerun=True):
    """The change test every module gets: check mode, the real run, the same call again.

    ``run(check_mode)`` runs the module once with the test's arguments and returns its result;
    ``observe()`` reads the state the module changes independently of it (``ip -j``, files).
    Check mode must succeed and leave ``observe()`` as it was; the real run must succeed and
    report for every key in ``same`` what check mode predicted; the same call again (unless
    ``rerun`` is false) must succeed, report no change and leave ``observe()`` as it was.
    Every run reports ``differences`` (the one difference tracker's list): the real run the
    ones check mode predicted, non-empty exactly when it changed something; empty on the rerun.
    Returns (check, first, second); second is None without ``rerun``.
    """
    before = observe()
    check = run(True)
    assert check['rc'] == 0, check
    assert observe() == before, 'check mode changed the state'
    first = run(False)
    assert first['rc'] == 0, first
    for key in same:
        assert check.get(key) == first.get(key), (key, check.get(key), first.get(key))
    assert check['differences'] == first['differences'], (check['differences'], first['differences'])
    assert bool(first['differences']) is first['changed'], first
    if not rerun:
        return check, first, None
    after = observe()
    second = run(False)
    assert second['rc'] == 0 and second['changed'] is False and second['differences'] == [], second
    assert observe() == after, 'the second run changed the state'
    return check, first, second


def new_netns_name():
    return 'mnt-%s' % uuid.uuid4().hex[:10]


class Namespace(object):
    """A throwaway namespace: ``veth0`` (10.0.0.1/24, 2001:db8:0::1/64) and ``veth1``
    (10.0.1.1/24, 2001:db8:1::1/64), both up, each paired with a peer (``peer0``/``peer1``)
    inside the same namespace so links stay up (``create(veth=False)``: empty, loopback down,
    as ``ip netns add`` leaves it)."""

    def __init__(self):
        self.name = new_netns_name()

    def create(self, veth=True):
        sh('ip', 'netns', 'add', self.name)
        if not veth:
            return self
        ns = ['ip', '-n', self.name]
        sh(*(ns + ['link', 'set', 'lo', 'up']))
        for i in (0, 1):
            sh(*(ns + ['link', 'add', 'veth%d' % i, 'type', 'veth', 'peer', 'name', 'peer%d' % i]))
            sh(*(ns + ['addr', 'add', '10.0.%d.1/24' % i, 'dev', 'veth%d' % i]))
            sh(*(ns + ['-6', 'addr', 'add', '2001:db8:%d::1/64' % i, 'dev', 'veth%d' % i, 'nodad']))
            sh(*(ns + ['link', 'set', 'veth%d' % i, 'up']))
            sh(*(ns + ['link', 'set', 'peer%d' % i, 'up']))
        return self

    def destroy(self):
        sh('ip', 'netns', 'del', self.name, check=False)

    def ip(self, *args):
        return ip_json(self.name, *args)

    def settle(self, timeout=10.0):
        """Wait until IPv6 duplicate address detection is over (link-local addresses and their
        routes appear and change state on their own for a moment after a link comes up)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.ip('-6', 'addr', 'show', 'tentative'):
                return
            time.sleep(0.2)
        raise AssertionError('IPv6 addresses of %s still tentative after %ss' % (self.name, timeout))

    def wait_ready(self, timeout=15.0):
        """Wait until the veth pairs have carrier, their link-local addresses exist and are no
        longer tentative (so their routes appear and lose `linkdown`): before that the kernel's
        own routes change on their own, in the middle of a test comparing tables."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            links = [link for link in self.ip('addr', 'show')
                     if link['ifname'].startswith(('veth', 'peer'))]
            ready = len(links) == 4 and all(
                link.get('operstate') == 'UP' and any(
                    a.get('family') == 'inet6' and a.get('scope') == 'link' and not a.get('tentative')
                    for a in link.get('addr_info', []))
                for link in links)
            if ready and not any('linkdown' in r.get('flags', [])
                                 for fam in ([], ['-6']) for r in self.ip(*(fam + ['route', 'show']))):
                return
            time.sleep(0.1)
        raise AssertionError('the links of %s did not come up within %ss' % (self.name, timeout))

    def run(self, *args):
        return sh('ip', '-n', self.name, *args)


@pytest.fixture
def netns_factory():
    """Makes throwaway namespaces for one test; all are deleted afterwards whatever happens.

    ``make()`` a Namespace with its veth pairs, ``make(veth=False)`` an empty one,
    ``make(create=False)`` only a fresh name (whatever the test makes under it is deleted).
    """
    made = []

    def make(veth=True, create=True):
        space = Namespace()
        made.append(space)
        return space.create(veth) if create else space

    try:
        yield make
    finally:
        for space in made:
            space.destroy()


@pytest.fixture
def ns(netns_factory):
    """A fresh namespace with veth pairs per test."""
    return netns_factory()


@pytest.fixture
def ns2(netns_factory):
    """A second one, for tests that need two."""
    return netns_factory()


def private_run_wrap(ns, run_dir):
    """The wrap for module runs inside ``ns`` with ``run_dir`` bind-mounted on
    /run/multinic-routing (a rollback's snapshot, library and restorer, private to the test)."""
    return ['ip', 'netns', 'exec', ns.name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c',
            'mkdir -p /run/multinic-routing && mount --bind "$0" /run/multinic-routing && exec "$@"',
            str(run_dir)]


@pytest.fixture
def private_iproute2():
    """A private copy of /etc/iproute2 seen only by the commands wrapped with it.

    Yields (directory, wrap): run modules with ``wrap=wrap`` (and ``ip`` with
    ``wrap + ['ip', ...]``) so table-name files land in the copy, never on the host.
    """
    tmp = tempfile.mkdtemp(prefix='multinic-iproute2-')
    etc = os.path.join(tmp, 'iproute2')
    if os.path.isdir('/etc/iproute2'):
        shutil.copytree('/etc/iproute2', etc, symlinks=True)
    else:
        os.makedirs(etc)
    os.makedirs(os.path.join(etc, 'rt_tables.d'), exist_ok=True)
    wrap = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
            'mount --bind "$0" /etc/iproute2 && exec "$@"', etc]
    try:
        yield etc, wrap
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
