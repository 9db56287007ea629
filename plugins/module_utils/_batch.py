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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.routing.plugins.module_utils import _boot_apply
from ansible_collections.multinic.routing.plugins.module_utils import _boot_unit
from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils import _nm
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _routing_state
from ansible_collections.multinic.routing.plugins.module_utils import _rt_table
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils import _steps
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure
from ansible_collections.multinic.routing.plugins.module_utils._pyroute2 import require_pyroute2

# The modules a step can name: the ones that change something. routing_facts, route_lookup and
# rollback (whose arm must come before, and its confirm after, the changes) stay tasks of their own.
MODULES = {
    'boot_unit': _boot_unit,
    'link': _link,
    'netns': _netns,
    'networkd_dropin': _networkd,
    'nm_profile': _nm,
    'route': _route,
    'routing_state': _routing_state,
    'rt_table': _rt_table,
    'rule': _rule,
}
# Modules that run without pyroute2 (they write files only).
FILES_ONLY = frozenset(['rt_table'])
PREFIX = 'multinic.routing.'

SPEC = ArgumentSpec(dict(
    steps=dict(type='list', elements='dict', required=True, options=dict(
        module=dict(type='str', required=True),
        params=dict(type='dict', default={}),
    )),
))


def _check(name, params):
    """What each module's run() checks before any I/O."""
    c.check_netns_option(params)
    if name in _boot_apply.STEP_MODULES:    # netns, link, route, rule: the checks of a boot unit's steps
        _boot_unit.post_validate(name, params)
    elif name == 'rt_table':
        _rt_table.check_name(str(params['name']).strip())
        _rt_table.check_id(params.get('id'))
    elif name == 'routing_state':
        _routing_state.prepare(params)
    elif name == 'boot_unit':
        _boot_unit.validate(params)
    else:   # networkd_dropin, nm_profile
        MODULES[name].build(params)


def validate(params):
    """Every step  -> [{'module': short name, 'params': normalised params}]."""
    steps = []
    for index, step in enumerate(params['steps']):
        name = step['module']
        short = name[len(PREFIX):] if name.startswith(PREFIX) else name
        steps.append(_steps.validate_step(index, dict(step, module=short), MODULES, _check))
    return steps


class BatchStep(_boot_apply.StepModule):
    """What a module's ``run(module)`` uses of AnsibleModule, for one step: its own params,
    warnings collected; check mode, diff mode and the rest from the batch's module."""

    def __init__(self, module, params):
        super(BatchStep, self).__init__(params)
        self._module = module
        self.check_mode = module.check_mode
        self._diff = module._diff

    def run_command(self, *args, **kwargs):
        return self._module.run_command(*args, **kwargs)

    def get_bin_path(self, *args, **kwargs):
        return self._module.get_bin_path(*args, **kwargs)

    def set_default_selinux_context(self, *args, **kwargs):
        return self._module.set_default_selinux_context(*args, **kwargs)


def _label(index, name):
    return 'steps[%d] (%s%s)' % (index, PREFIX, name)


def run(module):
    steps = validate(module.params)
    if any(step['module'] not in FILES_ONLY for step in steps):
        require_pyroute2(module)
    results, warnings, differences, diffs = [], [], [], []
    for index, step in enumerate(steps):
        label = _label(index, step['module'])
        sub = BatchStep(module, step['params'])
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
