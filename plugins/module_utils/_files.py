# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files the modules own: the one reader, the one atomic writer and the one remover.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice. Imports nothing but the standard library (the boot-unit applier runs it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import tempfile

from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure

FILE_MODE = 0o644
DIR_MODE = 0o755


def read(path):
    """The text of ``path`` (UTF-8; a byte that is not stays visible as U+FFFD), None when it
    does not exist. FileFailure names the path and the reason for any other error."""
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise FileFailure('reading %s failed: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))


def make_dirs(directory, mode=DIR_MODE):
    """Create a directory (and its parents) with ``mode`` when it is missing."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
        os.chmod(directory, mode)


def write_atomically(path, data, mode=FILE_MODE):
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` so that readers see the old file or
    the new one, never a part: a temporary file in the same directory, synced, renamed over
    ``path``. The directory is made when missing. FileFailure names the path and the reason."""
    if not isinstance(data, bytes):
        data = data.encode('utf-8')
    directory = os.path.dirname(path)
    try:
        make_dirs(directory)
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp',
                                   dir=directory)
    except (IOError, OSError) as exc:
        raise FileFailure('writing %s failed: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))
    try:
        try:
            os.fchmod(fd, mode)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except (IOError, OSError) as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise FileFailure('writing %s failed: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))


def remove(path, prune=()):
    """Remove ``path`` (gone already is fine), then each directory of ``prune`` that is left
    empty, in order (give the deepest first). FileFailure names the path and the reason."""
    try:
        os.unlink(path)
    except (IOError, OSError) as exc:
        if exc.errno != errno.ENOENT:
            raise FileFailure('removing %s failed: %s' % (path, os.strerror(exc.errno) if exc.errno else exc))
    for directory in prune:
        try:
            if os.path.isdir(directory) and not os.listdir(directory):
                os.rmdir(directory)
        except (IOError, OSError) as exc:
            raise FileFailure('removing %s failed: %s' % (directory, os.strerror(exc.errno) if exc.errno else exc))
