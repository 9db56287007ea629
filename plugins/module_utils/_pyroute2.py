# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pyroute2 import gate of multinic.routing: what pyroute2 gives, which version.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice.

The only place the collection imports pyroute2, and only when load() is called: the first
change a module makes (_netlink's pyroute2 socket, _netns_files' namespace files) loads it, so
a run that only reads - or finds nothing to change - never pays for its import (about 0.1 s of
a module run). Reads go through the codec's own decoder on plain sockets. The netlink numbers
below are the kernel's ABI, the same with or without pyroute2. Loading never fails;
require_pyroute2() fails the module with a message when pyroute2 is missing or unsupported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import traceback

from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure

# What the rest of the adapter (_netlink, _rtnl_codec, _netns_files) takes from pyroute2,
# always through this module: pyroute2 is imported nowhere else.
__all__ = [
    'load', 'loaded', 'HAS_PYROUTE2', 'PYROUTE2_IMPORT_ERROR', 'MIN_PYROUTE2', 'MAX_PYROUTE2', 'PYROUTE2_REQUIREMENT',
    'pyroute2_version', 'require_pyroute2', 'unsupported_pyroute2_message',
    'IPRoute', 'pyroute2_netns', 'NetlinkError',
    'NLM_F_ACK', 'NLM_F_CREATE', 'NLM_F_DUMP', 'NLM_F_EXCL', 'NLM_F_REPLACE', 'NLM_F_REQUEST',
    'RTM_DELADDR', 'RTM_DELROUTE', 'RTM_DELRULE', 'RTM_GETADDR', 'RTM_GETLINK', 'RTM_GETROUTE',
    'RTM_GETRULE', 'RTM_NEWADDR', 'RTM_NEWLINK', 'RTM_NEWROUTE', 'RTM_NEWRULE',
    'fibmsg', 'ifaddrmsg', 'ifinfmsg', 'rtmsg',
]

# include/uapi/linux/netlink.h and rtnetlink.h
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
NLM_F_DUMP = 0x300
RTM_NEWLINK, RTM_GETLINK = 16, 18
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE = 32, 33, 34


class NetlinkError(Exception):
    """Placeholder until load() (then pyroute2's): ``except NetlinkError`` stays valid."""

    code = 0


pyroute2 = IPRoute = pyroute2_netns = fibmsg = ifaddrmsg = ifinfmsg = rtmsg = None
HAS_PYROUTE2 = None             # not tried yet; load() sets True or False
PYROUTE2_IMPORT_ERROR = None


def load():
    """Import pyroute2 once -> whether it could be (HAS_PYROUTE2)."""
    global pyroute2, IPRoute, pyroute2_netns, NetlinkError, fibmsg, ifaddrmsg, ifinfmsg, rtmsg
    global HAS_PYROUTE2, PYROUTE2_IMPORT_ERROR
    if HAS_PYROUTE2 is not None:
        return HAS_PYROUTE2
    try:
        import pyroute2 as _pyroute2_package
        from pyroute2 import IPRoute as _IPRoute
        from pyroute2 import netns as _netns
        from pyroute2.netlink.exceptions import NetlinkError as _NetlinkError
        from pyroute2.netlink.rtnl.fibmsg import fibmsg as _fibmsg
        from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg as _ifaddrmsg
        from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg as _ifinfmsg
        from pyroute2.netlink.rtnl.rtmsg import rtmsg as _rtmsg
    except Exception:  # pragma: no cover - exercised by the dependency gate
        # Not only ImportError: pyroute2 0.6.x raises AttributeError from its import hook on
        # Python 3.11. Loading must never fail; require_pyroute2() reports it.
        HAS_PYROUTE2 = False
        PYROUTE2_IMPORT_ERROR = traceback.format_exc()
        return False
    pyroute2, IPRoute, pyroute2_netns, NetlinkError = _pyroute2_package, _IPRoute, _netns, _NetlinkError
    fibmsg, ifaddrmsg, ifinfmsg, rtmsg = _fibmsg, _ifaddrmsg, _ifinfmsg, _rtmsg
    HAS_PYROUTE2 = True
    return True


# The pyroute2 lines the collection is tested with: 0.7.x (Debian 12's python3-pyroute2) and
# 0.9.x (PyPI). 0.6.x (Ubuntu 22.04's package) is refused, and so is anything from 0.10 on:
# _netlink._open_socket() writes into a private structure of the 0.9 core.
MIN_PYROUTE2 = (0, 7, 0)
MAX_PYROUTE2 = (0, 10, 0)  # exclusive
PYROUTE2_REQUIREMENT = 'pyroute2>=0.7,<0.10'


def loaded(doing):
    """load(), or a NetlinkFailure saying that ``doing`` needs pyroute2 and why it cannot be
    imported (for the first change of a run that checked nothing up front)."""
    if not load():
        last = ''.join((PYROUTE2_IMPORT_ERROR or '').strip().splitlines()[-1:])
        raise NetlinkFailure('%s needs pyroute2 (%s), which cannot be imported: %s'
                             % (doing, PYROUTE2_REQUIREMENT, last), errno.ENOPKG)


def pyroute2_version():
    """The installed pyroute2 version as a tuple of ints, or None.

    Read from the package metadata when the import itself failed (pyroute2 0.6.x on newer
    Pythons), so the version gate can still say which version is in the way.
    """
    raw = getattr(pyroute2, '__version__', None) if load() else None
    if raw is None:
        try:
            from importlib.metadata import version as _dist_version
            raw = _dist_version('pyroute2')
        except Exception:  # pragma: no cover - very old installs only
            return None
    parts = []
    for item in str(raw).split('.'):
        digits = ''.join(c for c in item if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) or None


def require_pyroute2(module):
    """Fail the Ansible module cleanly when pyroute2 is missing or too old."""
    # Imported here so this file has no import-time dependency on Ansible.
    from ansible.module_utils.basic import missing_required_lib

    found = pyroute2_version()
    if found is not None and not MIN_PYROUTE2 <= found < MAX_PYROUTE2:
        module.fail_json(msg=unsupported_pyroute2_message(found))
    if not load():
        module.fail_json(msg=missing_required_lib(PYROUTE2_REQUIREMENT),
                         exception=PYROUTE2_IMPORT_ERROR)


def unsupported_pyroute2_message(found):
    """What to tell a user whose managed node has a pyroute2 outside the tested lines."""
    text = '.'.join(map(str, found))
    if found < MIN_PYROUTE2:
        why = ('it is too old (Ubuntu 22.04\'s python3-pyroute2 is 0.6.4; Debian 12\'s 0.7.2 '
               'works)')
    else:
        why = 'it is newer than the lines this collection is tested with (0.7.x and 0.9.x)'
    return ('pyroute2 %s is installed on the managed node, but multinic.routing needs %s: %s. '
            'Install a supported version for the Python that runs the modules, e.g. '
            '`python3 -m pip install \'%s\'` (in a virtualenv, or with '
            '--break-system-packages where the distribution forbids it), or a distribution '
            'package of pyroute2 0.7 or newer, below 0.10.'
            % (text, PYROUTE2_REQUIREMENT, why, PYROUTE2_REQUIREMENT))
