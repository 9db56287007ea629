# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.rollback module: validate, arm, confirm, roll back now.

PRIVATE: internal to multinic.routing, not a public API. The snapshot and the restore are in
_rollback (which runs on the node without Ansible when the timer fires).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
from ansible_collections.multinic.routing.plugins.module_utils import _rollback
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError

STATES = ['armed', 'confirmed', 'rolled_back']
TIMEOUT_MIN = 5
TIMEOUT_MAX = 3600
NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\Z')
SYSCTL_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:-]*\Z')

SPEC = ArgumentSpec(dict(
    name=dict(type='str', default='multinic-routing'),
    state=dict(type='str', default='armed', choices=STATES),
    timeout=dict(type='int', default=120),
    interfaces=dict(type='list', elements='str', default=[]),
    tables=dict(type='list', elements='str', default=[]),
    namespaces=dict(type='list', elements='str', default=[]),
    paths=dict(type='list', elements='str', default=[]),
    sysctls=dict(type='list', elements='str', default=[]),
    rules=dict(type='bool', default=True),
)).merge(_guard.guard_spec())


def validate(params):
    """The options checked and normalised  -> the snapshot's spec."""
    name = params['name']
    if not NAME_RE.match(name or ''):
        raise ValidationError('name=%r is not a valid rollback name (letters, digits, "_", "." and "-", '
                              'not starting with "." or "-", at most 100 characters)' % (name,))
    if not TIMEOUT_MIN <= params['timeout'] <= TIMEOUT_MAX:
        raise ValidationError('timeout=%r is out of range: %d..%d seconds'
                              % (params['timeout'], TIMEOUT_MIN, TIMEOUT_MAX))
    for index, value in enumerate(params['interfaces']):
        c.check_ifname(value, 'interfaces[%d]' % index)
    for index, value in enumerate(params['namespaces']):
        c.check_netns_name(value, 'namespaces[%d]' % index)
    tables = []
    for index, value in enumerate(params['tables']):
        try:
            number = int(str(value), 0)
        except ValueError:
            number = c.resolve_table(value, 'tables[%d]' % index)
        if not 1 <= number <= c.TABLE_MAX:
            raise ValidationError('tables[%d]=%r is out of range: tables are numbered 1..%d'
                                  % (index, value, c.TABLE_MAX))
        tables.append(number)
    for index, value in enumerate(params['paths']):
        if not value.startswith('/') or value.rstrip('/') in ('', '/proc', '/sys', '/dev') or '\0' in value:
            raise ValidationError('paths[%d]=%r is not an absolute path pattern of configuration files'
                                  % (index, value))
    for index, value in enumerate(params['sysctls']):
        if not SYSCTL_RE.match(value) or '..' in value:
            raise ValidationError('sysctls[%d]=%r is not a sysctl name such as net.ipv4.conf.ens4.rp_filter'
                                  % (index, value))
    return {'interfaces': list(params['interfaces']), 'tables': tables, 'namespaces': list(params['namespaces']),
            'paths': list(params['paths']), 'sysctls': list(params['sysctls']), 'rules': params['rules']}


def view(name, snap, reason=None):
    if snap is None:
        return {'name': name, 'armed': False, 'reason': reason}
    timer = snap.get('timer') or {}
    return {'name': name, 'armed': True, 'reason': reason, 'timeout': snap['timeout'],
            'armed_at': snap['armed_at'], 'deadline': (_keepalive.read(name) or (snap['deadline'],))[0],
            'mechanism': timer.get('kind'),
            'unit': timer.get('unit'), 'pid': timer.get('pid')}


def _previous(name, result):
    """A rollback of this name that fired since it was last looked at: reported, then forgotten."""
    fired = _rollback.load_fired(name)
    if fired is None:
        return None
    result['warnings'].append('the change armed under rollback %r at %s was not confirmed: it was rolled back at '
                              '%s %s' % (name, _stamp(fired['armed_at']), _stamp(fired['finished']),
                                         _rollback.what_restored(fired)))
    return fired


def _stamp(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def arm(module, spec, result):
    params = module.params
    name = params['name']
    guard = _guard.session(params)
    if module.check_mode:
        result['rollback'] = view(name, None, 'check mode: nothing is armed')
        result['guard'] = _guard.summary(guard)
        return result
    with _rollback.Lock():
        result['previous'] = _previous(name, result)
        if result['previous'] is not None:
            os.unlink(_rollback.fired_path(name))
        _rollback.install_library(_boot_unit.library_files(_rollback.__name__, _rollback.LIB_ROOT),
                                  _boot_unit.interpreter())
        snap = _rollback.load(name)
        if snap is None or snap['spec'] != spec:
            if snap is not None:
                result['warnings'].append('rollback %r was armed with another scope and not confirmed; '
                                          'it is armed again from the state now' % name)
            snap = _rollback.capture(spec)
            snap['spec'] = spec
            snap['guard'] = _guard.summary(_guard.arm_quietly(guard))
        else:
            result['warnings'].append('rollback %r was armed before and not confirmed yet; its snapshot '
                                      '(from %s) is kept and the timer armed again' % (name, _stamp(snap['armed_at'])))
        snap['timeout'] = params['timeout']
        snap = _rollback.arm(name, snap, params['timeout'], _boot_unit.interpreter())
    result['rollback'] = view(name, snap)
    result['guard'] = snap['guard']
    return result


NOTHING = 'nothing armed under this name'


def confirm(module, name, snap, result):
    if snap is None:
        fired = _rollback.load_fired(name)
        if fired is not None:
            raise ModuleFailure('rollback %r fired at %s, before this confirm: the change armed at %s was '
                                'undone %s' % (name, _stamp(fired['started']), _stamp(fired['armed_at']),
                                               _rollback.what_restored(fired)),
                                rollback=view(name, None, 'fired'), previous=fired)
        result['rollback'] = view(name, None, NOTHING)
        return result
    result['guard'] = snap.get('guard')
    moved = _rollback.guard_moved(snap)
    if moved is not None:
        if module.check_mode:
            raise ModuleFailure('the management path moved since rollback %r was armed (%s before, %s now); '
                                'a real run rolls back' % (name, _guard.describe(snap['guard']['path']), moved[1]))
        lines = []
        fired = _rollback.fire(name, lines.append)
        _rollback.disarm(name, snap)
        raise ModuleFailure('the management path moved since rollback %r was armed: packets from %s to %s left by '
                            '%s then and %s now; the change was rolled back at once %s'
                            % (name, snap['guard']['local'], snap['guard']['peer'],
                               _guard.describe(snap['guard']['path']), moved[1], _rollback.what_restored(fired)),
                            changed=True, rollback=view(name, None, 'rolled back'), log=lines)
    if not module.check_mode:
        _rollback.disarm(name, snap)
    result['rollback'] = dict(view(name, snap, 'confirmed'), armed=module.check_mode, confirmed=True)
    return result


def roll_back(module, name, snap, result):
    if snap is None:
        result['rollback'] = view(name, None, NOTHING)
        return result
    result['changed'] = True
    if module.check_mode:
        result['rollback'] = view(name, snap, 'check mode: a real run rolls back')
        return result
    lines = []
    result['restored'] = _rollback.fire(name, lines.append)
    result['log'] = lines
    _rollback.disarm(name, snap)
    result['rollback'] = view(name, None, 'rolled back')
    return result


def with_snapshot(action, module, result):
    """``action(module, name, snapshot or None, result)`` under the lock; nothing to lock (or
    to create, in check mode) when nothing was ever armed here."""
    name = module.params['name']
    if not os.path.isdir(_rollback.ROOT):
        return action(module, name, None, result)
    with _rollback.Lock():
        return action(module, name, _rollback.load(name), result)


def run(module):
    spec = validate(module.params)
    result = {'changed': False, 'warnings': []}
    state = module.params['state']
    try:
        if state == 'armed':
            return arm(module, spec, result)
        return with_snapshot(confirm if state == 'confirmed' else roll_back, module, result)
    finally:
        if not module.check_mode:
            _rollback.tidy()
