# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.batch module: several of the collection's modules in one run.

PRIVATE: internal to multinic.routing, not a public API.

Every step is validated first - its module's argument spec and the module's own checks, the
same code as the module (_steps) - so bad input anywhere fails the task before anything is
read or written. Then the steps run in order through their modules' ``run(module)``, with
``BatchStep`` standing in for AnsibleModule (the task's check and diff mode, the real module's
run_command); the first that fails stops the batch and the task fails naming it, with the
results of the steps before it.

A rollback arm may be steps[0]: the steps after it run in check mode first, and only when one of
them would change something (or fails there, or a rollback of that name is armed already) is
the rollback armed and are they run for real. A run with nothing to change arms nothing, so it
needs no confirm: one round trip.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.multinic.routing.plugins.module_utils import _batch_plan
from ansible_collections.multinic.routing.plugins.module_utils import _boot_apply
from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _local_fact
from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _rollback
from ansible_collections.multinic.routing.plugins.module_utils import _rollback_run
from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils import _nm
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _routing_state
from ansible_collections.multinic.routing.plugins.module_utils import _rt_table
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils import _steps
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError
from ansible_collections.multinic.routing.plugins.module_utils._pyroute2 import require_pyroute2

# The modules a step can name: the ones that change something, and a rollback's arm as steps[0].
# routing_facts, route_lookup and a rollback's confirm (after the changes, from the controller)
# stay tasks of their own.
MODULES = {
    'boot_unit': _boot_unit,
    'link': _link,
    'local_fact': _local_fact,
    'netns': _netns,
    'networkd_dropin': _networkd,
    'rollback': _rollback_run,
    'nm_profile': _nm,
    'route': _route,
    'routing_state': _routing_state,
    'rt_table': _rt_table,
    'rule': _rule,
}
# Modules that run without pyroute2 (they write files only).
FILES_ONLY = frozenset(['local_fact', 'rt_table'])
PREFIX = 'multinic.routing.'

SPEC = ArgumentSpec(dict(
    steps=dict(type='list', elements='dict', options=dict(
        module=dict(type='str', required=True),
        params=dict(type='dict', default={}),
    )),
    plan=dict(type='dict', options=_batch_plan.OPTIONS),
), required_one_of=[('steps', 'plan')])


def _check(name, params):
    """What each module's run() checks before any I/O."""
    c.check_netns_option(params)
    if name in _boot_apply.STEP_MODULES:    # netns, link, route, rule: the checks of a boot unit's steps
        _boot_unit.post_validate(name, params)
    elif name == 'rt_table':
        _rt_table.check_name(str(params['name']).strip())
        _rt_table.check_id(params.get('id'))
    elif name == 'local_fact':
        _local_fact.check(params)
    elif name == 'routing_state':
        _routing_state.prepare(params)
    elif name == 'boot_unit':
        _boot_unit.validate(params)
    elif name == 'rollback':
        if params['state'] != 'armed':
            raise ValidationError('state=%r: a rollback step can only arm (state=armed); its confirm comes after '
                                  'the changes, as a task of its own' % (params['state'],))
        _rollback_run.validate(params)
    else:   # networkd_dropin, nm_profile
        MODULES[name].build(params)


def validate(params):
    """Every step  -> [{'module': short name, 'params': normalised params}]."""
    steps = []
    for index, step in enumerate(params.get('steps') or []):
        name = step['module']
        short = name[len(PREFIX):] if name.startswith(PREFIX) else name
        if short == 'rollback' and index != 0:
            raise ValidationError('steps[%d].module=%r: a rollback can only be steps[0] - it arms before the '
                                  'changes of the steps after it' % (index, name))
        steps.append(_steps.validate_step(index, dict(step, module=short), MODULES, _check))
    return steps


class BatchStep(_boot_apply.StepModule):
    """What a module's ``run(module)`` uses of AnsibleModule, for one step: its own params,
    warnings collected; check mode, diff mode and the rest from the batch's module."""

    def __init__(self, module, params, check_mode=None):
        super(BatchStep, self).__init__(params)
        self._module = module
        self.check_mode = module.check_mode if check_mode is None else check_mode
        self._diff = module._diff

    def run_command(self, *args, **kwargs):
        return self._module.run_command(*args, **kwargs)

    def get_bin_path(self, *args, **kwargs):
        return self._module.get_bin_path(*args, **kwargs)

    def set_default_selinux_context(self, *args, **kwargs):
        return self._module.set_default_selinux_context(*args, **kwargs)


def _label(index, name):
    return 'steps[%d] (%s%s)' % (index, PREFIX, name)


def _run(module, steps, first=0, check_mode=None):
    """steps (the batch's from index ``first`` on) in order  -> the batch's result."""
    results, warnings, differences, diffs = [], [], [], []
    for index, step in enumerate(steps, first):
        label = _label(index, step['module'])
        sub = BatchStep(module, step['params'], check_mode)
        try:
            result = MODULES[step['module']].run(sub)
        except ModuleFailure as exc:
            failed = dict({'changed': False}, **exc.result)
            failed.update(module=PREFIX + step['module'], failed=True, msg=exc.msg)
            raise ModuleFailure('%s failed: %s' % (label, exc.msg), code=exc.code, failed_step=index,
                                changed=any(r.get('changed') for r in results), results=results + [failed],
                                warnings=warnings)
        warnings.extend('%s: %s' % (label, w) for w in sub.warnings + list(result.pop('warnings', None) or []))
        diff = result.pop('diff', None)
        if diff:
            diffs.extend(diff if isinstance(diff, list) else [diff])
        if result.get('changed'):
            differences.extend('steps[%d].%s' % (index, d) for d in result.get('differences') or ['changed'])
        results.append(dict(result, module=PREFIX + step['module']))
    out = {'changed': any(r.get('changed') for r in results), 'differences': differences, 'results': results}
    if warnings:
        out['warnings'] = warnings
    if module._diff:
        out['diff'] = diffs
    return out


NOTHING_TO_CHANGE = 'nothing to change: the steps after it found everything as wanted'


def _arm_needed(module, steps):
    """With a rollback as steps[0] (not in check mode): the steps after it, in check mode.
    -> (True, None) when the rollback must be armed and they must run for real; (False, their
    result) when none would change anything."""
    if os.path.exists(_rollback.snapshot_path(steps[0]['params']['name'])):
        return True, None   # armed before and not confirmed: armed again, so that the confirm after this comes
    try:
        dry = _run(module, steps[1:], 1, check_mode=True)
    except ModuleFailure:
        return True, None   # the real run reports it, armed
    return dry['changed'], dry


def run(module):
    planned, keys = [], {}
    if module.params.get('plan'):
        validate(module.params)    # the given steps, before anything is read
        planned, keys = _batch_plan.prepare(module.params['plan'])
        if planned is None:
            return keys     # nothing to run (keys is the result)
    steps = validate(dict(module.params, steps=list(module.params.get('steps') or []) + planned))
    netlink = any(step['module'] not in FILES_ONLY for step in steps)
    arm = bool(steps) and steps[0]['module'] == 'rollback'
    if not arm or module.check_mode:
        if netlink:
            require_pyroute2(module)
        out = _run(module, steps)
    else:
        # the check pass only reads (the codec's own decoder): pyroute2 is loaded, and checked,
        # only when the steps are to run for real
        needed, dry = _arm_needed(module, steps)
        if needed:
            if netlink:
                require_pyroute2(module)
            out = _run(module, steps)
        else:
            skipped = {'changed': False, 'module': PREFIX + 'rollback',
                       'rollback': _rollback_run.view(steps[0]['params']['name'], None, NOTHING_TO_CHANGE)}
            out = dict(dry, results=[skipped] + dry['results'])
    if arm:
        out['rollback'] = out['results'][0]['rollback']
    out.update(keys)
    return out
