# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Commit-confirmed rollback: the snapshot, the restore, and the restorer's entry point.

PRIVATE: internal to multinic.routing, not a public API.

This file runs on the managed node WITHOUT Ansible when a rollback fires: the rollback module
copies it, with the module_utils it imports, to /run/multinic-routing/rollback/lib/ and arms a
transient systemd timer (or, without systemd, a detached process) that runs ``main()`` after the
timeout unless the change is confirmed first. Nothing here (or in what it imports) may import
``ansible`` at import time.

What a snapshot holds, and what restore() puts back, is exactly the scope the module was given:
- files: every path matching the ``paths`` patterns (directories with what is in them), as
  bytes, links or directories; paths matching afterwards that were not there are removed;
- links: where each of ``interfaces`` is (the host's namespace or a named one) and whether it
  is up; a NIC moved into a namespace is moved back with its addresses (and the other way);
- namespaces: each of ``namespaces`` exists or not;
- sysctls: the values of the ``sysctls`` names;
- routes: in the host's namespace, every route on one of ``interfaces`` (any table) or in one
  of ``tables``, except what the kernel derives from addresses (proto kernel, the local table)
  and router advertisements; routes there now that the snapshot does not hold are deleted;
- rules: every policy rule of the host's namespace (both families), when ``rules`` is true.
Before the kernel is put back, the network manager that runs is told to read the restored
files (networkd: reload; NetworkManager: reload + reapply), so it does not
re-add what the change had made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import fcntl
import functools
import glob
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _managers
from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2
from ansible_collections.multinic.routing.plugins.module_utils._boot_apply import StepModule
from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure, ModuleFailure, NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink
from ansible_collections.multinic.routing.plugins.module_utils._netns_files import netns_exists

ROOT = _keepalive.ROOT
LIB_ROOT = os.path.join(ROOT, 'lib')
RUNNER = os.path.join(ROOT, 'restore.py')
FORMAT = 1
UNIT_PREFIX = 'multinic-routing-rollback-'
FILE_MAX = 1 << 20
SETTLE_TIMEOUT = 30
LEAD = 5      # seconds the systemd timer starts the restorer before the deadline
NM_DIRS = ('/etc/NetworkManager/', '/run/NetworkManager/', '/etc/multinic-routing/nm')
NETWORKD_DIRS = ('/etc/systemd/network/', '/run/systemd/network/', '/usr/lib/systemd/network/', '/lib/systemd/network/')
LOCK_TIMEOUT = 60
PROTO_KERNEL = 2
PROTO_RA = 9
TABLE_LOCAL = 255
RUNNER_TEXT = '''#!%(python)s
# Managed by multinic.routing.rollback: restores what a change touched unless it is confirmed.
import sys
sys.path.insert(0, %(lib)r)
from ansible_collections.multinic.routing.plugins.module_utils import _rollback
sys.exit(_rollback.main())
'''


def _step(module_utils, **params):
    """Run a module's logic (the code the module itself runs) with these options."""
    full = module_utils.SPEC.defaults()
    full.update(params)
    return module_utils.run(StepModule(full))


def snapshot_dir(name):
    return os.path.join(ROOT, name)


def snapshot_path(name):
    return os.path.join(snapshot_dir(name), 'snapshot.json')


def fired_path(name):
    return os.path.join(ROOT, name + '.fired.json')


def unit_name(name):
    return UNIT_PREFIX + name


# --------------------------------------------------------------------------- capture

def _file_entry(path):
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return {'kind': 'link', 'target': os.readlink(path)}
    if stat.S_ISDIR(info.st_mode):
        return {'kind': 'dir', 'mode': stat.S_IMODE(info.st_mode)}
    if not stat.S_ISREG(info.st_mode):
        return None
    if info.st_size > FILE_MAX:
        raise FileFailure('%s is bigger than %d bytes; the rollback keeps only configuration files'
                          % (path, FILE_MAX))
    with open(path, 'rb') as handle:
        data = handle.read()
    return {'kind': 'file', 'mode': stat.S_IMODE(info.st_mode), 'data': base64.b64encode(data).decode('ascii')}


def capture_files(patterns):
    """{path: entry} of every path matching the patterns, directories walked."""
    found = {}
    for pattern in patterns:
        for top in sorted(glob.glob(pattern)):
            paths = [top]
            if os.path.isdir(top) and not os.path.islink(top):
                for base, dirs, files in os.walk(top):
                    paths.extend(os.path.join(base, n) for n in sorted(dirs) + sorted(files))
            for path in paths:
                try:
                    entry = _file_entry(path)
                except (IOError, OSError) as exc:
                    if exc.errno == errno.ENOENT:
                        continue
                    raise FileFailure('reading %s for the rollback failed: %s' % (path, os.strerror(exc.errno)))
                if entry is not None:
                    found[path] = entry
    return found


def in_scope(route, interfaces, tables):
    """Whether the rollback keeps this route: on one of ``interfaces`` or in one of ``tables``
    (every table: None), never what the kernel derives from addresses or router advertisements."""
    if route['table'] == TABLE_LOCAL or route['proto'] in (PROTO_KERNEL, PROTO_RA):
        return False
    if tables is None:
        return True
    devs = [route.get('dev')] + [h.get('dev') for h in route.get('nexthops') or []]
    return route['table'] in tables or any(d in interfaces for d in devs if d)


def _link_place(name, namespaces):
    """(namespace or None, link) of the interface, looked for in the host, then the namespaces."""
    for netns in [None] + [n for n in namespaces if netns_exists(n)]:
        with Netlink(netns) as nl:
            link = nl.link_by_name(name)
        if link is not None:
            return netns, link
    return None, None


def capture_kernel(spec):
    interfaces, tables = spec['interfaces'], spec['tables']
    links = {}
    for name in interfaces:
        netns, link = _link_place(name, spec['namespaces'])
        links[name] = None if link is None else {'netns': netns, 'up': bool(link['up'])}
    with Netlink() as nl:
        routes = [r for r in nl.routes() if in_scope(r, interfaces, tables)]
        rules = nl.rules() if spec['rules'] else []
    namespaces = dict((n, netns_exists(n)) for n in spec['namespaces'])
    return {'links': links, 'routes': routes, 'rules': rules, 'namespaces': namespaces,
            'netns_routes': dict((n, netns_routes(n)) for n, there in namespaces.items() if there)}


def netns_routes(name):
    """The routes of a named namespace, without the kernel's own (what a strategy sets in it)."""
    with Netlink(name) as nl:
        return [r for r in nl.routes() if in_scope(r, [], None)]


def capture_sysctls(names):
    values = {}
    for name in names:
        path = sysctl_path(name)
        try:
            with open(path) as handle:
                values[name] = handle.read().strip()
        except (IOError, OSError):
            values[name] = None
    return values


def sysctl_path(name):
    return os.path.join('/proc/sys', name.replace('.', '/'))


def capture(spec):
    """The snapshot of everything ``spec`` names, as JSON-ready data."""
    snap = {'format': FORMAT, 'files': capture_files(spec['paths']),
            'sysctls': capture_sysctls(spec['sysctls'])}
    snap.update(capture_kernel(spec))
    return snap


# --------------------------------------------------------------------------- restore

def _key(entry):
    """A route's or a rule's identity for comparing a snapshot with the kernel: all of it."""
    return json.dumps(entry, sort_keys=True)


def restore_files(snap, patterns, log):
    """Put every file back; remove what matches now and was not there. -> changed paths."""
    before = snap['files']
    now = capture_files(patterns)
    changed = []
    # what was there: directories first (shallow to deep), then files and links
    for path in sorted(before, key=lambda p: (before[p]['kind'] != 'dir', p.count('/'), p)):
        entry, current = before[path], now.get(path)
        if current == entry:
            continue
        if entry['kind'] == 'dir':
            if current is None or current['kind'] != 'dir':
                _remove_any(path)
                os.makedirs(path, entry['mode'])
            os.chmod(path, entry['mode'])
        elif entry['kind'] == 'link':
            _remove_any(path)
            _files.make_dirs(os.path.dirname(path))
            os.symlink(entry['target'], path)
        else:
            if current is not None and current['kind'] == 'dir':
                _remove_any(path)
            _files.write_atomically(path, base64.b64decode(entry['data']), entry['mode'])
        changed.append(path)
    # what is new: deepest first, so directories are empty when their turn comes
    for path in sorted((p for p in now if p not in before), key=lambda p: -p.count('/')):
        _remove_any(path)
        changed.append(path)
    for path in changed:
        log('file %s put back' % path if path in before else 'file %s removed' % path)
    return changed


def _remove_any(path):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise FileFailure('removing %s failed: %s' % (path, os.strerror(exc.errno)))


def restore_links(snap, namespaces, log):
    """Move each interface back where it was; namespaces back to existing or not. -> moved."""
    moved = []
    for name, was in sorted(snap['links'].items()):
        if was is None:
            continue
        netns, link = _link_place(name, namespaces)
        if link is None:
            log('link %s is nowhere to be found; left' % name)
            continue
        if netns != was['netns']:
            if was['netns'] and not netns_exists(was['netns']):
                _step(_netns, name=was['netns'], state='present')
            result = _step(_link, name=name, netns=was['netns'], source_netns=netns,
                           state='up' if was['up'] else 'down', networkd_handover=was['netns'] is None)
            moved.append(name)
            log('link %s moved back from %s to %s, %s' % (
                name, 'namespace %r' % netns if netns else "the host's namespace",
                'namespace %r' % was['netns'] if was['netns'] else "the host's namespace",
                'handed to systemd-networkd (%s)' % result['networkd'] if result.get('networkd') in ('configured', 'configuring')
                else 'with its addresses'))
            for warning in result.get('warnings') or ():
                log(warning)
    for name, existed in sorted(snap['namespaces'].items()):
        if netns_exists(name) and not existed:
            result = _step(_netns, name=name, state='absent')
            log('namespace %s deleted%s' % (name, ' (moved back: %s)' % ', '.join(result['moved_back'])
                                            if result.get('moved_back') else ''))
        elif existed and not netns_exists(name):
            _step(_netns, name=name, state='present')
            log('namespace %s made again' % name)
    return moved


def restore_sysctls(snap, log):
    changed = []
    for name, value in sorted(snap['sysctls'].items()):
        if value is None:
            continue
        path = sysctl_path(name)
        try:
            with open(path) as handle:
                if handle.read().strip() == value:
                    continue
            with open(path, 'w') as handle:
                handle.write(value + '\n')
        except (IOError, OSError) as exc:
            log('sysctl %s could not be put back to %s: %s' % (name, value, exc))
            continue
        changed.append(name)
        log('sysctl %s = %s again' % (name, value))
    return changed


def _command(argv, log):
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.communicate()[0].decode('utf-8', 'replace').strip()
    except OSError as exc:
        log('%s: %s' % (' '.join(argv), exc))
        return False
    if proc.returncode != 0:
        log('%s failed (rc %d): %s' % (' '.join(argv), proc.returncode, out))
    return proc.returncode == 0


def _binary(name):
    for directory in ('/usr/bin', '/bin', '/usr/sbin', '/sbin'):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return None


def _networkd_settled(names):
    """Every link of ``names`` that networkd manages is done configuring."""
    with Netlink() as nl:
        indexes = [nl.index_of(n) for n in names]
    return not any(_networkd.link_state(i) in ('pending', 'initialized', 'configuring')
                   for i in indexes if i is not None)


def _wait_networkd(names, clock, sleep):
    sleep(0.5)
    deadline = clock() + SETTLE_TIMEOUT
    while clock() < deadline and not _networkd_settled(names):
        sleep(0.2)


def reapply_managers(interfaces, files_changed, moved, log, clock=time.time, sleep=time.sleep):
    """The network manager that runs reads the restored files and configures again the links
    that moved back. Links whose files did not change are not reconfigured (a reconfigure drops
    and renews the DHCP lease - of the management NIC too). systemd-networkd took the links that
    moved back already (the link module's handover: no addresses carried, networkd configures
    them from scratch), so it only reloads changed files."""
    if not (files_changed or moved):
        return
    daemons = _managers.running_daemons()
    with Netlink() as nl:
        moved = [n for n in moved if nl.index_of(n) is not None]
    networkd_files = [p for p in files_changed if p.startswith(NETWORKD_DIRS)]
    if daemons.get(_managers.NETWORKD) and _binary('networkctl') and networkd_files:
        # reload: networkd reconfigures the links whose .network files (drop-ins) changed
        _command([_binary('networkctl'), 'reload'], log)
        _wait_networkd(interfaces, clock, sleep)
        log('systemd-networkd reloaded')
    nm_files = [p for p in files_changed if p.startswith(NM_DIRS)]
    if daemons.get(_managers.NETWORKMANAGER) and _binary('nmcli') and (nm_files or moved):
        nmcli = _binary('nmcli')
        _command([nmcli, 'general', 'reload', 'conf'], log)
        _command([nmcli, 'connection', 'reload'], log)
        with Netlink() as nl:
            here = [n for n in interfaces if nl.index_of(n) is not None]
        for name in here:
            _command([nmcli, 'device', 'connect' if name in moved else 'reapply', name], log)
        log('NetworkManager reloaded and reapplied %s' % (', '.join(here) or 'nothing'))


def _restore_routes(nl, wanted, interfaces, tables, log):
    """The routes in scope of one namespace as ``wanted``. -> (added, deleted)."""
    added = deleted = 0
    where = ' in namespace %s' % nl.netns if nl.netns else ''
    want = dict((_key(r), r) for r in wanted)
    now = dict((_key(r), r) for r in nl.routes() if in_scope(r, interfaces, tables))
    for key, route in now.items():
        if key not in want:
            _try(functools.partial(nl.delete_route, route),
                 'deleting route %s table %s%s' % (route['dest'], route['table'], where), log)
            deleted += 1
    for key, route in want.items():
        if key not in now:
            _try(functools.partial(nl.replace_route, route),
                 'adding route %s table %s%s' % (route['dest'], route['table'], where), log)
            added += 1
    return added, deleted


def reload_units(files_changed, log):
    """systemd reads its unit files again when the restore changed one (a boot unit)."""
    if any('/systemd/system/' in p for p in files_changed) and _managers.init_is_systemd() and _binary('systemctl'):
        _command([_binary('systemctl'), 'daemon-reload'], log)
        log('systemd reloaded its units')


def restore_kernel(snap, spec, log):
    """Routes in scope and rules as in the snapshot (the routes of the namespaces that existed
    before too). -> (added, deleted) counts."""
    added = deleted = 0
    for name, routes in sorted((snap.get('netns_routes') or {}).items()):
        if netns_exists(name):
            with Netlink(name) as nl:
                a, d = _restore_routes(nl, routes, [], None, log)
            added, deleted = added + a, deleted + d
    with Netlink() as nl:
        a, d = _restore_routes(nl, snap['routes'], spec['interfaces'], spec['tables'], log)
        added, deleted = added + a, deleted + d
        if spec['rules']:
            want = dict((_key(r), r) for r in snap['rules'])
            now = dict((_key(r), r) for r in nl.rules())
            for key, rule in now.items():
                if key not in want:
                    _try(functools.partial(nl.delete_rule, rule), 'deleting rule priority %s' % rule['priority'], log)
                    deleted += 1
            for key, rule in want.items():
                if key not in now:
                    _try(functools.partial(nl.add_rule, rule), 'adding rule priority %s' % rule['priority'], log)
                    added += 1
    return added, deleted


def _try(action, what, log):
    try:
        action()
        log(what)
    except NetlinkFailure as exc:
        if exc.code not in (errno.ESRCH, errno.EEXIST, errno.ENOENT):
            log('%s failed: %s' % (what, exc.msg))


def _phase(what, action, default, errors, log):
    """One phase of the restore; a failure is logged and the next phases still run."""
    try:
        return action()
    except ModuleFailure as exc:
        message = exc.msg
    except Exception as exc:  # a bug or an odd host must not stop the other phases
        message = '%s: %s' % (type(exc).__name__, exc)
    errors.append('%s: %s' % (what, message))
    log('FAILED putting back %s: %s' % (what, message))
    return default


def restore(snap, log):
    """Everything of the snapshot back as it was, phase by phase. -> a summary dict."""
    spec = snap['spec']
    started = time.time()
    errors = []
    files = _phase('files', lambda: restore_files(snap, spec['paths'], log), [], errors, log)
    moved = _phase('links and namespaces', lambda: restore_links(snap, spec['namespaces'], log), [], errors, log)
    sysctls = _phase('sysctls', lambda: restore_sysctls(snap, log), [], errors, log)
    _phase('the network manager', lambda: reapply_managers(spec['interfaces'], files, moved, log), None,
           errors, log)
    added, deleted = _phase('routes and rules', lambda: restore_kernel(snap, spec, log), (0, 0), errors, log)
    # last: systemd reading unit files again takes seconds on a busy host, and the network does
    # not wait for it
    _phase('systemd units', lambda: reload_units(files, log), None, errors, log)
    return {'files': files, 'links_moved': moved, 'sysctls': sysctls, 'routes_rules_added': added,
            'routes_rules_deleted': deleted, 'errors': errors, 'started': started, 'finished': time.time()}


# --------------------------------------------------------------------------- arm / disarm

class Lock(object):
    """flock on the rollback's directory: the restorer and confirm never run at once."""

    def __init__(self, timeout=LOCK_TIMEOUT):
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        _files.make_dirs(ROOT, 0o700)
        self.fd = os.open(os.path.join(ROOT, '.lock'), os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.time() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except (IOError, OSError) as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.time() > deadline:
                    os.close(self.fd)
                    raise FileFailure('the rollback lock %s/.lock is held by another process' % ROOT)
                time.sleep(0.1)

    def __exit__(self, *exc_info):
        os.close(self.fd)
        return False


def load(name):
    try:
        with open(snapshot_path(name)) as handle:
            snap = json.load(handle)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise FileFailure('reading %s failed: %s' % (snapshot_path(name), os.strerror(exc.errno)))
    except ValueError as exc:
        raise FileFailure('%s is not valid JSON: %s' % (snapshot_path(name), exc))
    if not isinstance(snap, dict) or snap.get('format') != FORMAT:
        raise FileFailure('%s is not a rollback snapshot of this version of multinic.routing' % snapshot_path(name))
    return snap


def load_fired(name):
    try:
        with open(fired_path(name)) as handle:
            return json.load(handle)
    except (IOError, OSError, ValueError):
        return None


def systemd_run():
    if _managers.init_is_systemd():
        return _binary('systemd-run')
    return None


def disarm(name, snap):
    """Stop the timer or the waiting process; remove the snapshot."""
    timer = snap.get('timer') or {}
    if timer.get('kind') == 'systemd':
        disarm_units(timer['unit'])
    elif timer.get('kind') == 'process' and timer.get('pid'):
        try:
            os.kill(timer['pid'], signal.SIGTERM)
        except OSError:
            pass
    shutil.rmtree(snapshot_dir(name), ignore_errors=True)


def tidy():
    """/run/multinic-routing/rollback goes (library, runner, lock) when nothing is armed or
    reported in it any more; its parent too when that is empty."""
    try:
        if [e for e in os.listdir(ROOT) if e not in ('lib', 'restore.py', '.lock')]:
            return
    except OSError:
        return
    shutil.rmtree(ROOT, ignore_errors=True)
    try:
        os.rmdir(os.path.dirname(ROOT))
    except OSError:
        pass


def install_library(files, python):
    """The restorer's library (module_utils copies) and its runner script."""
    for path, data in files.items():
        target = os.path.join(LIB_ROOT, path)
        try:
            with open(target, 'rb') as handle:
                if handle.read() == data:
                    continue
        except (IOError, OSError):
            pass
        _files.write_atomically(target, data, 0o644)
    _files.write_atomically(RUNNER, RUNNER_TEXT % {'python': python, 'lib': LIB_ROOT}, 0o700)


def arm(name, snap, timeout, python):
    """Write the snapshot and start what restores it after ``timeout`` seconds."""
    snap['armed_at'] = time.time()
    # to the millisecond: the timer starts the restorer LEAD seconds early (a whole second, the
    # calendar's resolution, rounded down) and the restorer waits for the deadline itself
    snap['deadline'] = round(snap['armed_at'] + timeout, 3)
    snap['name'] = name
    runner = systemd_run()
    if runner:
        unit = unit_name(name)
        disarm_units(unit)
        snap['timer'] = {'kind': 'systemd', 'unit': unit}
        _write_snapshot(name, snap)
        _keepalive.write(name, snap['deadline'], timeout)
        argv = [runner, '--unit', unit, '--description', 'multinic.routing rollback %s' % name,
                # an absolute time: a daemon-reload (boot units are installed in the window)
                # starts an --on-active timer's count again
                # LEAD seconds early: the restorer loads its Python and pyroute2 (seconds on a busy
                # host), then waits for the deadline itself
                '--on-calendar', time.strftime('%Y-%m-%d %H:%M:%S UTC',
                                               time.gmtime(snap['deadline'] - min(LEAD, timeout - 1))),
                '--timer-property', 'AccuracySec=100ms', '--property', 'Type=oneshot',
                '--property', 'TimeoutStartSec=infinity', '--collect', python, RUNNER, 'restore', name]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.communicate()[0].decode('utf-8', 'replace').strip()
        if proc.returncode != 0:
            shutil.rmtree(snapshot_dir(name), ignore_errors=True)
            raise ModuleFailure('systemd-run could not arm the rollback timer (rc %d): %s' % (proc.returncode, out))
    else:
        previous = snap.get('timer') or {}
        if previous.get('kind') == 'process' and previous.get('pid'):
            try:    # armed again: the process that waited for the earlier deadline goes
                os.kill(previous['pid'], signal.SIGTERM)
            except OSError:
                pass
        snap['timer'] = {'kind': 'process', 'pid': None}
        _write_snapshot(name, snap)
        _keepalive.write(name, snap['deadline'], timeout)
        log = open(os.path.join(snapshot_dir(name), 'restore.log'), 'ab')
        try:
            proc = subprocess.Popen([python, RUNNER, 'wait', name], stdin=open(os.devnull, 'rb'),
                                    stdout=log, stderr=subprocess.STDOUT, close_fds=True,
                                    start_new_session=True, cwd='/')
        finally:
            log.close()
        snap['timer']['pid'] = proc.pid
        _write_snapshot(name, snap)
    return snap


def disarm_units(unit):
    for suffix in ('.timer', '.service'):
        _command([_binary('systemctl'), 'stop', unit + suffix], lambda line: None)
        _command([_binary('systemctl'), 'reset-failed', unit + suffix], lambda line: None)


def _write_snapshot(name, snap):
    _files.make_dirs(snapshot_dir(name), 0o700)
    _files.write_atomically(snapshot_path(name), json.dumps(snap, sort_keys=True), 0o600)


def fire(name, log, expect_armed_at=None):
    """Restore the snapshot now (the timer's work, or a confirm whose guard failed)."""
    snap = load(name)
    if snap is None or (expect_armed_at is not None and snap['armed_at'] != expect_armed_at):
        log('%s: nothing armed (confirmed in the meantime)' % name)
        return None
    log('%s: no word from the controller for %d s and no confirm; restoring what the change touched'
        % (name, snap['timeout']))
    # the deadline it fires at: a module of the collection running meanwhile (a play still
    # alive, slower than the timeout) moves the file, which must not make the record say later
    deadline = (_keepalive.read(name) or (snap['deadline'],))[0]
    summary = restore(snap, lambda line: log('%s: %s' % (name, line)))
    summary['armed_at'] = snap['armed_at']
    summary['deadline'] = deadline
    summary['guard'] = snap.get('guard')
    shutil.rmtree(snapshot_dir(name), ignore_errors=True)
    _files.write_atomically(fired_path(name), json.dumps(summary, sort_keys=True), 0o644)
    log('%s: restored in %.1f s %s' % (name, summary['finished'] - summary['started'], what_restored(summary)))
    return summary


def what_restored(fired):
    """'(3 files, 1 links moved back, 2 routes and rules added, 0 deleted)', and what failed."""
    text = '(%d files, %d links moved back, %d routes and rules added, %d deleted)' % (
        len(fired['files']), len(fired['links_moved']), fired['routes_rules_added'], fired['routes_rules_deleted'])
    if fired.get('errors'):
        text += '; NOT put back - %s' % '; '.join(fired['errors'])
    return text


def _log(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def main(argv=None, log=_log):
    """``restore.py restore NAME`` (the timer) or ``restore.py wait NAME`` (no systemd)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) != 2 or argv[0] not in ('restore', 'wait'):
        sys.stderr.write('usage: restore.py restore|wait NAME\n')
        return 2
    name = argv[1]
    # 'wait' (a detached process started at arm time) and 'restore' (the systemd timer, LEAD
    # seconds early) both wait for the deadline of the snapshot they found, here, with every
    # import done; a confirm in the meantime removes the snapshot (fire() then does nothing)
    try:
        snap = load(name)
        if snap is None:
            return 0
        armed_at = snap['armed_at']
        # imported now, not after the deadline: the reads need no pyroute2, the restore's writes
        # do (its import is seconds on a busy host); without it they fail one by one, logged
        _pyroute2.load()
        # the deadline moves while the controller's modules keep running (_keepalive)
        while True:
            found = _keepalive.read(name)
            if found is None or time.time() >= found[0]:
                break
            time.sleep(min(0.1, max(0.0, found[0] - time.time())))
        with Lock():
            summary = fire(name, log, armed_at)
    except ModuleFailure as exc:
        log('%s: FAILED: %s' % (name, exc.msg))
        return 1
    return 1 if summary and summary['errors'] else 0


def guard_moved(snap):
    """None when the management path recorded at arm time still holds, else (after, how)."""
    state = snap.get('guard')
    if not state or not state.get('active'):
        return None
    return _guard.settled(state)
