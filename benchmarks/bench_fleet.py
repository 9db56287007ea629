#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection's plays cost on a fleet of 3, 6 and 12 workers, next to a play that runs
`ansible.builtin.ping` once on the same workers.

Run as root from the repository root, with the venv hack/test makes (.venv):

    .venv/bin/python benchmarks/bench_fleet.py                       # 3, 6, 12 workers
    .venv/bin/python benchmarks/bench_fleet.py --sizes 3 --repeat 2  # quicker
    .venv/bin/python benchmarks/bench_fleet.py --baseline-ref origin/main   # no-op and reachability before/after

For each size N it brings up a lab of N workers with tools/lab/vpclab.py (its own prefix and
base, real hosts of --flavour, one zone per worker), then times each play as a whole
`ansible-playbook` process (wall seconds, forks = N) over --connection: ssh (default), as a
fleet is reached - SSH with pipelining to each worker's control address, one master connection
per worker - or podman (podman exec, no pipelining, as the molecule scenarios connect):

  ping       a play running ansible.builtin.ping once on the workers: the baseline, what Ansible
             itself costs for one task on these hosts; timed --repeat times, spread over the run
  converge   multinic.routing.data_plane with data_plane_strategy=--strategy on the fresh lab:
             the first converge (once per lab)
  no-op      the same playbook again, nothing to change (--noop-repeat times, at most --repeat;
             must report changed=0)
  no-op@REF  with --baseline-ref: after each no-op, the same playbook from the collection as it is
             at git REF on the lab this one converged (the same state: must report changed=0)
  reach      multinic.routing.reachability (--repeat times; must pass)
  reach@REF  the same playbook from the collection as it is at git REF (--baseline-ref), on the
             same lab, for a before/after comparison

--reachability-only skips the data_plane plays: the reachability plays then prove the lab's
broken state (reachability_expect=fail) - the same tasks and module calls, every data ping
waiting for its timeout, all at once - which makes a before/after series quick to take.

Printed per size: medians (and min..max), each play's ratio to the ping play; for the data_plane
plays the module runs per host (every task that ran on the host, one per loop item; the
controller's own actions - set_fact, assert, debug, ... - not counted) and with --baseline-ref the
no-op's ratio to no-op@REF; for the reachability plays the route_lookup module runs per host
(all counted from the json callback).
At the end, the reachability series against N. The lab is torn down afterwards (--keep leaves
the last one up). Not a test: nothing asserts a speed; each run checks that its play passed.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VPCLAB = os.path.join(REPO, 'tools', 'lab', 'vpclab.py')
BIN = os.path.dirname(os.path.abspath(sys.executable))
PING_PLAY = '''---
- name: Baseline - one ansible.builtin.ping per worker
  hosts: workers
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
'''
# As the molecule scenarios connect to the lab (extensions/molecule/resources/create.yml): the
# containers run everything as root, a remote_tmp without `~` saves a podman exec per task.
CONNECTION = '''---
workers:
  vars:
    ansible_become: false
    ansible_remote_tmp: /var/tmp/.ansible-tmp
'''


def sh(argv, env=None):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit('%s failed (%d):\n%s\n%s' % (' '.join(argv), proc.returncode,
                                                      proc.stdout[-3000:], proc.stderr[-3000:]))
    return proc.stdout


def collection_root(tree, workdir, name):
    """A collections root whose multinic.routing is ``tree``."""
    root = os.path.join(workdir, name)
    os.makedirs(os.path.join(root, 'ansible_collections', 'multinic'))
    os.symlink(tree, os.path.join(root, 'ansible_collections', 'multinic', 'routing'))
    return root


def tree_at(ref, workdir):
    """The repository's files at git ``ref``, extracted under ``workdir``."""
    tree = os.path.join(workdir, 'tree-at-ref')
    os.makedirs(tree)
    archive = subprocess.Popen(['git', '-C', REPO, 'archive', ref], stdout=subprocess.PIPE)
    subprocess.run(['tar', '-x', '-C', tree], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit('git archive %s failed' % ref)
    return tree


def installed_collections():
    """Where the venv's Ansible keeps its collections (containers.podman for the lab)."""
    code = 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))'
    proc = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, universal_newlines=True,
                          check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ''


class Lab(object):
    def __init__(self, args, zones, workdir):
        self.words = [sys.executable, VPCLAB, '--prefix', args.prefix, '--base', args.base,
                      '--zones', str(zones), '--flavour', args.flavour]
        self.zones = zones
        self.connection = args.connection
        self.inventory = os.path.join(workdir, 'inventory-%d' % zones)

    def up(self):
        start = time.perf_counter()
        sh(self.words + ['up', '--recreate'])
        os.makedirs(self.inventory)
        with open(os.path.join(self.inventory, 'lab.yml'), 'w') as out:
            out.write(sh(self.words + ['inventory', '--connection', self.connection]))
        with open(os.path.join(self.inventory, 'lab-connection.yml'), 'w') as out:
            out.write(CONNECTION)
        return time.perf_counter() - start

    def down(self):
        subprocess.run(self.words + ['down'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


class Plays(object):
    """ansible-playbook runs on one lab, timed."""

    def __init__(self, lab, args, roots, workdir):
        self.lab = lab
        self.args = args
        self.roots = roots
        self.ping = os.path.join(workdir, 'ping.yml')
        with open(self.ping, 'w') as out:
            out.write(PING_PLAY)

    def env(self, root):
        env = dict(os.environ)
        env.update(ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(p for p in (root, self.roots['site']) if p),
                   ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_FORKS=str(max(5, self.lab.zones)),
                   # kept remote files turn pipelining off (a temporary directory, a copy and an
                   # exec per module run): a fleet's ansible.cfg pipelines
                   ANSIBLE_KEEP_REMOTE_FILES='false', ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_HOST_KEY_CHECKING='false', ANSIBLE_RETRY_FILES_ENABLED='false',
                   PATH=BIN + os.pathsep + env.get('PATH', ''))
        return env

    def run(self, playbook, extra=(), root=None):
        """One ansible-playbook run -> (wall seconds, json callback output). Fails on a failed play."""
        argv = [os.path.join(BIN, 'ansible-playbook'), '-i', self.lab.inventory, playbook] + list(extra)
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              env=self.env(root or self.roots['here']), check=False)
        elapsed = time.perf_counter() - start
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            report = None
        if proc.returncode != 0 or report is None:
            raise SystemExit('%s failed (%d):\n%s\n%s' % (' '.join(argv[1:]), proc.returncode,
                                                          proc.stdout[-4000:], proc.stderr[-3000:]))
        return elapsed, report

    def strategy(self):
        return ['-e', 'data_plane_strategy=%s' % self.args.strategy]


def changed(report):
    return sum(host.get('changed', 0) for host in report['stats'].values())


# Actions the controller runs itself: no round trip to the host.
CONTROLLER_ACTIONS = frozenset(['ansible.builtin.%s' % name for name in (
    'assert', 'debug', 'fail', 'set_fact', 'meta', 'include_role', 'include_tasks', 'import_tasks',
    'validate_argument_spec', 'add_host', 'group_by', 'pause', 'include_vars')])


def _counted(result, action):
    """Whether a task's result on a host is a run of ``action`` (None: of any module on the host)."""
    name = result.get('action')
    if action:
        return name == action
    controller = name in CONTROLLER_ACTIONS or 'ansible.builtin.%s' % name in CONTROLLER_ACTIONS
    return not controller and not result.get('skipped')


def module_runs(report, action=None):
    """Module runs per host: of ``action``, or (None) of every task that ran on the host; a looped
    task counts one per item that ran, a skipped task or item none."""
    per_host = {}
    for play in report['plays']:
        for task in play['tasks']:
            for host, result in task['hosts'].items():
                if not _counted(result, action):
                    continue
                items = result.get('results')
                looped = isinstance(items, list) and any(
                    isinstance(item, dict) and 'ansible_loop_var' in item for item in items)
                runs = len([i for i in items if not i.get('skipped')]) if looped else 1
                per_host[host] = per_host.get(host, 0) + runs
    return per_host


def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0


def line(name, values, ping, extra=''):
    return '  %-14s %7.1f s  (%5.1f..%5.1f, n=%d)  %5.2fx ping%s' % (
        name, median(values), min(values), max(values), len(values), median(values) / ping, extra)


def bench_size(zones, args, roots, workdir):
    lab = Lab(args, zones, workdir)
    try:
        up = lab.up()
        plays = Plays(lab, args, roots, workdir)
        times = dict((key, []) for key in ('ping', 'converge', 'noop', 'noop@ref', 'reach', 'reach@ref'))
        runs = {}
        times['ping'].append(plays.run(plays.ping)[0])
        reach = []
        if args.reachability_only:
            # the lab as it comes up: data to data broken, which the role must prove
            reach = ['-e', 'reachability_expect=fail', '-e', 'reachability_strategy=%s' % args.strategy]
        else:
            elapsed, report = plays.run('multinic.routing.data_plane', plays.strategy())
            times['converge'].append(elapsed)
            first_changed = changed(report)
            runs['converge'] = module_runs(report)
        for index in range(args.repeat):
            times['ping'].append(plays.run(plays.ping)[0])
            if index < args.noop_repeat and not args.reachability_only:
                elapsed, report = plays.run('multinic.routing.data_plane', plays.strategy())
                if changed(report):
                    raise SystemExit('the no-op re-run of data_plane changed something: %s' % report['stats'])
                times['noop'].append(elapsed)
                runs['noop'] = module_runs(report)
                if 'ref' in roots:
                    # the collection at REF on the lab this one converged: the same state, so a no-op too
                    elapsed, report = plays.run('multinic.routing.data_plane', plays.strategy(), root=roots['ref'])
                    if changed(report):
                        raise SystemExit('the no-op re-run of data_plane at %s changed something: %s'
                                         % (args.baseline_ref, report['stats']))
                    times['noop@ref'].append(elapsed)
                    runs['noop@ref'] = module_runs(report)
            elapsed, report = plays.run('multinic.routing.reachability', reach)
            times['reach'].append(elapsed)
            runs['reach'] = module_runs(report, 'multinic.routing.route_lookup')
            if 'ref' in roots:
                elapsed, report = plays.run('multinic.routing.reachability', reach, root=roots['ref'])
                times['reach@ref'].append(elapsed)
                runs['reach@ref'] = module_runs(report, 'multinic.routing.route_lookup')
    finally:
        if not (args.keep and zones == args.sizes[-1]):
            lab.down()
    ping = median(times['ping'])
    print('%d workers (lab up %.0f s, flavour %s, connection %s, strategy %s, load %s)' % (
        zones, up, args.flavour, args.connection, args.strategy, ' '.join('%.2f' % x for x in os.getloadavg())))
    print(line('ping', times['ping'], ping))
    if times['converge']:
        print(line('converge', times['converge'], ping, '  %.2fx ping per worker, %d changed, module runs per host: %s' % (
            median(times['converge']) / ping / zones, first_changed, sorted(set(runs['converge'].values())))))
    for key, name in (('noop', 'no-op'), ('noop@ref', 'no-op@%s' % args.baseline_ref)):
        if times[key]:
            print(line(name[:14], times[key], ping, '  %.2fx ping per worker, module runs per host: %s' % (
                median(times[key]) / ping / zones, sorted(set(runs[key].values())))))
    if times['noop'] and times['noop@ref']:
        print('  no-op over no-op@%s: %.2fx' % (args.baseline_ref, median(times['noop']) / median(times['noop@ref'])))
    for key, name in (('reach', 'reachability'), ('reach@ref', 'reach@%s' % args.baseline_ref)):
        if times[key]:
            per_host = sorted(set(runs[key].values()))
            print(line(name[:14], times[key], ping, '  route_lookup runs per host: %s' % per_host))
    sys.stdout.flush()
    return dict((key, median(values)) for key, values in times.items() if values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--sizes', default='3,6,12', help='numbers of workers, comma-separated (2..15)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each repeated play per size')
    parser.add_argument('--noop-repeat', type=int, default=3,
                        help='runs of the no-op data_plane play per size (at most --repeat)')
    parser.add_argument('--prefix', default='mrb', help='lab prefix (podman names), unique on the host')
    parser.add_argument('--base', default='10.230', help='first two octets of the lab, unique on the host')
    parser.add_argument('--flavour', default='netplan', help='worker flavour (tools/lab/README.md)')
    parser.add_argument('--connection', default='ssh', choices=['ssh', 'podman'],
                        help='how Ansible reaches the workers (vpclab.py inventory --connection)')
    parser.add_argument('--strategy', default='source_routing', choices=['custom_routes', 'source_routing', 'netns'])
    parser.add_argument('--baseline-ref', help='also time the no-op data_plane and the reachability playbooks of the collection at this git ref')
    parser.add_argument('--reachability-only', action='store_true',
                        help='no data_plane plays: time the reachability role on the lab as it comes up '
                             '(data broken), with reachability_expect=fail')
    parser.add_argument('--keep', action='store_true', help='leave the last lab up')
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(',')]
    if os.geteuid() != 0:
        raise SystemExit('run as root (podman labs)')
    # stopped with SIGTERM: still tear the lab down and remove the work directory
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # the lab's podman settings, for vpclab.py and for the podman connection alike
    os.environ.setdefault('CONTAINERS_CONF', os.path.join(REPO, 'tools', 'lab', 'containers.conf'))
    workdir = tempfile.mkdtemp(prefix='multinic-fleet-')
    try:
        roots = {'here': collection_root(REPO, workdir, 'here'), 'site': installed_collections()}
        if args.baseline_ref:
            roots['ref'] = collection_root(tree_at(args.baseline_ref, workdir), workdir, 'ref')
        print('bench_fleet: %s, cpus %d, load %s' % (
            time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()), os.cpu_count(),
            ' '.join('%.2f' % x for x in os.getloadavg())))
        series = {}
        for zones in args.sizes:
            series[zones] = bench_size(zones, args, roots, workdir)
        print('reachability against N (median seconds; per worker; growth over the smallest N, N grew %s):'
              % ', '.join('%.1fx' % (n / float(args.sizes[0])) for n in args.sizes))
        for key in ('reach', 'reach@ref'):
            if all(key in series[n] for n in args.sizes):
                first = series[args.sizes[0]][key]
                print('  %-14s %s' % (key.replace('ref', args.baseline_ref or 'ref')[:14], '   '.join(
                    'N=%d %.1f s (%.2f s/worker, %.2fx)' % (n, series[n][key], series[n][key] / n, series[n][key] / first)
                    for n in args.sizes)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
