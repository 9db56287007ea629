# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.local_fact module: one Ansible local fact file.

PRIVATE: internal to multinic.routing, not a public API.

The module owns exactly one file, <directory>/<name>.fact: JSON that ``ansible.builtin.setup``
reads as ``ansible_local.<name>``. It writes the file as ``to_nice_json`` does (4-space indent,
keys sorted) with a newline, mode 0644, owned by root when the module runs as root. The
directory is made when missing; with state=absent the directory and its parent go again only
when the removal of the file left them empty (``prune``). Imports nothing but the standard
library and the collection's file helpers: it needs no pyroute2.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import re

from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure, ValidationError

NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*\Z')
NAME_MAX = 250            # <name>.fact must fit a file name (255 bytes)
DIRECTORY = '/etc/ansible/facts.d'
FILE_MODE = 0o644

SPEC = ArgumentSpec(dict(
    name=dict(type='str', required=True),
    content=dict(type='dict'),
    directory=dict(type='str', default=DIRECTORY),
    prune=dict(type='bool', default=False),
    state=dict(type='str', default='present', choices=['present', 'absent']),
), required_if=[('state', 'present', ['content'])])


def check(params):
    """The checks run before any file is read: -> (path of the fact file, its text or None)."""
    name = params['name']
    if not NAME_RE.match(name or '') or len(name) > NAME_MAX:
        raise ValidationError('name=%r is not a fact name: letters, digits and "_", not starting with a '
                              'digit, at most %d characters (it becomes ansible_local.<name>)' % (name, NAME_MAX))
    directory = params['directory']
    if not os.path.isabs(directory or '') or '\0' in directory:
        raise ValidationError('directory=%r must be an absolute path' % (directory,))
    text = None
    if params['state'] == 'present':
        if params.get('content') is None:
            raise ValidationError('content is required with state=present')
        try:
            text = json.dumps(params['content'], indent=4, sort_keys=True, separators=(',', ': ')) + '\n'
        except (TypeError, ValueError) as exc:
            raise ValidationError('content=%r cannot be written as JSON: %s' % (params['content'], exc))
    return os.path.join(os.path.normpath(directory), name + '.fact'), text


def _stat(path):
    """(mode, uid, gid) of ``path``, None when it does not exist."""
    try:
        st = os.stat(path)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise FileFailure('reading %s failed: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))
    return st.st_mode & 0o7777, st.st_uid, st.st_gid


def _wanted_owner():
    """root:root when the module runs as root; otherwise the owner is left as it is."""
    return (0, 0) if os.geteuid() == 0 else None


def _fix(path, mode, owner):
    try:
        os.chmod(path, mode)
        if owner is not None:
            os.chown(path, owner[0], owner[1])
    except (IOError, OSError) as exc:
        raise FileFailure('setting the mode and owner of %s failed: %s'
                          % (path, os.strerror(exc.errno) if exc.errno else exc))


def run(module):
    params = module.params
    path, text = check(params)
    directory = os.path.dirname(path)
    before, st = _files.read(path), _stat(path)
    tracker = DifferenceTracker()
    if params['state'] == 'present':
        owner = _wanted_owner()
        tracker.compare_object('content', before, text)
        if st is not None and before == text:
            tracker.compare('mode', '%04o' % st[0], '%04o' % FILE_MODE)
            if owner is not None:
                tracker.compare('owner', '%d:%d' % st[1:], '%d:%d' % owner)
        if not tracker.empty and not module.check_mode:
            if before != text:
                _files.write_atomically(path, text, FILE_MODE)
            _fix(path, FILE_MODE, owner)
            module.set_default_selinux_context(path, False)
        after = text
    else:
        after = None
        tracker.compare_object('content', before, None)
        if not tracker.empty and not module.check_mode:
            # the directory and its parent go only when this removal left them empty
            _files.remove(path, prune=[directory, os.path.dirname(directory)] if params['prune'] else ())
    result = tracker.report({'name': params['name'], 'path': path,
                             'content': params['content'] if params['state'] == 'present' else None})
    if module._diff:
        result['diff'] = {'before': before or '', 'after': after or '', 'before_header': path, 'after_header': path}
    return result
