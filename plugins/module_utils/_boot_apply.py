# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The boot-time applier of multinic.routing.boot_unit state files.

PRIVATE: internal to multinic.routing, not a public API.

This file runs on the managed node at boot WITHOUT Ansible: the boot_unit module copies it,
with the module_utils it imports, to /usr/local/lib/multinic-routing/ and installs
/usr/local/sbin/multinic-routing-apply, which calls ``main()``. Each step of a state file goes
through the ``run(module)`` of the module_utils of the module it names (_netns, _link, _route,
_rule) - the code the modules themselves run - with ``StepModule`` standing in for
AnsibleModule. Nothing here (or in what it imports) may import ``ansible`` at import time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys
import time

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, NetlinkFailure
from ansible_collections.multinic.routing.plugins.module_utils._netlink import Netlink
from ansible_collections.multinic.routing.plugins.module_utils._netns_files import netns_exists
from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2

STATE_DIR = '/etc/multinic-routing'
STATE_FORMAT = 1
NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*\Z')
NAME_MAX = 200
# The modules a step can name, and the module_utils that hold their argument spec and run().
STEP_MODULES = {'netns': _netns, 'link': _link, 'route': _route, 'rule': _rule}
POLL_INTERVAL = 0.5
USAGE = ('usage: multinic-routing-apply NAME | --all\n'
         '  applies /etc/multinic-routing/NAME.json (or every state file there), the state '
         'multinic.routing.boot_unit wrote\n')


class StateError(ModuleFailure):
    """A state file that cannot be read or is not one boot_unit wrote."""


class StepModule(object):
    """What the modules' ``run(module)`` functions use of AnsibleModule, and nothing more."""

    def __init__(self, params):
        self.params = params
        self.check_mode = False
        self._diff = False
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def check_name(name, option='name'):
    """A state name: letters, digits, "_", "." and "-", not starting with "." or "-"."""
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > NAME_MAX:
        raise c.ValidationError('%s=%r is not a valid boot unit name (letters, digits, "_", "." '
                                'and "-", not starting with "." or "-", at most %d characters)'
                                % (option, name, NAME_MAX))
    return name


def state_path(name):
    return os.path.join(STATE_DIR, name + '.json')


def state_names(directory=STATE_DIR):
    """Names of every state file, sorted."""
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    return sorted(n[:-len('.json')] for n in entries
                  if n.endswith('.json') and NAME_RE.match(n[:-len('.json')]))


def load(path):
    """The state file as a dict, checked for the shape boot_unit writes."""
    try:
        with open(path) as handle:
            state = json.load(handle)
    except (IOError, OSError) as exc:
        raise StateError('cannot read %s: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))
    except ValueError as exc:
        raise StateError('%s is not valid JSON: %s' % (path, exc))
    if not isinstance(state, dict) or state.get('format') != STATE_FORMAT:
        raise StateError('%s is not a state file of this version of multinic.routing (format %r, '
                         'expected %d)' % (path, state.get('format') if isinstance(state, dict) else None,
                                           STATE_FORMAT))
    if not isinstance(state.get('steps'), list):
        raise StateError('%s has no list of steps' % path)
    return state


def describe_step(step):
    """'link ens4 (netns data)' - what a log line names."""
    if not isinstance(step, dict) or not isinstance(step.get('params'), dict):
        return repr(step)
    module, params = step.get('module'), step['params']
    if module == 'route':
        what = str(params.get('dest'))
        if params.get('table') not in (None, 'main', '254'):
            what += ' table %s' % params['table']
    elif module == 'rule':
        what = 'priority %s' % params.get('priority')
    else:
        what = str(params.get('name'))
    extra = []
    if params.get('netns'):
        extra.append('netns %s' % params['netns'])
    if params.get('state') not in (None, 'present'):
        extra.append('state %s' % params['state'])
    return '%s %s%s' % (module, what, ' (%s)' % ', '.join(extra) if extra else '')


def outcome(result):
    if not result.get('changed'):
        return 'unchanged'
    differences = result.get('differences')
    return 'changed (%s)' % ', '.join(differences) if differences else 'changed'


def run_step(step):
    """Run one step through its module's run()  -> (result, warnings)."""
    if not isinstance(step, dict) or step.get('module') not in STEP_MODULES:
        raise StateError('unknown step module %r (one of %s)' % (
            step.get('module') if isinstance(step, dict) else step, ', '.join(sorted(STEP_MODULES))))
    params = step.get('params')
    if not isinstance(params, dict):
        raise StateError('the params of a step must be a mapping, not %r' % (params,))
    c.check_netns_option(params)      # what _common.run_module checks
    module = StepModule(dict(params))
    result = STEP_MODULES[step['module']].run(module)
    return result, module.warnings + list(result.pop('warnings', None) or [])


def link_places(steps):
    """Where a link may be: the host's namespace, then every namespace the steps name."""
    places = [None]
    for step in steps:
        params = step.get('params') if isinstance(step, dict) else None
        if not isinstance(params, dict):
            continue
        names = [params.get('netns'), params.get('source_netns')]
        if step.get('module') == 'netns':
            names.append(params.get('name'))
        for name in names:
            if name and name not in places:
                places.append(name)
    return places


def link_found(name, places):
    """True when an interface of that name is in the host's namespace or in one of ``places``
    (so a rerun after the NIC was moved into its namespace does not wait)."""
    for netns in places:
        if netns is not None and not netns_exists(netns):
            continue
        try:
            with Netlink(netns) as nl:
                if nl.index_of(name) is not None:
                    return True
        except NetlinkFailure:
            continue
    return False


def wait_for_links(names, timeout, places, log, found=link_found, clock=time.time, sleep=time.sleep):
    """Poll until every link in ``names`` exists or ``timeout`` seconds passed  -> the missing."""
    missing = [n for n in names if not found(n, places)]
    if not missing:
        return []
    start = clock()
    log('waiting up to %d s for %s' % (timeout, ', '.join(missing)))
    while missing and clock() - start < timeout:
        sleep(POLL_INTERVAL)
        missing = [n for n in missing if not found(n, places)]
    if missing:
        log('still missing after %d s: %s; applying anyway' % (timeout, ', '.join(missing)))
    else:
        log('all links there after %.1f s' % (clock() - start))
    return missing


def apply_state(name, log):
    """Apply one state file; every step is tried  -> (steps failed, steps in all)."""
    path = state_path(name)
    try:
        state = load(path)
    except StateError as exc:
        log('%s: FAILED: %s' % (name, exc.msg))
        return 1, 1
    steps = state['steps']
    wait_for_links(state.get('wait_for_links') or [], state.get('wait_timeout', 60),
                   link_places(steps), lambda msg: log('%s: %s' % (name, msg)))
    failed = 0
    for number, step in enumerate(steps, 1):
        label = '%s: step %d/%d %s' % (name, number, len(steps), describe_step(step))
        try:
            result, warnings = run_step(step)
        except ModuleFailure as exc:
            failed += 1
            log('%s: FAILED: %s' % (label, exc.msg))
            continue
        except Exception as exc:  # a bug or a hand-edited file must not stop the other steps
            failed += 1
            log('%s: FAILED: %s: %s' % (label, type(exc).__name__, exc))
            continue
        for warning in warnings:
            log('%s: warning: %s' % (label, warning))
        log('%s: %s' % (label, outcome(result)))
    return failed, len(steps)


def _log(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def main(argv=None, log=_log):
    """``multinic-routing-apply NAME`` or ``--all``  -> exit status (0: every step applied)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in (['-h'], ['--help']):
        sys.stdout.write(USAGE)
        return 0
    if len(argv) != 1:
        sys.stderr.write(USAGE)
        return 2
    if argv[0] == '--all':
        names = state_names()
        if not names:
            log('no state files in %s' % STATE_DIR)
    else:
        try:
            names = [check_name(argv[0], 'NAME')]
        except c.ValidationError as exc:
            sys.stderr.write('%s\n%s' % (exc.msg, USAGE))
            return 2
    if not _pyroute2.load():
        last = (_pyroute2.PYROUTE2_IMPORT_ERROR or '').strip().splitlines()[-1:]
        log('FAILED: pyroute2 >= %s is not importable by %s (%s)'
            % ('.'.join(map(str, _pyroute2.MIN_PYROUTE2)), sys.executable, ''.join(last)))
        return 1
    found = _pyroute2.pyroute2_version()
    if found is not None and found < _pyroute2.MIN_PYROUTE2:
        log('FAILED: pyroute2 >= %s is required, %s has %s' % (
            '.'.join(map(str, _pyroute2.MIN_PYROUTE2)), sys.executable, '.'.join(map(str, found))))
        return 1
    failed = total = 0
    for name in names:
        bad, count = apply_state(name, log)
        failed += bad
        total += count
    if names:
        log('%s: %d of %d steps failed' % (', '.join(names), failed, total) if failed
            else '%s: all %d steps applied' % (', '.join(names), total))
    return 1 if failed else 0
