# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Steps: another module's options given as data (``{module: NAME, params: {...}}``), validated
by that module's own argument spec and checks before anything runs.

PRIVATE: internal to multinic.routing, not a public API.

Used by multinic.routing.boot_unit (the steps it writes to a state file for the boot-time
applier) and multinic.routing.batch (the steps it runs at once). Messages name the step and the
option, ``steps[2].params.dest='10.0.0.1/8': ...``. Nothing here imports ``ansible`` at import
time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError

_SPEC_OPTION = [
    re.compile(r"^argument '(?P<opt>[^']+)' is of type \S+ found in '(?P<parent>[^']+)'"),
    re.compile(r"^argument '(?P<opt>[^']+)'"),
    re.compile(r'^value of (?P<opt>\S+) must be one of'),
    re.compile(r'^missing required arguments: (?P<opt>[^,\s]+)\Z'),
    re.compile(r'^(?P<opt>[\w.]+)\. Supported parameters include'),
]
_LEADING_OPTION = re.compile(r'^[A-Za-z_][\w\[\].]*=')


def spec_message(index, params, message):
    """An ArgumentSpecValidator message, naming steps[i].params.<option> where it names one."""
    for pattern in _SPEC_OPTION:
        match = pattern.match(message)
        if match:
            option = match.group('opt')
            if 'parent' in pattern.groupindex:
                option = '%s[].%s' % (match.group('parent'), option)
            if option in params:
                return 'steps[%d].params.%s=%r: %s' % (index, option, params[option], message)
            return 'steps[%d].params.%s: %s' % (index, option, message)
    return 'steps[%d].params: %s' % (index, message)


def post_message(index, message):
    """A module's own validation message, prefixed so it names steps[i].params.<option>."""
    if _LEADING_OPTION.match(message):
        return 'steps[%d].params.%s' % (index, message)
    return 'steps[%d].params: %s' % (index, message)


def validate_step(index, step, modules, check):
    """One step  -> {'module': name, 'params': normalised params}; ValidationError otherwise.

    ``modules`` maps the module names a step may give to the module_utils holding their
    ``SPEC``; ``check(name, params)`` runs the module's own checks after its argument spec
    (what its run() checks before any I/O) and raises ValidationError.
    """
    name = step['module']
    if name not in modules:
        raise ValidationError('steps[%d].module=%r is not one of %s' % (index, name, ', '.join(sorted(modules))))
    given = step.get('params') or {}
    spec = modules[name].SPEC.argument_spec
    for option in sorted(given):
        if option not in spec:
            raise ValidationError('steps[%d].params.%s=%r: not an option of multinic.routing.%s (its '
                                  'options: %s)' % (index, option, given[option], name, ', '.join(sorted(spec))))
    result = modules[name].SPEC.validate(dict(given))
    if result.error_messages:
        raise ValidationError('; '.join(spec_message(index, given, m) for m in result.error_messages))
    params = result.validated_parameters
    try:
        check(name, params)
    except ValidationError as exc:
        raise ValidationError('%s (step module %s)' % (post_message(index, exc.msg), name))
    return {'module': name, 'params': params}
