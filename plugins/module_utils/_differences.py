# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One difference tracker: every module reports what differs the same way.

PRIVATE: internal to multinic.routing, not a public API. Imports nothing but the standard
library (the boot-unit applier runs the modules' logic, which uses it).

A module records each thing in which the current state differs from the wanted one: an
attribute name (``gateway``, ``mtu``, ``content``, ...) with its value before and after, or
ABSENT when the whole object did not exist and is created, PRESENT when it existed and is
removed. ``report`` puts the names in the result as ``differences`` (a list, empty when nothing
differs) and sets ``changed`` from them, so ``changed`` is true exactly when ``differences``
is not empty. The ``diff`` of diff mode stays each module's own (kernel-state views, file texts).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ABSENT = 'absent'      # the object did not exist: it is created
PRESENT = 'present'    # the object existed: it is removed


class DifferenceTracker(object):
    """The differences between current and wanted state, in the order they were found."""

    def __init__(self):
        self._entries = []

    def add(self, name, before=None, after=None):
        """Record a difference (once per name; a later add of the same name is ignored)."""
        if not self.has_difference_for(name):
            self._entries.append({'name': name, 'before': before, 'after': after})
        return self

    def compare(self, name, before, after):
        """Record ``name`` when ``before`` and ``after`` differ; True when they do."""
        if before != after:
            self.add(name, before, after)
            return True
        return False

    def compare_keys(self, before, after, keys):
        """Compare two views (dicts) key by key; returns self."""
        for key in keys:
            self.compare(key, before.get(key), after.get(key))
        return self

    def existence(self, before, after):
        """Record ABSENT (created) or PRESENT (removed) when existence changes (None: not
        there); returns self."""
        if before is None and after is not None:
            self.add(ABSENT, None, after)
        elif before is not None and after is None:
            self.add(PRESENT, before, None)
        return self

    def compare_object(self, name, before, after):
        """An object that may not exist (None), such as a file's text: ABSENT or PRESENT when
        it is created or removed, ``name`` when it exists before and after and differs."""
        if before is None or after is None:
            return self.existence(before, after)
        self.compare(name, before, after)
        return self

    def merge(self, other, prefix=''):
        """Add another tracker's differences, their names prefixed (``routes[2].``)."""
        for entry in other._entries:
            self.add(prefix + entry['name'], entry['before'], entry['after'])
        return self

    @property
    def empty(self):
        return not self._entries

    def has_difference_for(self, name):
        return any(entry['name'] == name for entry in self._entries)

    def names(self):
        """The names of the differences, in the order found: the ``differences`` result."""
        return [entry['name'] for entry in self._entries]

    def before_after(self):
        """(before, after): the differing values only, keyed by name."""
        return (dict((entry['name'], entry['before']) for entry in self._entries),
                dict((entry['name'], entry['after']) for entry in self._entries))

    def report(self, result):
        """Put ``differences`` and ``changed`` in ``result``; returns result."""
        result['differences'] = self.names()
        result['changed'] = not self.empty
        return result
