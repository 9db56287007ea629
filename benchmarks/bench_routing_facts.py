#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How much does multinic.routing.routing_facts cost next to `ip -j route show`?

Run as root (it makes a throwaway network namespace):

    /tmp/venv/bin/python benchmarks/bench_routing_facts.py
    PYTHONPATH=/tmp/pr07 /tmp/venv/bin/python benchmarks/bench_routing_facts.py   # pyroute2 0.7

The namespace gets a veth pair, a few routes in main and ROUTES (100,000) host routes in table
1000, loaded with `ip -batch`. Then, each measured REPEAT times (median, min, max printed):

  (a) routing_facts with tables=[main]: the real module run as Ansible runs it (a Python
      subprocess reading its arguments on stdin); "module-side" is the time spent inside the
      module's logic (_facts.run: validation and netlink), "subprocess" the whole process
      (interpreter start, imports, argument parsing, JSON output); peak RSS of that process.
  (b) ip -j route show table all    (IPv4, like `ip` does by default)
  (c) ip -j route show table main
  (d) routing_facts with every table (no filter), for comparison; REPEAT_ALL times (slow).

Not a test: nothing is asserted about speed. It only checks that each run read what it should
(the main-only runs hold no route of table 1000, the unfiltered ones hold all of them).
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE = 'ansible_collections.multinic.routing.plugins.modules.routing_facts'

# Printed at the child's exit: VmHWM, the peak of that process' own memory (ru_maxrss would also
# count the parent's memory at fork time, which the kernel carries over exec).
PEAK_RSS = r'''
import atexit as _atexit, os as _os, sys as _sys

def _peak_rss():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                _sys.stderr.write('BENCH peak_kib=%s\n' % line.split()[1])
    # CPU seconds (user + system) of the whole process: unlike wall time, hardly changed by
    # other load on the machine
    _times = _os.times()
    _sys.stderr.write('BENCH cpu_s=%.4f\n' % (_times[0] + _times[1]))

_atexit.register(_peak_rss)
'''

# The child: the real module, with its logic (_facts.run) timed from the inside.
CHILD = PEAK_RSS + r'''
import sys, time
import pyroute2
from ansible_collections.multinic.routing.plugins.module_utils import _facts
from ansible_collections.multinic.routing.plugins.modules import routing_facts

_run = _facts.run

def timed(module):
    start = time.perf_counter()
    try:
        return _run(module)
    finally:
        sys.stderr.write('BENCH module_seconds=%.6f pyroute2=%s\n'
                         % (time.perf_counter() - start, getattr(pyroute2, '__version__', '?')))
        sys.stderr.flush()

_facts.run = timed
routing_facts.main()
'''
TIME = '/usr/bin/time'  # GNU time: the peak RSS of a command it forks itself (%M, KiB)


def collections_root(cleanup):
    """A directory from which `ansible_collections.multinic.routing` imports this checkout."""
    parts = REPO.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'multinic', 'routing']:
        return os.sep.join(parts[:-3])
    root = tempfile.mkdtemp(prefix='multinic-bench-')
    cleanup.append(lambda: shutil.rmtree(root, ignore_errors=True))
    os.makedirs(os.path.join(root, 'ansible_collections', 'multinic'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'multinic', 'routing'))
    return root


def sh(*argv):
    proc = subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise SystemExit('%s failed (%d): %s' % (' '.join(argv), proc.returncode, proc.stderr))
    return proc.stdout


class TooSlow(Exception):
    pass


def measured(argv, stdin=b'', env=None, timeout=None):
    """Run a process to its end -> (wall seconds, stdout, stderr); TooSlow past timeout."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TooSlow()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('%s failed (%d): %s %s' % (' '.join(argv[:4]), proc.returncode,
                                                    proc.stdout[-2000:], proc.stderr[-2000:]))
    return elapsed, proc.stdout, proc.stderr


def bench_words(err):
    return dict(w.split('=', 1) for line in err.decode().splitlines()
                if line.startswith('BENCH ') for w in line.split()[1:])


def run_ip(netns, table):
    """`ip -j route show table TABLE` -> (seconds, peak RSS MiB or None, CPU seconds or None).

    The peak RSS comes from GNU time when it is installed: ru_maxrss of a child of this
    (big) Python process would include this process' memory at fork time.
    """
    argv = ['ip', '-n', netns, '-j', 'route', 'show', 'table', table]
    if os.access(TIME, os.X_OK):
        elapsed, _out, err = measured([TIME, '-f', 'BENCH peak_kib=%M cpu_s=%U+%S'] + argv)
        words = bench_words(err)
        return (elapsed, int(words['peak_kib']) / 1024.0,
                sum(float(x) for x in words['cpu_s'].split('+')))
    elapsed, _out, _err = measured(argv)
    return elapsed, None, None


def run_facts(env, netns, tables, timeout=None):
    args = {'netns': [netns], 'gather_subset': ['routes']}
    if tables is not None:
        args['tables'] = tables
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
    elapsed, out, err = measured([sys.executable, '-c', CHILD], payload, env, timeout)
    words = bench_words(err)
    result = json.loads(out)
    routes = result['ansible_facts']['multinic_routing']['netns'][netns]['routes']
    return (float(words['module_seconds']), elapsed, int(words['peak_kib']) / 1024.0, routes,
            words.get('pyroute2'), float(words['cpu_s']))


def make_namespace(netns):
    """A namespace with lo up and veth0 (10.0.0.1/24) up, paired with peer0 inside it."""
    sh('ip', 'netns', 'add', netns)
    ns = ['ip', '-n', netns]
    sh(*(ns + ['link', 'set', 'lo', 'up']))
    sh(*(ns + ['link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'peer0']))
    sh(*(ns + ['addr', 'add', '10.0.0.1/24', 'dev', 'veth0']))
    sh(*(ns + ['link', 'set', 'veth0', 'up']))
    sh(*(ns + ['link', 'set', 'peer0', 'up']))
    return ns


def setup(netns, count, main_routes):
    ns = make_namespace(netns)
    for i in range(main_routes):
        sh(*(ns + ['route', 'add', '10.%d.0.0/16' % (100 + i), 'via', '10.0.0.2', 'dev', 'veth0']))
    handle, path = tempfile.mkstemp(prefix='multinic-bench-', suffix='.batch')
    try:
        with os.fdopen(handle, 'w') as batch:
            for i in range(count):
                batch.write('route add 172.%d.%d.%d/32 via 10.0.0.2 dev veth0 table 1000\n'
                            % (16 + (i >> 16), (i >> 8) & 255, i & 255))
        start = time.perf_counter()
        sh(*(ns + ['-batch', path]))
        return time.perf_counter() - start
    finally:
        os.unlink(path)


def stats(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--routes', type=int, default=100000, help='routes in table 1000')
    parser.add_argument('--repeat', type=int, default=5, help='runs of (a), (b), (c)')
    parser.add_argument('--repeat-all', type=int, default=3,
                        help='runs of (d), the unfiltered read (0 skips it)')
    parser.add_argument('--budget', type=float, default=90,
                        help='seconds the whole benchmark may take: a run of (d) still going '
                             'then is stopped and reported as "more than" (0: no limit)')
    opts = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root: the benchmark creates a network namespace')

    cleanup = []
    stopped = None
    load_start = os.getloadavg()[0]
    netns = 'mnbench-%s' % uuid.uuid4().hex[:8]
    began = time.perf_counter()
    try:
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (env.get('PYTHONPATH'), collections_root(cleanup)) if p)
        cleanup.append(lambda: subprocess.run(['ip', 'netns', 'del', netns], check=False))
        load_seconds = setup(netns, opts.routes, main_routes=5)
        main_count = len(json.loads(sh('ip', '-n', netns, '-j', 'route', 'show', 'table', 'main'))) + \
            len(json.loads(sh('ip', '-n', netns, '-j', '-6', 'route', 'show', 'table', 'main') or '[]'))

        rows = {}
        version = None
        for _attempt in range(opts.repeat):
            inside, whole, rss, routes, version, cpu = run_facts(env, netns, ['main'])
            assert len(routes) == main_count and all(r['table'] == 254 for r in routes), routes
            rows.setdefault('a_mod', []).append(inside)
            rows.setdefault('a_sub', []).append(whole)
            rows.setdefault('a_rss', []).append(rss)
            rows.setdefault('a_sub_cpu', []).append(cpu)
            for key, table in (('b', 'all'), ('c', 'main')):
                whole, rss, cpu = run_ip(netns, table)
                rows.setdefault(key, []).append(whole)
                if rss is not None:
                    rows.setdefault(key + '_rss', []).append(rss)
                    rows.setdefault(key + '_cpu', []).append(cpu)
        for _attempt in range(opts.repeat_all):
            left = None
            if opts.budget:
                left = max(opts.budget - (time.perf_counter() - began), 5.0)
            try:
                inside, whole, rss, routes, version, cpu = run_facts(env, netns, None, left)
            except TooSlow:
                stopped = left
                break
            assert len([r for r in routes if r['table'] == 1000]) == opts.routes, len(routes)
            rows.setdefault('d_mod', []).append(inside)
            rows.setdefault('d_sub', []).append(whole)
            rows.setdefault('d_rss', []).append(rss)
            rows.setdefault('d_sub_cpu', []).append(cpu)
            del routes
    finally:
        for action in reversed(cleanup):
            action()

    b = stats(rows['b'])[0]
    c = stats(rows['c'])[0]
    print('pyroute2 %s, Python %s, kernel %s' % (version, sys.version.split()[0], os.uname().release))
    print('%d routes in table 1000 (loaded with ip -batch in %.1f s), %d routes in main (both families)'
          % (opts.routes, load_seconds, main_count))
    print('median of %d runs (min..max); (d): %d run(s); RSS: peak of the process, the highest '
          'of the runs; CPU s: user + system of the process, median' % (opts.repeat, opts.repeat_all))
    print('load average (1 min) at the start and at the end: %.1f, %.1f\n' % (load_start, os.getloadavg()[0]))
    header = '%-44s %9s %17s %7s %9s %8s %8s' % (
        'measurement', 'median s', 'min..max s', 'CPU s', 'RSS MiB', 'x (b)', 'x (c)')
    print(header)
    print('-' * len(header))
    lines = [
        ('(a) routing_facts tables=[main] module-side', 'a_mod', None),
        ('(a) routing_facts tables=[main] subprocess', 'a_sub', 'a_rss'),
        ('(b) ip -j route show table all', 'b', 'b_rss'),
        ('(c) ip -j route show table main', 'c', 'c_rss'),
        ('(d) routing_facts every table module-side', 'd_mod', None),
        ('(d) routing_facts every table subprocess', 'd_sub', 'd_rss'),
    ]
    for label, key, rss_key in lines:
        if key not in rows:
            continue
        med, low, high = stats(rows[key])
        rss = '%9.1f' % max(rows[rss_key]) if rss_key in rows else '%9s' % '-'
        cpu = '%7.3f' % stats(rows[key + '_cpu'])[0] if key + '_cpu' in rows else '%7s' % '-'
        print('%-44s %9.4f %8.4f..%-8.4f %s %s %8.2f %8.1f' % (label, med, low, high, cpu, rss, med / b, med / c))
    if 'd_sub' in rows:
        # the cost of reading every table over the same process reading 8 routes (tables=[main])
        wall = stats(rows['d_sub'])[0] - stats(rows['a_sub'])[0]
        cpu = stats(rows['d_sub_cpu'])[0] - stats(rows['a_sub_cpu'])[0]
        print('\n(d) over (a), subprocess: %+.4f s wall (%.2fx (b)), %+.3f s CPU' % (wall, wall / b, cpu))
    if stopped is not None:
        print('%-44s %9s   stopped after %.1f s: more than %.0fx (b), %.0fx (c)'
              % ('(d) routing_facts every table subprocess', '> %.1f' % stopped, stopped,
                 stopped / b, stopped / c))
    print('\nwhole benchmark: %.1f s (namespace deleted)' % (time.perf_counter() - began))


if __name__ == '__main__':
    main()
