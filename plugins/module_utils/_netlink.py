# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one pyroute2 adapter of multinic.routing.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice. Every pyroute2 call of the collection lives here and nowhere else.

Design:
- Sockets are opened inside a named namespace by entering it (setns) only for the time it
  takes to create the socket, so a missing namespace is an error and is NEVER created
  (pyroute2's own NetNS / IPRoute(netns=...) create missing namespaces by default).
- Requests are raw rtnetlink messages sent with ``nlm_request``, which behaves the same on
  pyroute2 0.7.x (thread based) and 0.9.x (asyncio core). The sockets use strict checking so
  the kernel itself filters route dumps by table (``ip route show table N`` does the same).
- Messages are decoded into plain dicts here; the rest of the collection never sees a pyroute2
  object. Tables are read from RTA_TABLE / FRA_TABLE (the header byte reads 252 above 255).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import errno
import os
import socket
import time
import traceback

PYROUTE2_IMPORT_ERROR = None
PYROUTE2_VERSION = None
try:
    import pyroute2
    from pyroute2 import IPRoute
    from pyroute2 import netns as _pr_netns
    from pyroute2.netlink import (
        NLM_F_ACK,
        NLM_F_CREATE,
        NLM_F_DUMP,
        NLM_F_EXCL,
        NLM_F_REPLACE,
        NLM_F_REQUEST,
    )
    from pyroute2.netlink.exceptions import NetlinkDumpInterrupted, NetlinkError
    from pyroute2.netlink.rtnl import (
        RTM_DELADDR,
        RTM_DELROUTE,
        RTM_DELRULE,
        RTM_GETADDR,
        RTM_GETLINK,
        RTM_GETROUTE,
        RTM_GETRULE,
        RTM_NEWADDR,
        RTM_NEWLINK,
        RTM_NEWROUTE,
        RTM_NEWRULE,
    )
    from pyroute2.netlink.rtnl.fibmsg import fibmsg
    from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    from pyroute2.netlink.rtnl.rtmsg import rtmsg

    HAS_PYROUTE2 = True
except Exception:  # pragma: no cover - exercised by the dependency gate
    # Not only ImportError: pyroute2 0.6.x raises AttributeError from its import hook on
    # Python 3.11. Importing this file must never fail; require_pyroute2() reports it.
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()

    class NetlinkError(Exception):  # type: ignore[no-redef]
        """Placeholder so ``except NetlinkError`` stays valid without pyroute2."""

        code = 0

    class NetlinkDumpInterrupted(NetlinkError):  # type: ignore[no-redef]
        """Placeholder, see NetlinkError."""

        code = -1


# The pyroute2 lines the collection is tested with: 0.7.x (Debian 12's python3-pyroute2) and
# 0.9.x (PyPI). 0.6.x (Ubuntu 22.04's package) is refused, and so is anything from 0.10 on:
# _open_socket() writes into a private structure of the 0.9 core.
MIN_PYROUTE2 = (0, 7, 0)
MAX_PYROUTE2 = (0, 10, 0)  # exclusive
PYROUTE2_REQUIREMENT = 'pyroute2>=0.7,<0.10'
# A dump the kernel flags NLM_F_DUMP_INTR (the list changed while it was read) is read again,
# at most this many times in all, waiting DUMP_RETRY_DELAY * 2**n seconds in between.
DUMP_ATTEMPTS = 5
DUMP_RETRY_DELAY = 0.05
NLM_F_DUMP_INTR = 0x10
NETNS_RUN_DIR = '/run/netns'
CLONE_NEWNET = 0x40000000

FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}
FAMILY_NUMBERS = {socket.AF_INET: 4, socket.AF_INET6: 6}

ROUTE_TYPES = {
    'unspec': 0, 'unicast': 1, 'local': 2, 'broadcast': 3, 'anycast': 4, 'multicast': 5,
    'blackhole': 6, 'unreachable': 7, 'prohibit': 8, 'throw': 9, 'nat': 10,
}
ROUTE_TYPE_NAMES = dict((v, k) for k, v in ROUTE_TYPES.items())
SCOPES = {'global': 0, 'site': 200, 'link': 253, 'host': 254, 'nowhere': 255}
SCOPE_NAMES = dict((v, k) for k, v in SCOPES.items())
RULE_ACTIONS = {'lookup': 1, 'goto': 2, 'nop': 3, 'blackhole': 6, 'unreachable': 7, 'prohibit': 8}
RULE_ACTION_NAMES = dict((v, k) for k, v in RULE_ACTIONS.items())
RTNH_F_ONLINK = 4
FIB_RULE_INVERT = 2
IFF_UP = 1
IFA_F_PERMANENT = 0x80
IFA_F_NODAD = 0x02
RT_TABLE_COMPAT = 252
RTM_F_LOOKUP_TABLE = 0x1000  # route_get: report the table the lookup used, not main

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


class NetlinkFailure(Exception):
    """A netlink or namespace failure turned into a message a user can act on."""

    def __init__(self, msg, code=None):
        super(NetlinkFailure, self).__init__(msg)
        self.msg = msg
        self.code = code


def describe_error(exc, action):
    """Message for an exception raised while doing ``action`` (a phrase naming the attempt)."""
    code = getattr(exc, 'code', None)
    if code is None:
        code = getattr(exc, 'errno', None)
    hint = ERRNO_HINTS.get(code) or (os.strerror(code) if code else str(exc))
    name = errno.errorcode.get(code, 'error') if code else 'error'
    return '%s failed: %s (%s)' % (action, hint, name)


def pyroute2_version():
    """The installed pyroute2 version as a tuple of ints, or None.

    Read from the package metadata when the import itself failed (pyroute2 0.6.x on newer
    Pythons), so the version gate can still say which version is in the way.
    """
    raw = getattr(pyroute2, '__version__', None) if HAS_PYROUTE2 else None
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
    if not HAS_PYROUTE2:
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


# --------------------------------------------------------------------------- namespaces

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


def create_netns(name):
    """Create a named namespace exactly like ``ip netns add`` and bring its loopback up."""
    try:
        _pr_netns.create(name)
    except Exception as exc:
        raise NetlinkFailure(describe_error(exc, 'creating network namespace %r' % name),
                             getattr(exc, 'errno', None))
    with Netlink(name) as nl:
        lo = nl.link_by_name('lo')
        if lo is not None and not lo['up']:
            nl.set_link(lo['index'], state='up')


def delete_netns(name):
    """Delete a named namespace like ``ip netns del``."""
    try:
        _pr_netns.remove(name)
    except Exception as exc:
        raise NetlinkFailure(describe_error(exc, 'deleting network namespace %r' % name),
                             getattr(exc, 'errno', None))


_LIBC = []


def _libc():
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(ctypes.util.find_library('c') or None, use_errno=True))
    return _LIBC[0]


def _setns(fd):
    if _libc().setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


class _Entered(object):
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


def _open_socket(name):
    ipr = IPRoute(strict_check=True)
    core = getattr(ipr, 'asyncore', None)
    if core is not None:
        # pyroute2 0.9: the sync facade reads this key in nlm_request() but IPRoute never sets it.
        core.status.setdefault('nlm_generator', False)
    return ipr


# --------------------------------------------------------------------------- helpers

def _attr(msg, name, default=None):
    value = msg.get_attr(name)
    return default if value is None else value


def _unset_if_all_ones(value):
    """The kernel reports 'not set' as 0xFFFFFFFF for some rule attributes."""
    return None if value in (None, 0xFFFFFFFF) else value


def family_of(address):
    """4 or 6 for an address string (no prefix)."""
    return 6 if ':' in address else 4


def _prefix(addr, length, family):
    if addr is None:
        if length == 0:
            return 'default'
        addr = '0.0.0.0' if family == 4 else '::'
    return '%s/%d' % (addr, length)


def _split_prefix(cidr):
    """('10.0.0.0', 24) from '10.0.0.0/24'; (None, 0) for 'default'."""
    if cidr in (None, 'default'):
        return None, 0
    addr, _sep, length = cidr.partition('/')
    return addr, int(length)


# --------------------------------------------------------------------------- the adapter

class Netlink(object):
    """An rtnetlink socket in the host's namespace (netns=None) or in a named one.

    Use as a context manager so the socket is always closed.
    """

    def __init__(self, netns=None):
        self.netns = netns
        self._names = None
        try:
            if netns:
                with _Entered(netns):
                    self.ipr = _open_socket(netns)
            else:
                self.ipr = _open_socket(None)
        except NetlinkFailure:
            raise
        except (NetlinkError, OSError) as exc:
            raise NetlinkFailure(describe_error(exc, 'opening netlink in %s' % self.where),
                                 getattr(exc, 'code', getattr(exc, 'errno', None)))

    @property
    def where(self):
        return 'namespace %r' % self.netns if self.netns else "the host's namespace"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        ipr = getattr(self, 'ipr', None)
        if ipr is not None:
            self.ipr = None
            ipr.close()

    # -- raw request -----------------------------------------------------------------------
    def _request(self, msg, msg_type, flags, action, interrupted=False):
        try:
            return list(self.ipr.nlm_request(msg, msg_type=msg_type, msg_flags=flags))
        except NetlinkDumpInterrupted:
            if interrupted:
                raise   # _dump reads it again
            raise NetlinkFailure('%s in %s failed: the kernel interrupted the answer '
                                 '(NLM_F_DUMP_INTR)' % (action, self.where), -1)
        except NetlinkError as exc:
            raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.code)
        except OSError as exc:
            raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.errno)

    # How many dumps had to be read again (NLM_F_DUMP_INTR); tests read it.
    dump_retries = 0

    def _dump(self, msg, msg_type, action):
        """Every message of a dump, read again when the kernel says it was interrupted.

        The kernel sets NLM_F_DUMP_INTR on a dump when the list changed between two of its
        parts (links or addresses added or removed meanwhile: a busy host). pyroute2 0.7
        raises NetlinkDumpInterrupted (error -1) at the end of such a dump, 0.9 passes the
        flag on silently; both are read again, DUMP_ATTEMPTS times at most.
        """
        for attempt in range(DUMP_ATTEMPTS):
            if attempt:
                Netlink.dump_retries += 1
                time.sleep(DUMP_RETRY_DELAY * 2 ** (attempt - 1))
            try:
                answer = self._request(msg, msg_type, NLM_F_REQUEST | NLM_F_DUMP, action,
                                       interrupted=True)
            except NetlinkDumpInterrupted:
                continue
            if any(m['header']['flags'] & NLM_F_DUMP_INTR for m in answer):
                continue
            return [m for m in answer if m.get('event') not in ('NLMSG_ERROR', 'NLMSG_DONE')]
        raise NetlinkFailure(
            '%s in %s failed: the kernel interrupted the dump %d times in a row because the '
            'list kept changing while it was read (NLM_F_DUMP_INTR: links, addresses or routes '
            'being added and removed); nothing was changed, try again'
            % (action, self.where, DUMP_ATTEMPTS), -1)

    # -- links -----------------------------------------------------------------------------
    def links(self):
        """Every link: index, name, kind, up, operstate, mtu, mac, master."""
        msg = ifinfmsg()
        msg['family'] = socket.AF_UNSPEC
        result = []
        for m in self._dump(msg, RTM_GETLINK, 'listing links'):
            kind = None
            info = m.get_attr('IFLA_LINKINFO')
            if info is not None:
                kind = info.get_attr('IFLA_INFO_KIND')
            result.append({
                'index': m['index'],
                'name': m.get_attr('IFLA_IFNAME'),
                'kind': kind,
                'up': bool(m['flags'] & IFF_UP),
                'operstate': (m.get_attr('IFLA_OPERSTATE') or 'UNKNOWN'),
                'mtu': m.get_attr('IFLA_MTU'),
                'mac': m.get_attr('IFLA_ADDRESS'),
                'master': m.get_attr('IFLA_MASTER'),
            })
        self._names = dict((item['index'], item['name']) for item in result)
        return result

    def link_by_name(self, name):
        for item in self.links():
            if item['name'] == name:
                return item
        return None

    def index_of(self, name):
        """Interface index for a name, or None."""
        item = self.link_by_name(name)
        return item['index'] if item else None

    def name_of(self, index):
        if index is None:
            return None
        if self._names is None or index not in self._names:
            self.links()
        return self._names.get(index)

    def set_link(self, index, state=None, mtu=None):
        """Set admin state ('up'/'down') and/or MTU of a link."""
        msg = ifinfmsg()
        msg['family'] = socket.AF_UNSPEC
        msg['index'] = index
        if state is not None:
            msg['flags'] = IFF_UP if state == 'up' else 0
            msg['change'] = IFF_UP
        attrs = []
        if mtu is not None:
            attrs.append(['IFLA_MTU', int(mtu)])
        msg['attrs'] = attrs
        self._request(msg, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK,
                      'setting link %s' % self.name_of(index))

    def move_link(self, index, target_netns=None):
        """Move a link into a named namespace, or to the host's own (target_netns=None).

        The host's own namespace is the one the calling thread is in, i.e. the one
        ``Netlink(None)`` opens its socket in (the module's own namespace: the container's in a
        container, the one ``ip netns exec X`` gave it when started that way).
        """
        path = netns_path(target_netns) if target_netns else '/proc/thread-self/ns/net'
        if target_netns and not os.path.exists(path):
            raise NetlinkFailure('network namespace %r does not exist' % target_netns, errno.ENOENT)
        name = self.name_of(index)
        fd = os.open(path, os.O_RDONLY)
        try:
            msg = ifinfmsg()
            msg['family'] = socket.AF_UNSPEC
            msg['index'] = index
            msg['attrs'] = [['IFLA_NET_NS_FD', fd]]
            self._request(msg, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK,
                          'moving link %s to %s' % (
                              name, 'namespace %r' % target_netns if target_netns else 'the host'))
        finally:
            os.close(fd)
        self._names = None

    # -- addresses -------------------------------------------------------------------------
    def addresses(self, index=None):
        """Addresses: index, family, address, prefixlen, cidr, scope, label, permanent."""
        msg = ifaddrmsg()
        msg['family'] = socket.AF_UNSPEC
        if index is not None:
            msg['index'] = index
        result = []
        for m in self._dump(msg, RTM_GETADDR, 'listing addresses'):
            if index is not None and m['index'] != index:
                continue
            family = FAMILY_NUMBERS.get(m['family'])
            if family is None:
                continue
            addr = m.get_attr('IFA_LOCAL') if family == 4 else None
            addr = addr or m.get_attr('IFA_ADDRESS')
            flags = m.get_attr('IFA_FLAGS')
            if flags is None:
                flags = m['flags']
            result.append({
                'index': m['index'],
                'family': family,
                'address': addr,
                'prefixlen': m['prefixlen'],
                'cidr': '%s/%d' % (addr, m['prefixlen']),
                'scope': SCOPE_NAMES.get(m['scope'], m['scope']),
                'label': m.get_attr('IFA_LABEL'),
                'broadcast': m.get_attr('IFA_BROADCAST'),
                'permanent': bool(flags & IFA_F_PERMANENT),
            })
        return result

    def _address_msg(self, index, cidr, broadcast=None, nodad=False):
        addr, length = _split_prefix(cidr)
        family = family_of(addr)
        msg = ifaddrmsg()
        msg['family'] = FAMILIES[family]
        msg['prefixlen'] = length
        msg['index'] = index
        if nodad and family == 6:
            msg['flags'] = IFA_F_NODAD
        attrs = [['IFA_LOCAL', addr], ['IFA_ADDRESS', addr]] if family == 4 else [['IFA_ADDRESS', addr]]
        if broadcast:
            attrs.append(['IFA_BROADCAST', broadcast])
        msg['attrs'] = attrs
        return msg

    def add_address(self, index, cidr, broadcast=None, nodad=False):
        """Add (or replace) an address; nodad=True: IPv6 without DAD, like `ip addr add ... nodad`."""
        self._request(self._address_msg(index, cidr, broadcast, nodad), RTM_NEWADDR,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
                      'adding address %s to %s' % (cidr, self.name_of(index)))

    def delete_address(self, index, cidr):
        self._request(self._address_msg(index, cidr), RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK,
                      'removing address %s from %s' % (cidr, self.name_of(index)))

    # -- routes ----------------------------------------------------------------------------
    def routes(self, family=None, table=None):
        """Routes of one family (4, 6 or None for both), of one table (kernel-filtered) or all."""
        families = [family] if family else [4, 6]
        result = []
        for fam in families:
            msg = rtmsg()
            msg['family'] = FAMILIES[fam]
            if table is not None:
                msg['table'] = table if table < 256 else RT_TABLE_COMPAT
                msg['attrs'] = [['RTA_TABLE', table]]
            try:
                dumped = self._dump(msg, RTM_GETROUTE, 'listing IPv%d routes' % fam)
            except NetlinkFailure as exc:
                # a table nobody created yet: the kernel answers ENOENT for the filter
                if table is not None and exc.code == errno.ENOENT:
                    continue
                raise
            for m in dumped:
                route = self._decode_route(m)
                if table is None or route['table'] == table:
                    result.append(route)
        return result

    def _decode_route(self, m):
        family = FAMILY_NUMBERS.get(m['family'], m['family'])
        metrics = m.get_attr('RTA_METRICS')
        mtu = metrics.get_attr('RTAX_MTU') if metrics is not None else None
        nexthops = None
        multipath = m.get_attr('RTA_MULTIPATH')
        if multipath:
            nexthops = []
            for nh in multipath:
                nexthops.append({
                    'gateway': nh.get_attr('RTA_GATEWAY'),
                    'dev': self.name_of(nh['oif']),
                    'weight': nh['hops'] + 1,
                    'onlink': bool(nh['flags'] & RTNH_F_ONLINK),
                })
        return {
            'family': family,
            'table': _attr(m, 'RTA_TABLE', m['table']),
            'dest': _prefix(m.get_attr('RTA_DST'), m['dst_len'], family),
            'metric': _attr(m, 'RTA_PRIORITY', 0),
            'tos': m['tos'],
            'type': ROUTE_TYPE_NAMES.get(m['type'], str(m['type'])),
            'proto': m['proto'],
            'scope': SCOPE_NAMES.get(m['scope'], str(m['scope'])),
            'gateway': m.get_attr('RTA_GATEWAY'),
            'dev': self.name_of(m.get_attr('RTA_OIF')),
            'src': m.get_attr('RTA_PREFSRC'),
            'onlink': bool(m['flags'] & RTNH_F_ONLINK),
            'mtu': mtu,
            'nexthops': nexthops,
        }

    def _route_msg(self, route, identity_only=False):
        family = route['family']
        addr, length = _split_prefix(route['dest'])
        table = route['table']
        msg = rtmsg()
        msg['family'] = FAMILIES[family]
        msg['dst_len'] = length
        msg['tos'] = route.get('tos') or 0
        msg['table'] = table if table < 256 else RT_TABLE_COMPAT
        attrs = [['RTA_TABLE', table]]
        if addr is not None and length:
            attrs.append(['RTA_DST', addr])
        if route.get('metric'):
            attrs.append(['RTA_PRIORITY', route['metric']])
        if identity_only:
            msg['scope'] = SCOPES['nowhere']
            msg['attrs'] = attrs
            return msg
        msg['type'] = ROUTE_TYPES[route.get('type') or 'unicast']
        msg['proto'] = route['proto']
        msg['scope'] = SCOPES[route['scope']]
        if route.get('onlink'):
            msg['flags'] = RTNH_F_ONLINK
        if route.get('gateway'):
            attrs.append(['RTA_GATEWAY', route['gateway']])
        if route.get('dev'):
            attrs.append(['RTA_OIF', self._need_index(route['dev'])])
        if route.get('src'):
            attrs.append(['RTA_PREFSRC', route['src']])
        if route.get('mtu'):
            attrs.append(['RTA_METRICS', {'attrs': [['RTAX_MTU', route['mtu']]]}])
        if route.get('nexthops'):
            hops = []
            for nh in route['nexthops']:
                hop = {'hops': max(int(nh.get('weight') or 1), 1) - 1,
                       'flags': RTNH_F_ONLINK if nh.get('onlink') else 0, 'attrs': []}
                if nh.get('dev'):
                    hop['oif'] = self._need_index(nh['dev'])
                if nh.get('gateway'):
                    hop['attrs'].append(['RTA_GATEWAY', nh['gateway']])
                hops.append(hop)
            attrs.append(['RTA_MULTIPATH', hops])
        msg['attrs'] = attrs
        return msg

    def _need_index(self, name):
        index = self.index_of(name)
        if index is None:
            raise NetlinkFailure('interface %r does not exist in %s' % (name, self.where), errno.ENODEV)
        return index

    def replace_route(self, route):
        """Create the route, or replace the one with the same kernel identity in place."""
        self._request(self._route_msg(route), RTM_NEWROUTE,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
                      'setting route %s in table %s' % (route['dest'], route['table']))

    def delete_route(self, route):
        """Delete the route with this kernel identity (family, table, dest, metric, tos)."""
        self._request(self._route_msg(route, identity_only=True), RTM_DELROUTE,
                      NLM_F_REQUEST | NLM_F_ACK,
                      'deleting route %s from table %s' % (route['dest'], route['table']))

    def route_get(self, dst, src=None, iif=None, oif=None, fwmark=None):
        """The kernel's answer to `ip route get` as a dict (RTM_GETROUTE)."""
        family = family_of(dst)
        msg = rtmsg()
        msg['family'] = FAMILIES[family]
        msg['dst_len'] = 32 if family == 4 else 128
        if family == 4:
            # without this flag the IPv4 answer always says table main (`ip route get` sets it);
            # IPv6 always reports the table and, with strict checking, refuses the flag (EINVAL)
            msg['flags'] = RTM_F_LOOKUP_TABLE
        attrs = [['RTA_DST', dst]]
        if src:
            attrs.append(['RTA_SRC', src])
            msg['src_len'] = 32 if family == 4 else 128
        if iif:
            attrs.append(['RTA_IIF', self._need_index(iif)])
        if oif:
            attrs.append(['RTA_OIF', self._need_index(oif)])
        if fwmark is not None:
            attrs.append(['RTA_MARK', fwmark])
        msg['attrs'] = attrs
        answer = self._request(msg, RTM_GETROUTE, NLM_F_REQUEST,
                               'looking up the route to %s' % dst)
        answer = [m for m in answer if m.get('event') == 'RTM_NEWROUTE']
        if not answer:
            raise NetlinkFailure('the kernel gave no route to %s in %s' % (dst, self.where))
        route = self._decode_route(answer[0])
        route['iif'] = self.name_of(answer[0].get_attr('RTA_IIF'))
        route['uid'] = answer[0].get_attr('RTA_UID')
        return route

    # -- rules -----------------------------------------------------------------------------
    def rules(self, family=None):
        """Policy rules of one family (4, 6 or None for both) as plain dicts."""
        families = [family] if family else [4, 6]
        result = []
        for fam in families:
            msg = fibmsg()
            msg['family'] = FAMILIES[fam]
            for m in self._dump(msg, RTM_GETRULE, 'listing IPv%d rules' % fam):
                result.append(self._decode_rule(m))
        return result

    @staticmethod
    def _decode_rule(m):
        family = FAMILY_NUMBERS.get(m['family'], m['family'])

        def prefix(attr, length):
            value = m.get_attr(attr)
            return None if value is None else '%s/%d' % (value, length)

        def span(attr):
            value = m.get_attr(attr)
            if value is None:
                return None
            low, high = [int(x) for x in str(value).split(':')]
            return [low, high]

        action = RULE_ACTION_NAMES.get(m['action'], str(m['action']))
        table = _attr(m, 'FRA_TABLE', m['table'])
        return {
            'family': family,
            'priority': _attr(m, 'FRA_PRIORITY', 0),
            'from': prefix('FRA_SRC', m['src_len']),
            'to': prefix('FRA_DST', m['dst_len']),
            'iif': m.get_attr('FRA_IIFNAME'),
            'oif': m.get_attr('FRA_OIFNAME'),
            'fwmark': m.get_attr('FRA_FWMARK'),
            'fwmask': m.get_attr('FRA_FWMASK'),
            'ipproto': m.get_attr('FRA_IP_PROTO'),
            'sport': span('FRA_SPORT_RANGE'),
            'dport': span('FRA_DPORT_RANGE'),
            'uidrange': span('FRA_UID_RANGE'),
            'tos': m['tos'],
            'table': table if action == 'lookup' else None,
            'action': action,
            'goto': m.get_attr('FRA_GOTO'),
            'suppress_prefixlength': _unset_if_all_ones(m.get_attr('FRA_SUPPRESS_PREFIXLEN')),
            'invert': bool(m['flags'] & FIB_RULE_INVERT),
            'proto': m.get_attr('FRA_PROTOCOL'),
        }

    @staticmethod
    def _rule_msg(rule):
        msg = fibmsg()
        msg['family'] = FAMILIES[rule['family']]
        msg['action'] = RULE_ACTIONS[rule.get('action') or 'lookup']
        msg['tos'] = rule.get('tos') or 0
        if rule.get('invert'):
            msg['flags'] = FIB_RULE_INVERT
        attrs = [['FRA_PRIORITY', rule['priority']]]
        for key, attr, lenfield in (('from', 'FRA_SRC', 'src_len'), ('to', 'FRA_DST', 'dst_len')):
            if rule.get(key):
                addr, length = _split_prefix(rule[key])
                msg[lenfield] = length
                attrs.append([attr, addr])
        for key, attr in (('iif', 'FRA_IIFNAME'), ('oif', 'FRA_OIFNAME'), ('fwmark', 'FRA_FWMARK'),
                          ('fwmask', 'FRA_FWMASK'), ('ipproto', 'FRA_IP_PROTO'),
                          ('goto', 'FRA_GOTO'), ('proto', 'FRA_PROTOCOL')):
            if rule.get(key) is not None:
                attrs.append([attr, rule[key]])
        if rule.get('suppress_prefixlength') is not None:
            attrs.append(['FRA_SUPPRESS_PREFIXLEN', rule['suppress_prefixlength']])
        for key, attr in (('sport', 'FRA_SPORT_RANGE'), ('dport', 'FRA_DPORT_RANGE'),
                          ('uidrange', 'FRA_UID_RANGE')):
            if rule.get(key) is not None:
                attrs.append([attr, '%d:%d' % tuple(rule[key])])
        table = rule.get('table')
        if table is not None and msg['action'] == RULE_ACTIONS['lookup']:
            msg['table'] = table if table < 256 else RT_TABLE_COMPAT
            attrs.append(['FRA_TABLE', table])
        msg['attrs'] = attrs
        return msg

    def add_rule(self, rule):
        self._request(self._rule_msg(rule), RTM_NEWRULE,
                      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                      'adding rule priority %s' % rule['priority'])

    def delete_rule(self, rule):
        self._request(self._rule_msg(rule), RTM_DELRULE, NLM_F_REQUEST | NLM_F_ACK,
                      'deleting rule priority %s' % rule['priority'])
