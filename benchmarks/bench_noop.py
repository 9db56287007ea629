#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a no-op `route` or `rule` task costs on a host full of routes and rules that are not the
collection's, next to the same no-op on an empty table and next to `ip`.

Run as root from the repository root (it makes throwaway network namespaces):

    .venv/bin/python benchmarks/bench_noop.py                                  # pyroute2 0.9
    PYTHONPATH=.venv/pyroute2-0.7 .venv/bin/python benchmarks/bench_noop.py    # pyroute2 0.7

For each size (routes: 0, 10,000, 100,000 in `main`; rules: 0, 1,000, 10,000), a namespace is
filled with `ip -batch` (foreign: proto static routes via a veth peer, rules from documentation
addresses), the task's route or rule is added once by the module, and then, REPEAT times each:

  no-op   the module run the way Ansible runs it (a Python subprocess reading its arguments on
          stdin) with the route/rule already there: wall seconds, the process' CPU seconds
          (user + system: what a loaded machine changes least) and its peak RSS
  ip      `ip -j route show table main` / `ip -j rule show` on the same namespace

Printed per size: medians, the no-op's cost over the size-0 baseline measured in the same run,
that cost over `ip`'s, and the machine's load average (1 min) when the size was done. Not a test: nothing asserts a speed; each run only checks that the
module reported no change.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_routing_facts import (PEAK_RSS, bench_words, collections_root, make_namespace,  # noqa: E402
                                 measured, sh, stats)

PKG = 'ansible_collections.multinic.routing.plugins.modules.'
# The child: the real module; its peak RSS printed at exit.
CHILD = PEAK_RSS + r'''
import os, runpy
runpy.run_module(os.environ.pop('BENCH_MODULE'), run_name='__main__')
'''


def batch(netns, lines):
    handle, path = tempfile.mkstemp(prefix='multinic-bench-', suffix='.batch')
    try:
        with os.fdopen(handle, 'w') as out:
            out.writelines(lines)
        sh('ip', '-n', netns, '-batch', path)
    finally:
        os.unlink(path)


def namespace(cleanup):
    netns = 'mnbench-%s' % uuid.uuid4().hex[:8]
    cleanup.append(lambda: subprocess.run(['ip', 'netns', 'del', netns], stderr=subprocess.DEVNULL,
                                          check=False))
    make_namespace(netns)
    return netns


def address(i):
    return '172.%d.%d.%d' % (16 + (i >> 16), (i >> 8) & 255, i & 255)


def fill(netns, kind, count):
    if kind == 'route':
        batch(netns, ('route add %s/32 via 10.0.0.2 dev veth0 proto static\n' % address(i)
                      for i in range(count)))
    else:
        batch(netns, ('rule add priority %d from %s lookup 1000\n' % (2000 + i, address(i))
                      for i in range(count)))


def task(kind, netns):
    if kind == 'route':
        return 'route', {'dest': '10.200.0.0/24', 'gateway': '10.0.0.2', 'dev': 'veth0',
                         'netns': netns}
    return 'rule', {'priority': 1000, 'from': '10.0.0.1', 'table': '201', 'netns': netns}


def run_module(env, name, args):
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
    env = dict(env, BENCH_MODULE=PKG + name)   # not in argv: a module reads its arguments from argv[1]
    elapsed, out, err = measured([sys.executable, '-c', CHILD], payload, env)
    result = json.loads(out)
    words = bench_words(err)
    return elapsed, int(words['peak_kib']) / 1024.0, float(words['cpu_s']), result


def measure(env, kind, count, repeat, cleanup):
    netns = namespace(cleanup)
    fill(netns, kind, count)
    name, args = task(kind, netns)
    first = run_module(env, name, args)[3]
    if first.get('failed'):
        raise SystemExit('%s failed: %s' % (name, first.get('msg')))
    ip_argv = (['ip', '-n', netns, '-j', 'route', 'show', 'table', 'main'] if kind == 'route'
               else ['ip', '-n', netns, '-j', 'rule', 'show'])
    noop, rss, cpu, ip = [], [], [], []
    for _run in range(repeat):
        elapsed, peak, cpu_s, result = run_module(env, name, args)
        if result.get('changed') or result.get('failed'):
            raise SystemExit('the no-op %s run was not a no-op: %s' % (name, result))
        noop.append(elapsed)
        cpu.append(cpu_s)
        rss.append(peak)
        ip.append(measured(ip_argv)[0])
    cleanup.pop()()     # the namespace goes now: big tables cost memory
    return stats(noop), max(rss), stats(cpu), stats(ip)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--routes', default='0,10000,100000', help='sizes of main (comma list)')
    parser.add_argument('--rules', default='0,1000,10000', help='numbers of rules (comma list)')
    parser.add_argument('--repeat', type=int, default=5, help='runs per size')
    opts = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root: the benchmark creates network namespaces')
    import pyroute2  # noqa: F401  (the version printed is the one the modules import)
    cleanup = []
    try:
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            p for p in (env.get('PYTHONPATH'), collections_root(cleanup)) if p)
        print('pyroute2 %s, %d runs per size; seconds are medians (min..max)'
              % (getattr(pyroute2, '__version__', '?'), opts.repeat))
        for kind, sizes in (('route', opts.routes), ('rule', opts.rules)):
            sizes = [int(s) for s in sizes.split(',') if s.strip()]
            base = cpu_base = None
            print('\n%-6s %8s %24s %10s %10s %12s %12s %12s %8s %6s'
                  % (kind, 'foreign', 'no-op s', 'CPU s', 'RSS MiB', 'ip s', 'over base s',
                     'CPU over', 'over/ip', 'load'))
            for count in sizes:
                (med, low, high), peak, (cpu_med, _cl, _ch), (ip_med, _l, _h) = measure(
                    env, kind, count, opts.repeat, cleanup)
                base = med if base is None else base
                cpu_base = cpu_med if cpu_base is None else cpu_base
                over = med - base
                print('%-6s %8d %10.3f (%.3f..%.3f) %10.3f %10.1f %12.3f %12.3f %12.3f %8s %6.1f'
                      % (kind, count, med, low, high, cpu_med, peak, ip_med, over,
                         cpu_med - cpu_base,
                         '%.1fx' % (over / ip_med) if count and over > 0 and ip_med > 0 else '-',
                         os.getloadavg()[0]))
                sys.stdout.flush()
    finally:
        for step in reversed(cleanup):
            step()


if __name__ == '__main__':
    main()
