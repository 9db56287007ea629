# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The errors of multinic.routing: one base class, turned into a fail_json message by the runner.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice. Imports nothing but the standard library (the boot-unit applier runs it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

ERRNO_HINTS = {
    errno.EEXIST: 'it already exists',
    errno.ESRCH: 'no such entry',
    errno.ENOENT: 'no such entry',
    errno.ENETUNREACH: 'network is unreachable (for a route: its gateway is not on a directly '
                       'connected subnet; give dev with such a subnet, or set onlink)',
    errno.ENODEV: 'no such device',
    errno.EPERM: 'operation not permitted (root or CAP_NET_ADMIN is needed)',
    errno.EACCES: 'permission denied',
    errno.EINVAL: 'the kernel rejected the request as invalid',
    errno.EADDRNOTAVAIL: 'the address is not available on this host',
    errno.EBUSY: 'the device or resource is busy',
    errno.EOPNOTSUPP: 'operation not supported by this kernel',
    errno.ENOTSUP: 'operation not supported by this kernel',
    errno.ENOBUFS: 'out of buffer space',
}


class ModuleFailure(Exception):
    """A failure with a message a user can act on; the runner makes it a fail_json.

    ``code`` is the errno behind it (if any); ``result`` holds further keys of the failed
    result (for example which files were written before the failure).
    """

    def __init__(self, msg, code=None, **result):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.code = code
        self.result = result


class ValidationError(ModuleFailure):
    """Bad input, found before anything is written."""


class NetlinkFailure(ModuleFailure):
    """A netlink or namespace failure."""


class FileFailure(ModuleFailure):
    """Reading or writing a file the module manages failed."""


def describe_error(exc, action):
    """Message for an exception raised while doing ``action`` (a phrase naming the attempt)."""
    code = getattr(exc, 'code', None)
    if code is None:
        code = getattr(exc, 'errno', None)
    hint = ERRNO_HINTS.get(code) or (os.strerror(code) if code else str(exc))
    name = errno.errorcode.get(code, 'error') if code else 'error'
    return '%s failed: %s (%s)' % (action, hint, name)
