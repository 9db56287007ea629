# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Named network namespaces as files: /run/netns/NAME, entering one, adding and removing one.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice.

A namespace is entered (setns) only for the time it takes to open a socket in it, so a missing
namespace is an error and is NEVER created (pyroute2's own NetNS / IPRoute(netns=...) create
missing namespaces by default).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import errno
import os

from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2 as pr
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure, describe_error

NETNS_RUN_DIR = '/run/netns'
CLONE_NEWNET = 0x40000000
# The namespace of the calling thread: where a link goes back to "the host".
OWN_NETNS = '/proc/thread-self/ns/net'


def netns_path(name):
    return os.path.join(NETNS_RUN_DIR, name)


def netns_exists(name):
    return os.path.exists(netns_path(name))


def list_netns():
    """Names of the namespaces `ip netns list` shows."""
    try:
        return sorted(n for n in os.listdir(NETNS_RUN_DIR) if not n.startswith('.'))
    except OSError:
        return []


def _named_netns_call(call, name, doing):
    """``pyroute2.netns.create`` / ``remove`` of a name, failing with a message."""
    pr.loaded('%s network namespace %r' % (doing, name))
    try:
        getattr(pr.pyroute2_netns, call)(name)
    except Exception as exc:
        raise NetlinkFailure(describe_error(exc, '%s network namespace %r' % (doing, name)),
                             getattr(exc, 'errno', None))


def add_netns_file(name):
    """Create a named namespace exactly like ``ip netns add`` (nothing inside it yet)."""
    _named_netns_call('create', name, 'creating')


def delete_netns(name):
    """Delete a named namespace like ``ip netns del``."""
    _named_netns_call('remove', name, 'deleting')


_LIBC = []


def _libc():
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(ctypes.util.find_library('c') or None, use_errno=True))
    return _LIBC[0]


def _setns(fd):
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


class Entered(object):
    """Context manager: run the calling thread inside a namespace, then come back."""

    def __init__(self, name):
        self.name = name
        self.home = None

    def __enter__(self):
        path = netns_path(self.name)
        if not os.path.exists(path):
            raise NetlinkFailure('network namespace %r does not exist (looked for %s); '
                                 'it is not created by this module' % (self.name, path), errno.ENOENT)
        self.home = os.open('/proc/self/ns/net', os.O_RDONLY)
        target = None
        try:
            target = os.open(path, os.O_RDONLY)
            _setns(target)
        except OSError as exc:
            os.close(self.home)
            raise NetlinkFailure(describe_error(exc, 'entering network namespace %r' % self.name),
                                 exc.errno)
        finally:
            if target is not None:
                os.close(target)
        return self

    def __exit__(self, *exc_info):
        try:
            _setns(self.home)
        finally:
            os.close(self.home)
        return False


def open_target(target_netns=None):
    """An open fd of a named namespace's file, or of the calling thread's own (None)."""
    path = netns_path(target_netns) if target_netns else OWN_NETNS
    if target_netns and not os.path.exists(path):
        raise NetlinkFailure('network namespace %r does not exist' % target_netns, errno.ENOENT)
    return os.open(path, os.O_RDONLY)
