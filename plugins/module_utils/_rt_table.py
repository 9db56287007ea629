# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.rt_table module: a name for a routing table.

PRIVATE: internal to multinic.routing, not a public API.

The module owns exactly one file, /etc/iproute2/rt_tables.d/<name>.conf. Every other place
iproute2 reads names from (see _iproute2_names) is only read, to refuse a name or an id that
is already taken there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re


from ansible_collections.multinic.routing.plugins.module_utils import _iproute2_names as names
from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils._common import TABLE_MAX
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError

NAME_RE = re.compile(r'^[A-Za-z0-9_.-]+\Z')
NAME_MAX = 250            # <name>.conf must fit a file name (255 bytes)
FILE_MODE = 0o644
HEADER_START = '# Managed by multinic.routing (multinic.routing.rt_table)'
HEADER = ('# Managed by multinic.routing (multinic.routing.rt_table): the name of routing table '
          '%d.\n# Changes made here are overwritten; remove it with state=absent.\n')

SPEC = ArgumentSpec(dict(
    name=dict(type='str', required=True),
    id=dict(type='int'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
), required_if=[('state', 'present', ['id'])])


def check_name(name):
    """A table name iproute2 and the modules of this collection read back as that name."""
    if not NAME_RE.match(name or ''):
        raise ValidationError('name=%r is not a valid table name (letters, digits, "_", "-" and '
                              '"." only, not empty)' % (name,))
    if name.startswith('.'):
        raise ValidationError('name=%r must not start with "." (iproute2 skips such files in '
                              'rt_tables.d)' % (name,))
    try:
        value = int(name, 0)
    except ValueError:
        value = int(name) if name.isdigit() else None
    if value is not None:
        raise ValidationError('name=%r reads as a number; a table name must not (it would be '
                              'taken for table number %d)' % (name, value))
    if name in names.BUILTIN_TABLES:
        raise ValidationError('name=%r is a built-in table name (unspec, default, main, local) '
                              'and cannot be redefined' % (name,))
    if len(name) > NAME_MAX:
        raise ValidationError('name=%r is too long (at most %d characters)' % (name, NAME_MAX))
    return name


def check_id(number):
    if number is None:
        return None
    reserved = dict((v, k) for k, v in names.BUILTIN_TABLES.items())
    if number in reserved:
        raise ValidationError('id=%d is reserved for the built-in table %r; use 1..%d except '
                              '253, 254 and 255' % (number, reserved[number], TABLE_MAX))
    if not 1 <= number <= TABLE_MAX:
        raise ValidationError('id=%r is out of range: tables are numbered 1..%d'
                              % (number, TABLE_MAX))
    return number


def managed_path(name):
    return os.path.join(names.TABLES_D, name + '.conf')


def entries():
    """Every (path, line number, id, name) iproute2 reads table names from, in its order."""
    found = []
    for path in names._files('rt_tables'):
        try:
            with open(path) as handle:
                lines = handle.readlines()
        except (IOError, OSError):
            continue
        for lineno, line in enumerate(lines, 1):
            parsed = names.parse_line(line)
            if parsed:
                found.append((path, lineno, parsed[0], parsed[1]))
    return found


def content(name, number):
    return HEADER % number + '%d\t%s\n' % (number, name)


def _own_entries(path, name):
    """The mappings in the managed file; refuse a file that also names other tables."""
    mine = [e for e in entries() if e[0] == path]
    others = [e for e in mine if e[3] != name]
    if others:
        raise ValidationError(
            '%s also names %s; it is not a file this module manages for %r alone - move '
            'those entries to another file first' % (
                path, ', '.join('table %d %r (line %d)' % (e[2], e[3], e[1]) for e in others),
                name))
    return mine


def plan_present(name, number):
    path = managed_path(name)
    for where, lineno, value, known in entries():
        if where == path:
            continue
        if known == name and value != number:
            raise ValidationError('name=%r is already table %d in %s (line %d); refusing to map '
                                  'it to %d' % (name, value, where, lineno, number))
        if value == number and known != name:
            raise ValidationError('id=%d is already named %r in %s (line %d); refusing to name '
                                  'it %r as well' % (number, known, where, lineno, name))
    mine = _own_entries(path, name)
    before = _files.read(path)
    if before is not None and not is_ours(before):
        if [(e[2], e[3]) for e in mine] == [(number, name)]:
            return path, before, before      # someone else's file says the same: leave it theirs
        raise ValidationError(
            '%s was not written by this collection (no multinic.routing header) and does not name '
            'table %d %r; not overwritten - change or remove it first' % (path, number, name))
    return path, before, content(name, number)


def is_ours(text):
    return text.startswith(HEADER_START)


def plan_absent(name, number):
    path = managed_path(name)
    before = _files.read(path)
    found = None
    if before is not None:
        mine = _own_entries(path, name)
        ids = sorted(set(e[2] for e in mine))
        if number is not None and ids and ids != [number]:
            raise ValidationError('id=%d does not match %s, which names table %s %r; give that id '
                                  'or leave id out' % (number, path, '/'.join(map(str, ids)), name))
        found = ids[0] if ids else None
    return path, before, found if found is not None else number


def run(module):
    params = module.params
    name = check_name(str(params['name']).strip())
    number = check_id(params.get('id'))
    warnings = []
    if params['state'] == 'present':
        path, before, after = plan_present(name, number)
        tracker = DifferenceTracker().compare_object('content', before, after)
        if not tracker.empty and not module.check_mode:
            _files.write_atomically(path, after, FILE_MODE)
            module.set_default_selinux_context(path, False)
    else:
        path, before, number = plan_absent(name, number)
        after = None
        if before is not None and not is_ours(before):
            warnings.append('left %s in place: it was not written by this collection (no '
                            'multinic.routing header)' % path)
            after = before
        tracker = DifferenceTracker().compare_object('content', before, after)
        if not tracker.empty and not module.check_mode:
            _files.remove(path)
    result = tracker.report({'name': name, 'id': number, 'path': path})
    if warnings:
        result['warnings'] = warnings
    if module._diff:
        result['diff'] = {'before': before or '', 'after': after or '',
                          'before_header': path, 'after_header': path}
    return result
