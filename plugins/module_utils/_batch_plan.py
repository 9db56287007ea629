# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""multinic.routing.batch's plan option: a strategy role's state worked out on the host.

PRIVATE: internal to multinic.routing, not a public API.

The batch reads what the role's plan needs of the host - routing_facts' subsets and the role's
files, with the same code as multinic.routing.routing_facts - works the plan out with the same
code as the filters multinic.routing.<role>_plan, and runs its steps after the ones given. One
module run reads, decides and applies: a re-run with nothing to change is one round trip.

With a record (multinic.routing.data_plane's, local_fact params), it is read in the same run:
another strategy recorded fails the task before anything is written; state=absent with none
recorded runs nothing (there is nothing of the role's to remove); otherwise the record is the
last step, with how the state is kept (the plan's ``kept``) in its content.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.multinic.routing.plugins.module_utils import _facts
from ansible_collections.multinic.routing.plugins.module_utils import _local_fact
from ansible_collections.multinic.routing.plugins.module_utils import _plan_common
from ansible_collections.multinic.routing.plugins.module_utils import _plan_custom_routes
from ansible_collections.multinic.routing.plugins.module_utils import _plan_source_routing
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError

PLANS = {'custom_routes': _plan_custom_routes, 'source_routing': _plan_source_routing}

OPTIONS = dict(
    role=dict(type='str', required=True, choices=sorted(PLANS)),
    settings=dict(type='dict', required=True),
    record=dict(type='dict'),
)


def record_path(record):
    """The record's file, its options checked as multinic.routing.local_fact checks them (before
    anything is read)."""
    result = _local_fact.SPEC.validate(dict(record))
    if result.error_messages:
        raise ValidationError('plan.record: %s' % '; '.join(str(m) for m in result.error_messages))
    try:
        return _local_fact.check(result.validated_parameters)[0]
    except ValidationError as exc:
        raise ValidationError('plan.record: %s' % exc.msg)


def _recorded(path, text):
    """The strategy a record's text names ('' for no record)."""
    if not text:
        return ''
    try:
        strategy = json.loads(text).get('strategy') or ''
    except (ValueError, AttributeError):
        raise ModuleFailure('plan.record: %s is not the JSON object the record is written as; remove it or put '
                            'it right before running again' % path)
    return strategy if isinstance(strategy, str) else str(strategy)


def read(role, settings, record):
    """What the plan reads of the host  -> (routing_facts' multinic_routing, the record's path or None)."""
    missing = [key for key in role.SETTINGS if key not in settings]
    if missing:
        raise ValidationError('plan.settings lack %s' % ', '.join(missing))
    patterns = list(role.files(settings))
    path = record_path(record) if record else None
    if path:
        patterns.append(path)
    facts = _facts.gather([(_facts.HOST, None)], None, set(role.SUBSET))
    facts['files'] = _facts.read_files(_facts.check_files(patterns))
    return facts, path


def prepare(params):
    """The plan option  -> (the steps to run after the given ones, the result's plan keys, or a
    whole result when there is nothing to run)."""
    name, settings, record = params['role'], params['settings'], params.get('record') or None
    role = PLANS[name]
    facts, path = read(role, settings, record)
    keys = {}
    if path:
        recorded = _recorded(path, _plan_common.file_text(path, facts['files']))
        keys['recorded'] = recorded
        host = settings.get('host')
        if recorded and recorded != name:
            raise ValidationError('%s has the %s strategy applied (%s), not %s. Remove it first - run with '
                                  'data_plane_strategy=%s data_plane_state=absent - then apply %s.'
                                  % (host, recorded, path, name, recorded, name))
        if not recorded and record.get('state') == 'absent':
            return None, dict(keys, changed=False, results=[], differences=[], nothing_to_remove=True,
                              msg='%s: no strategy is recorded (%s does not exist), so data_plane_state=absent has '
                                  "nothing of this role's to remove; nothing was changed." % (host, path))
    try:
        plan = role.plan(facts, settings)
    except (_plan_common.PlanError, TypeError, ValueError, KeyError) as exc:
        raise ValidationError('plan.settings for %s: %s' % (name, exc))
    if plan['errors']:
        raise ValidationError('; '.join(plan['errors']), plan=plan)
    steps = list(plan['steps'])
    if record:
        step = dict(record)
        if step.get('state', 'present') == 'present' and isinstance(step.get('content'), dict):
            step['content'] = dict(step['content'], persistence=plan['kept'])
        steps.append({'module': 'multinic.routing.local_fact', 'params': step})
    keys['plan'] = plan
    return steps, keys
