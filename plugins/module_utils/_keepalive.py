# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The armed rollbacks' deadlines: each module run of the collection is word from the controller.

PRIVATE: internal to multinic.routing, not a public API.

A rollback armed by multinic.routing.rollback restores the host when the controller has been
silent for its timeout: every module of this collection that runs (not in check mode) moves
the deadline of every armed rollback to now + its timeout (never earlier). The restorer waits
for the deadline in this file, so a play that is slow but alive is not rolled back in the
middle, and one that dies is, ``timeout`` seconds after its last word.

The file ``/run/multinic-routing/rollback/<name>/deadline`` holds "deadline timeout" (seconds
since the epoch, seconds). This file imports nothing of the collection: every module loads it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

ROOT = '/run/multinic-routing/rollback'


def deadline_path(name):
    return os.path.join(ROOT, name, 'deadline')


def read(name):
    """(deadline, timeout) of the rollback armed under ``name``, or None."""
    try:
        with open(deadline_path(name)) as handle:
            words = handle.read().split()
        return float(words[0]), int(words[1])
    except (IOError, OSError, ValueError, IndexError):
        return None


def write(name, deadline, timeout):
    path = deadline_path(name)
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        handle.write('%.3f %d\n' % (deadline, timeout))
    os.rename(tmp, path)


def extend_all(now=None):
    """Move every armed rollback's deadline to ``now`` + its timeout, when that is later. Best
    effort: a rollback firing or confirmed meanwhile, or no rollback at all, is not an error."""
    now = time.time() if now is None else now
    try:
        names = os.listdir(ROOT)
    except OSError:
        return
    for name in names:
        found = read(name)
        if found is None:
            continue
        deadline = now + found[1]
        if deadline > found[0]:
            try:
                write(name, deadline, found[1])
            except (IOError, OSError):
                pass
