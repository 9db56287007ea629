# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every multinic.routing module exits, and the one shortcut for very big results.

PRIVATE: internal to multinic.routing, not a public API.

A result is handed to ``AnsibleModule.exit_json``, except when it holds a ``JSONRows`` (the
routes of routing_facts: 100,000 of them on a big host) and nothing that exit_json does would
change it. exit_json then costs many times the whole dump: ``remove_values`` copies every value
of the result (tags included on ansible-core 2.19) looking for no_log values, and the result
encoder visits every dict in Python; with 100,000 routes that is about 10 s and 200 MB. The
shortcut writes the same JSON with the standard library's encoder instead, the rows streamed as
they are, and is taken only when it is provably the same (see ``exit_json``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys

CHUNK = 2048                # rows joined and written at a time: bounds the memory of the output
_SCALARS = (str, int, float, bool, type(None))
_TEXT = (str,)
_DICT = (dict,)
# AnsibleModule's own exit path: when any of these is not the class's own (a unit test or
# ansible.netcommon's in-worker execution patches them), the shortcut is never taken.
_EXIT_METHODS = ('exit_json', '_return_formatted', '_record_module_result', 'add_path_info',
                 'do_cleanup_files')


class JSONRows(object):
    """A list in a module result whose items are already JSON text.

    Each row is a tuple of strings whose concatenation is the JSON text of one item (see
    _rtnl_codec.route_json_picker): 100,000 routes weigh about 14 MB this way, not 50 as dicts.
    """

    __slots__ = ('rows',)

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def chunks(self):
        """The JSON text of the list, in pieces of CHUNK items."""
        yield '['
        rows = self.rows
        for first in range(0, len(rows), CHUNK):
            text = ', '.join([a + b + c for a, b, c in rows[first:first + CHUNK]])
            yield text if not first else ', ' + text
        yield ']'

    def to_list(self):
        """The items as Python values (what the controller reads from the JSON)."""
        return json.loads(''.join(self.chunks()))


class _NotPlain(Exception):
    pass


def _marked(value, found, marks):
    """A copy of ``value`` with each JSONRows replaced by a mark string (its index in ``found``);
    _NotPlain for anything but dicts with text keys, lists and JSON scalars of their exact types."""
    kind = type(value)
    if kind is JSONRows:
        found.append(value)
        marks.append('\0multinic-rows-%d\0' % (len(found) - 1))
        return marks[-1]
    if kind is dict:
        copy = {}
        for key, item in value.items():
            if type(key) not in _TEXT:     # exact type: a str subclass may carry tags
                raise _NotPlain()
            copy[key] = _marked(item, found, marks)
        return copy
    if kind is list:
        return [_marked(item, found, marks) for item in value]
    if kind in _SCALARS:
        return value
    raise _NotPlain()


def _materialized(value):
    """The result with every JSONRows turned into the list it stands for."""
    if isinstance(value, JSONRows):
        return value.to_list()
    kind = type(value)      # exact types, as _marked: anything else is handed on as it is
    if kind is dict:
        return dict((key, _materialized(item)) for key, item in value.items())
    if kind is list:
        return [_materialized(item) for item in value]
    return value


def _holds_rows(value):
    if isinstance(value, JSONRows):
        return True
    if type(value) in _DICT:    # JSONRows are only looked for in plain dicts, as _marked does
        return any(_holds_rows(item) for item in value.values())
    return False


def _own_exit_path(module):
    """True when the module's exit path is AnsibleModule's own: no method of _EXIT_METHODS
    patched on the instance, nor replaced or overridden by code from elsewhere."""
    for name in _EXIT_METHODS:
        if name in vars(module):
            return False
        method = getattr(type(module), name, None)
        if method is not None and getattr(method, '__module__', None) != 'ansible.module_utils.basic':
            return False
    return True


def _quiet():
    """True when no warning or deprecation is waiting to go into the result."""
    # imported here: the boot applier imports this file without Ansible (see _boot_unit)
    from ansible.module_utils.common import warnings
    try:
        return not warnings.get_warning_messages() and not warnings.get_deprecation_messages()
    except AttributeError:
        return False


def _shortcut(module, result):
    """The JSON text pieces of the result, as exit_json would print it, or None.

    AnsibleModule.exit_json (ansible-core 2.16 to 2.19) does, in order: do_cleanup_files();
    add_path_info() (file attributes when the result has a ``path`` key); ``invocation`` added
    from module.params unless given; ``warnings``/``deprecations`` passed in turned into
    module.warn()/deprecate() calls, then the recorded ones added; remove_values(result,
    module.no_log_values) with booleans and None put back; JSON out (through
    _record_module_result on 2.19); sys.exit(0). The shortcut is taken only when:
    - the module's exit path is AnsibleModule's own (nothing patched it: see _EXIT_METHODS);
    - module.no_log_values is empty: remove_values() with no value to remove returns an equal
      copy (it only replaces strings containing one, and copies tags of tagged values, which
      cannot be here, see the next point);
    - the result and module.params hold only dicts with text keys, lists and JSON scalars of
      exactly those types (no tuple, set, bytes, date or tagged value that the encoder would
      convert), besides the JSONRows: so json.dumps writes what Ansible's encoder writes (the
      same values; 2.19 writes non-ASCII characters unescaped, the same text once read);
    - no ``path``, ``invocation``, ``warnings`` or ``deprecations`` key in the result, and no
      warning or deprecation recorded: add_path_info() does nothing, and nothing is added but
      ``invocation``.
    do_cleanup_files() is still called, before anything is written.
    """
    found, marks = [], []
    try:
        envelope = _marked(dict(result, invocation={'module_args': module.params}), found, marks)
    except _NotPlain:
        return None
    if not found or module.no_log_values or not _own_exit_path(module) or not _quiet():
        return None
    if any(key in result for key in ('path', 'invocation', 'warnings', 'deprecations')):
        return None
    text = json.dumps(envelope)
    pieces = []
    for rows, mark in zip(found, marks):
        head, sep, text = text.partition(json.dumps(mark))
        if not sep or json.dumps(mark) in text:
            return None
        pieces.append(head)
        pieces.append(rows)
    pieces.append(text)
    return pieces


def exit_json(module, result):
    """Exit the module with ``result``: module.exit_json(**result), or the same JSON written
    directly when the result holds JSONRows and that is provably equal (see _shortcut)."""
    if not _holds_rows(result):
        module.exit_json(**result)
        return  # only reached when a test replaced exit_json with one that returns
    pieces = _shortcut(module, result)
    if pieces is None:
        module.exit_json(**_materialized(result))
        return
    module.do_cleanup_files()
    out = sys.stdout
    out.write('\n')
    for piece in pieces:
        if isinstance(piece, JSONRows):
            for text in piece.chunks():
                out.write(text)
        else:
            out.write(piece)
    out.write('\n')
    out.flush()
    # the one exit that is not exit_json/fail_json: it ends exactly as exit_json ends
    sys.exit(0)  # pylint: disable=ansible-bad-function
