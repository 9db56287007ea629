#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kill trials of the commit-confirmed rollback (multinic.routing.rollback via data_plane), in the lab.

Run as root from the repository root, with the venv hack/test makes (.venv):

    .venv/bin/python tests/lab/rollback_trials.py                 # 21 trials, 3 strategies
    .venv/bin/python tests/lab/rollback_trials.py --trials 3 --timeout 30
    .venv/bin/python tests/lab/rollback_trials.py --labs 3       # a lab per strategy, side by side

It brings up a lab of --zones workers (tools/lab/vpclab.py, real hosts of --flavour: systemd,
networkd from netplan, DHCP) and reaches them over SSH on their control addresses; with --labs K,
K such labs side by side, each with its share of the strategies and trials (a kill hits only its
own lab's play). Each trial:

  1. reads every worker's state with `ip -j` (routes of every table, rules, addresses of the
     NICs, namespaces and the NIC's place, the configuration files the strategies write) -
     independently of the collection, through `podman exec`;
  2. runs data_plane with the trial's strategy (custom_routes, source_routing, netns in turn),
     the rollback armed with --timeout and the confirm left to the play, followed by a task
     that waits; when that task starts (the change is written, the confirm not run), the whole
     ansible-playbook process group is killed with SIGKILL;
  3. checks that the change did change every worker, then polls until each worker's state is
     the state of step 1 again, and records when, against the rollback's deadline.

A trial holds when every worker is back within timeout + 5 s of the kill (the deadline is the
last module run of the collection on the worker + the timeout, so it is at most timeout s after
the kill); how long after its deadline each came back is printed too. Then, once:
a confirmed change stays after its deadline (and nothing is left armed); a second run reports
changed=0 and leaves nothing armed (custom_routes and source_routing arm nothing at all: their
batch arms only when something is to change; netns arms and confirms); a check-mode run arms
nothing. Printed: every
trial, and "trials N, held H, worst recovery X s after the deadline". Exit 1 unless all held and
every check passed. No traffic leaves the machine: the lab's networks are podman --internal.
"""

from __future__ import absolute_import, division, print_function

import argparse
import concurrent.futures
import copy
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'benchmarks'))
import bench_fleet as fleet  # noqa: E402  (the lab and collection helpers of the fleet benchmark)

NAME = 'data-plane'
SNAPSHOT = '/run/multinic-routing/rollback/%s/snapshot.json' % NAME
FIRED = '/run/multinic-routing/rollback/%s.fired.json' % NAME
DEADLINE = '/run/multinic-routing/rollback/%s/deadline' % NAME
FILES = ('/etc/systemd/network', '/etc/netplan', '/etc/NetworkManager', '/etc/multinic-routing', '/etc/systemd/system',
         '/etc/iproute2', '/etc/sysctl.d', '/etc/netns', '/etc/ansible', '/usr/local/lib/multinic-routing', '/usr/local/sbin')
MARK = '@@multinic-trial-read-end'
# The worker's state, read by one python3 in the worker: routes of every table, rules, addresses,
# namespaces and what is in them, rp_filter, the files the strategies write (md5 or link
# target). `loop UNTIL NAMES`: read over and over until UNTIL (seconds since the epoch), each
# read followed by MARK and the time it ended - no process start per read but the `ip`s; while
# the namespaces are not NAMES (comma-separated), none is entered.
READER = r'''
import glob, hashlib, os, subprocess, sys, time
FILES = %r
MARK = %r

def ip(*args):
    return subprocess.run(('ip',) + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True, check=False).stdout.strip()

def files():
    found = []
    for top in FILES:
        for root, dirs, names in os.walk(top):
            found += [os.path.join(root, n) for n in names]
            found += [os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d))]
    out = []
    for path in sorted(found):
        if os.path.islink(path):
            out.append('%%s -> %%s' %% (path, os.readlink(path)))
        elif os.path.isfile(path):
            with open(path, 'rb') as handle:
                out.append('%%s %%s' %% (path, hashlib.md5(handle.read()).hexdigest()))
    return out

def read(expected=None):
    out = []
    for family in ('-4', '-6'):
        out += [ip(family, '-j', 'route', 'show', 'table', 'all'), ip(family, '-j', 'rule', 'show')]
    out.append(ip('-j', 'addr', 'show'))
    names = sorted(os.listdir('/run/netns')) if os.path.isdir('/run/netns') else []
    if expected is not None and names != expected:
        # not the state looked for, whatever is inside: no `ip -n` into a namespace the restorer
        # is about to delete (a process in it makes it busy, and the restorer keeps it)
        return '\n'.join(out + ['netns ' + n for n in names]) + '\n'
    for name in names:
        out += ['netns ' + name, ip('-n', name, '-j', 'addr', 'show'), ip('-n', name, '-j', 'route', 'show', 'table', 'all')]
    # rp_filter, where the lab lets it be written (podman mounts /proc/sys read-only unless --sysctl)
    if os.access('/proc/sys/net/ipv4/conf/all/rp_filter', os.W_OK):
        out.append(' '.join(open(p).read().strip() for p in sorted(glob.glob('/proc/sys/net/ipv4/conf/*/rp_filter'))))
    return '\n'.join(out + files()) + '\n'

if sys.argv[1:2] == ['loop']:
    until, expected = float(sys.argv[2]), [n for n in sys.argv[3].split(',') if n]
    while time.time() < until:
        sys.stdout.write(read(expected) + '%%s %%.3f\n' %% (MARK, time.time()))
        sys.stdout.flush()
        time.sleep(0.05)
else:
    sys.stdout.write(read())
''' % (FILES, MARK)
PLAY = '''---
- name: Rollback trial - the change, armed and not confirmed
  hosts: workers
  gather_facts: false
  tasks:
    - name: The strategy
      ansible.builtin.include_role:
        name: multinic.routing.data_plane
      vars:
        data_plane_strategy: "{{ strategy }}"
        data_plane_state: "{{ trial_state | default('present') }}"
        data_plane_subnets: "{{ groups.workers | map('extract', hostvars, 'data_subnet') | list }}"
        data_plane_rollback_timeout: "{{ timeout }}"
        data_plane_rollback_confirm: "{{ confirm | default(false) | bool }}"

    - name: Wait to be killed
      ansible.builtin.pause:
        seconds: 600
      when: not (confirm | default(false) | bool)
'''
MARGIN = 10    # seconds a kill must come before the deadline for the trial to count
ADDRESS_DROP = ('valid_life_time', 'preferred_life_time', 'dynamic', 'noprefixroute', 'stable-privacy')


def podman(worker, script):
    proc = subprocess.run(['podman', 'exec', worker, 'sh', '-c', script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout


def normalise(text):
    """The state text without what changes by itself (route expiry, address lifetimes, link
    statistics and flags that a DHCP renewal or a link bounce touch)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('[') or line.startswith('{'):
            try:
                data = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            out.append(json.dumps(_clean(data), sort_keys=True))
        else:
            out.append(line)
    return '\n'.join(out)


def _clean(value):
    if isinstance(value, list):
        cleaned = [_clean(v) for v in value]
        return sorted(cleaned, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        if 'ifname' in value and 'addr_info' in value:
            return {'ifname': value['ifname'],
                    'addresses': sorted('%s/%s' % (a['local'], a['prefixlen']) for a in value['addr_info']),
                    'up': 'UP' in value.get('flags', [])}
        return dict((k, _clean(v)) for k, v in value.items() if k not in ADDRESS_DROP + ('expires',))
    return value


def read_state(worker, *args):
    return ['podman', 'exec', worker, 'python3', '-c', READER] + list(args)


def state(worker):
    proc = subprocess.run(read_state(worker), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    rc, out = proc.returncode, proc.stdout
    if rc != 0:
        raise SystemExit('reading the state of %s failed (%d)' % (worker, rc))
    return normalise(out)


def wait_until(predicate, seconds):
    deadline = time.time() + seconds
    while not predicate():
        if time.time() > deadline:
            return False
        time.sleep(0.5)
    return True


def back_at(worker, wanted, until):
    """When the worker's state is ``wanted`` again: the end of the first read that equals it,
    reading in a loop in the worker (a podman exec per read costs 0.3 s on a quiet machine, a
    shell read a process per file: seconds beside other labs' restores); None when no read did
    by ``until`` (seconds since the epoch)."""
    namespaces = ','.join(line.split(' ', 1)[1] for line in wanted.splitlines() if line.startswith('netns '))
    proc = subprocess.Popen(read_state(worker, 'loop', '%.3f' % until, namespaces), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True)
    lines = []
    try:
        for line in proc.stdout:
            if not line.startswith(MARK):
                lines.append(line)
                continue
            if normalise(''.join(lines)) == wanted:
                return float(line.split()[1])
            if time.time() > until:
                return None
            lines = []
        return None
    finally:
        # the reads in the worker do not end with the podman exec that started them
        proc.terminate()
        proc.wait()
        subprocess.run(['podman', 'exec', worker, 'pkill', '-f', 'multinic-trial-read-end'],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def fired_record(worker):
    """The rollback's record of firing (started, finished, errors, ...), None before it fired."""
    rc, out = podman(worker, 'cat %s' % FIRED)
    return json.loads(out) if rc == 0 else None


def snapshot_times(worker):
    """(armed_at, deadline, fired) of the rollback armed in this trial: from its snapshot and its
    deadline file (the deadline moves with every module run of the collection: the last word
    from the controller + the timeout; fired None), or from its record once it fired (each arm
    removes the record of an earlier one; fired: when the restorer started)."""
    rc, out = podman(worker, 'cat %s && echo && cat %s' % (SNAPSHOT, DEADLINE))
    if rc == 0:
        lines = out.splitlines()
        return json.loads(lines[0])['armed_at'], float(lines[-1].split()[0]), None
    data = fired_record(worker)
    return None if data is None else (data['armed_at'], data['deadline'], data['started'])


def first_difference(a, b):
    """The first line that differs; for a JSON list (routes, rules, links), only the entries
    that differ."""
    for x, y in zip(a.splitlines(), b.splitlines()):
        if x != y:
            try:
                xs, ys = json.loads(x), json.loads(y)
            except ValueError:
                xs = ys = None
            if isinstance(xs, list) and isinstance(ys, list):
                return 'only before: %s\n   only now:    %s' % (
                    json.dumps([i for i in xs if i not in ys])[:1500], json.dumps([i for i in ys if i not in xs])[:1500])
            return 'was %s\n   now %s' % (x[:300], y[:300])
    return 'a line more or less'


def restorer_view(worker):
    """What the rollback's record says it could not put back (or that it has not fired)."""
    try:
        data = fired_record(worker)
    except ValueError as exc:
        return 'an unreadable record: %s' % exc
    if data is None:
        return 'no record of firing'
    return '; '.join(data.get('errors') or []) or 'no errors recorded'


def networkd_view(worker):
    """What networkd says of the links and its last lines (for a worker not back)."""
    return podman(worker, 'networkctl list --no-legend 2>&1; ip -4 -o addr show 2>&1; '
                          'journalctl -u systemd-networkd -n 25 --no-pager 2>&1')[1]


class Trials(object):
    def __init__(self, args, workdir, tag=''):
        self.args = args
        self.tag = tag
        self.lab = fleet.Lab(args, args.zones, workdir)
        self.workers = ['%s-worker%d' % (args.prefix, i) for i in range(1, args.zones + 1)]
        self.play = os.path.join(workdir, 'trial.yml')
        with open(self.play, 'w') as out:
            out.write(PLAY)
        roots = {'here': fleet.collection_root(REPO, workdir, 'here'), 'site': fleet.installed_collections()}
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(p for p in roots.values() if p),
                        ANSIBLE_FORKS=str(max(5, args.zones)), ANSIBLE_HOST_KEY_CHECKING='false',
                        ANSIBLE_RETRY_FILES_ENABLED='false', ANSIBLE_NOCOLOR='1', PYTHONUNBUFFERED='1',
                        PATH=fleet.BIN + os.pathsep + os.environ.get('PATH', ''))
        self.failures = []
        self.worst_after_kill = 0.0
        self.baseline = None

    def playbook(self, strategy, extra=()):
        return [os.path.join(fleet.BIN, 'ansible-playbook'), '-i', self.lab.inventory, self.play,
                '-e', 'strategy=%s' % strategy, '-e', 'timeout=%d' % self.args.timeout] + list(extra)

    def run(self, strategy, extra=()):
        proc = subprocess.run(self.playbook(strategy, extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, env=self.env, check=False)
        return proc.returncode, proc.stdout

    def states(self):
        return dict((w, state(w)) for w in self.workers)

    def clean(self, strategy):
        """The strategy removed without a rollback of its own, and the lab as it was at the start
        again; False (and a failure) when it is not."""
        rc, out = self.run(strategy, ['-e', 'confirm=true', '-e', 'trial_state=absent',
                                      '-e', 'data_plane_rollback=false'])
        now = self.states()
        if rc == 0 and now == self.baseline:
            return True
        first = ([w for w in self.workers if now.get(w) != self.baseline.get(w)] or self.workers)[0]
        self.fail('the lab is not back to its state at the start after removing %s (rc %d); first difference on %s:\n'
                  '   %s\n%s' % (strategy, rc, first, first_difference(self.baseline[first], now[first]), out[-2000:]))
        return False

    def say(self, text):
        print('%s%s' % (self.tag, text))

    def fail(self, what):
        self.failures.append(what)
        self.say('  FAILED: %s' % what)

    def trial(self, number, strategy):
        before = self.states()
        if before != self.baseline:
            self.fail('trial %d (%s): the lab is not in its state at the start; not run' % (number, strategy))
            return None
        proc = subprocess.Popen(self.playbook(strategy, ['-e', 'confirm=false']), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True, env=self.env,
                                start_new_session=True)
        killed_at, output = None, []
        for line in proc.stdout:
            output.append(line)
            if line.startswith('TASK [Wait to be killed]'):
                os.killpg(proc.pid, signal.SIGKILL)
                killed_at = time.time()
                break
        proc.wait()
        if killed_at is None:
            self.fail('trial %d (%s): the play ended (rc %s) before the change was written:\n%s'
                      % (number, strategy, proc.returncode, ''.join(output[-40:])))
            return None
        times = dict((w, snapshot_times(w)) for w in self.workers)
        if any(times[w] is None for w in self.workers):
            self.fail('trial %d (%s): no rollback armed on %s' % (
                number, strategy, ', '.join(w for w in self.workers if times[w] is None)))
            return None
        # a rollback that had fired before the kill: the play went on writing after it
        fired_before = [w for w in self.workers if times[w][2] is not None and times[w][2] < killed_at]
        if fired_before:
            self.say('trial %2d %-15s the rollback fired in the middle of the play on %s (a stretch without a '
                     'module of the collection longer than the %d s window): not counted, run again'
                     % (number, strategy, ', '.join(fired_before), self.args.timeout))
            self.clean(strategy)
            return 'late'
        if killed_at > min(t[1] for t in times.values()) - MARGIN:
            # the play outlasted the timeout, or nearly (a loaded machine): the rollback fired in
            # the middle of the play, which went on writing, or would fire before the change is
            # read back - not the case this trial is for. Not counted; the strategy is removed and
            # the trial run again with a longer window.
            self.say('trial %2d %-15s the play took about the %d s window (killed %.1f s before the deadline, '
                     'less than %d s): not counted, run again' % (
                         number, strategy, self.args.timeout, min(t[1] for t in times.values()) - killed_at, MARGIN))
            self.clean(strategy)
            return 'late'
        after_kill = self.states()
        for w in self.workers:
            if after_kill[w] == before[w]:
                self.fail('trial %d (%s): the change changed nothing on %s (the trial proves nothing)'
                          % (number, strategy, w))
        # Nothing comes back before the deadline: wait for it, then read every worker over and
        # over, in the worker itself (no podman exec per read); a worker is back at the END of
        # the first read that equals its state before (an upper bound: it was back by then).
        time.sleep(max(0.0, min(t[1] for t in times.values()) - 0.5 - time.time()))
        last = max(t[1] for t in times.values()) + self.args.grace + 25
        with concurrent.futures.ThreadPoolExecutor(len(self.workers)) as pool:
            found = list(pool.map(lambda w: back_at(w, before[w], last), self.workers))
        back = dict((w, at) for w, at in zip(self.workers, found) if at is not None)
        worst, ran = None, []
        for w in self.workers:
            deadline = times[w][1]
            if w in back:
                self.worst_after_kill = max(self.worst_after_kill, back[w] - killed_at)
            if w not in back:
                self.fail('trial %d (%s): %s not back to its state before the change %.0f s after its deadline; '
                          'first difference:\n   %s\n   the restorer: %s\n   networkd:\n%s'
                          % (number, strategy, w, time.time() - deadline, first_difference(before[w], state(w)),
                             restorer_view(w), networkd_view(w)))
                continue
            late = back[w] - deadline
            worst = late if worst is None else max(worst, late)
            if back[w] - killed_at > self.args.timeout + self.args.grace:
                self.fail('trial %d (%s): %s back %.1f s after the kill, more than the timeout (%d s) + %d s'
                          % (number, strategy, w, back[w] - killed_at, self.args.timeout, self.args.grace))
            # the restorer writes its record last (after systemd reloaded its units)
            fired = []
            if not wait_until(lambda w=w: fired.append(fired_record(w)) or fired[-1] is not None, 20):
                self.fail('trial %d (%s): %s is back but the rollback did not record firing' % (number, strategy, w))
            else:
                ran.append('%s %+.1f..%+.1f s' % (w.split('-')[-1], fired[-1]['started'] - deadline,
                                                  fired[-1]['finished'] - deadline))
        self.say('trial %2d %-15s killed %4.1f s before the deadline; back after the deadline %s; after the kill %s; '
                 'the restorer ran %s' % (
                     number, strategy, max(t[1] for t in times.values()) - killed_at,
                     ', '.join('%s %+.1f s' % (w.split('-')[-1], back[w] - times[w][1]) if w in back else '%s never' % w
                               for w in self.workers),
                     ', '.join('%.1f s' % (back[w] - killed_at) for w in self.workers if w in back),
                     ', '.join(ran) or 'unrecorded'))
        return worst

    def confirmed(self, strategy):
        """A confirmed change stays past its deadline; a rerun changes nothing; check mode arms nothing."""
        before = self.states()
        rc, out = self.run(strategy, ['-e', 'confirm=true'])
        if rc != 0:
            self.fail('confirmed run (%s) failed:\n%s' % (strategy, out[-3000:]))
            return
        applied = self.states()
        time.sleep(self.args.timeout + self.args.grace)
        now = self.states()
        for w in self.workers:
            if applied[w] == before[w]:
                self.fail('confirmed run (%s): nothing changed on %s' % (strategy, w))
            if now[w] != applied[w]:
                self.fail('confirmed run (%s): %s changed after the deadline passed:\n   %s'
                          % (strategy, w, first_difference(applied[w], now[w])))
            if podman(w, 'test -e /run/multinic-routing')[0] == 0:
                self.fail('confirmed run (%s): /run/multinic-routing is left on %s' % (strategy, w))
        self.say('confirmed %-15s stays %d s after the deadline on every worker; nothing left armed'
                 % (strategy, self.args.grace))
        rc, out = self.run(strategy, ['-e', 'confirm=true'])
        recap = re.findall(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', out, re.M)
        if rc != 0 or not recap or any(int(count) for host, count in recap):
            self.fail('second run (%s): rc %d, recap %s:\n%s' % (strategy, rc, recap, out[-3000:]))
        elif strategy == 'netns' and ('Rollback - arm' not in out or 'Rollback - confirm' not in out):
            self.fail('second run (%s): the arm and confirm tasks did not run' % strategy)
        elif [w for w in self.workers if podman(w, 'test -e /run/multinic-routing')[0] == 0]:
            self.fail('second run (%s): something is left armed on %s' % (
                strategy, ', '.join(w for w in self.workers if podman(w, 'test -e /run/multinic-routing')[0] == 0)))
        else:
            # custom_routes and source_routing arm in their batch only when something is to change
            self.say('second run %-14s changed=0 on every worker, %s; nothing left armed' % (
                strategy, 'armed and confirmed' if strategy == 'netns' else 'nothing to change, so nothing armed'))
        rc, out = self.run(strategy, ['-e', 'confirm=true', '-e', 'trial_state=absent'])
        if rc != 0:
            self.fail('absent run (%s) failed:\n%s' % (strategy, out[-3000:]))
        baseline = self.states()
        rc, out = self.run(strategy, ['-e', 'confirm=true', '--check'])
        if rc != 0:
            self.fail('check-mode run (%s) failed:\n%s' % (strategy, out[-3000:]))
        for w in self.workers:
            if podman(w, 'test -e /run/multinic-routing || systemctl list-units --all --no-legend '
                         '"multinic-routing-rollback-*" | grep -q .')[0] == 0:
                self.fail('check mode (%s) armed something on %s' % (strategy, w))
            if state(w) != baseline[w]:
                self.fail('check mode (%s) changed %s' % (strategy, w))
        self.say('check mode %-14s armed nothing and changed nothing' % strategy)


def run_lab(args, workdir, strategies, count, tag, confirm):
    """count trials on a lab of its own, strategies in turn; the confirm checks too when asked."""
    trials = Trials(args, workdir, tag)
    result = {'counted': 0, 'held': 0, 'worst': None, 'trials': trials}
    try:
        trials.lab.up()
        trials.baseline = trials.states()
        number = 0
        while result['counted'] < count and number < count + 8:
            number += 1
            strategy = strategies[result['counted'] % len(strategies)]
            failed = len(trials.failures)
            late = trials.trial(number, strategy)
            if trials.states() != trials.baseline and not trials.clean(strategy):
                break
            if late == 'late':
                # a loaded machine: the next trials get a longer window
                args.timeout = int(args.timeout * 1.5)
                trials.say('         timeout now %d s' % args.timeout)
                continue
            result['counted'] += 1
            if late is not None and len(trials.failures) == failed:
                result['held'] += 1
            if late is not None:
                result['worst'] = late if result['worst'] is None else max(result['worst'], late)
        if result['counted'] < count:
            trials.fail('only %d trials of %d could be counted' % (result['counted'], count))
        if confirm:
            trials.confirmed(confirm)
    except Exception as exc:  # a lab that cannot come up (or a harness error) fails its share, not the others
        trials.fail('%s: %s' % (type(exc).__name__, exc))
    finally:
        if not args.keep:
            trials.lab.down()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--trials', type=int, default=21)
    parser.add_argument('--timeout', type=int, default=30, help='data_plane_rollback_timeout of the trials')
    parser.add_argument('--grace', type=int, default=5, help='seconds after the deadline a worker may take')
    parser.add_argument('--strategies', default='custom_routes,source_routing,netns')
    parser.add_argument('--labs', type=int, default=1,
                        help='labs side by side, the strategies and trials shared out between them '
                             '(prefix PREFIX1.., base 10.X, 10.X+1, ..); each kill hits only its own lab')
    parser.add_argument('--zones', type=int, default=2)
    parser.add_argument('--prefix', default='mrr')
    parser.add_argument('--base', default='10.232')
    parser.add_argument('--flavour', default='netplan')
    parser.add_argument('--keep', action='store_true', help='leave the lab up')
    args = parser.parse_args()
    args.connection = 'ssh'
    sys.stdout.reconfigure(line_buffering=True)
    strategies = args.strategies.split(',')
    if not 1 <= args.labs <= args.trials:
        parser.error('--labs %d: give 1 to --trials (%d)' % (args.labs, args.trials))
    first, second = args.base.split('.')
    workdir = tempfile.mkdtemp(prefix='rollback-trials-')
    jobs = []
    for i in range(args.labs):
        lab_args = copy.copy(args)
        if args.labs > 1:
            lab_args.prefix = '%s%d' % (args.prefix, i + 1)
            lab_args.base = '%s.%d' % (first, int(second) + i)
        share = [strategies[j % len(strategies)] for j in range(i, max(len(strategies), args.labs), args.labs)]
        count = args.trials // args.labs + (1 if i < args.trials % args.labs else 0)
        lab_dir = os.path.join(workdir, 'lab%d' % (i + 1))
        os.makedirs(lab_dir)
        tag = '[%s] ' % lab_args.prefix if args.labs > 1 else ''
        jobs.append((lab_args, share, count, tag, lab_dir))
    confirm_lab = next((i for i, job in enumerate(jobs) if 'source_routing' in job[1]), 0)
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(run_lab, lab_args, lab_dir, share, count, tag,
                               ('source_routing' if 'source_routing' in share else share[0]) if i == confirm_lab else None)
                   for i, (lab_args, share, count, tag, lab_dir) in enumerate(jobs)]
        results = [f.result() for f in futures]
    counted = sum(r['counted'] for r in results)
    held = sum(r['held'] for r in results)
    worsts = [r['worst'] for r in results if r['worst'] is not None]
    failures = [f for r in results for f in r['trials'].failures]
    print('trials %d, held %d, worst recovery %s after the deadline, %.1f s after the kill '
          '(timeout %s s, allowed: timeout + %d s after the kill)'
          % (counted, held, '%+.1f s' % max(worsts) if worsts else 'none',
             max(r['trials'].worst_after_kill for r in results),
             '/'.join(sorted(set(str(job[0].timeout) for job in jobs))), args.grace))
    print('%d failures in %.0f s' % (len(failures), time.time() - start))
    # whole, last: what a CI log shows when it keeps only its end
    for failure in failures:
        print('  FAILED: %s' % failure[:4000])
    return 1 if failures or counted < args.trials else 0


if __name__ == '__main__':
    sys.exit(main())
