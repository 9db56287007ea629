# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netlink session of multinic.routing: one rtnetlink socket, requests and dumps.

PRIVATE: this module is internal to the collection; it is not a public API and may change
without notice. The pyroute2 adapter is this module (the socket and what is sent on it),
_rtnl_codec (the messages), _netns_files (named namespaces) and _pyroute2 (the import gate);
the rest of the collection never sees a pyroute2 object.

Design:
- Sockets are opened inside a named namespace by entering it (setns, _netns_files.Entered)
  only for the time it takes to create the socket, so a missing namespace is an error and is
  NEVER created.
- Questions - dumps of links, addresses, routes and rules, a link by name or index
  (RTM_GETLINK without a dump), `ip route get` - go on two plain rtnetlink sockets (one for
  dumps, one for single questions, so that a name asked for while a dump is read does not take
  the dump's next datagram) and their answers are read by the codec's own decoder: pyroute2 is
  neither imported nor asked to parse anything (it needs tens of seconds for 100,000 routes).
  The sockets use strict checking, so the kernel itself filters route dumps by table and
  protocol (``ip route show table N`` does the same).
- Changes are pyroute2 messages sent with ``nlm_request``, which behaves the same on pyroute2
  0.7.x (thread based) and 0.9.x (asyncio core), on pyroute2's socket, opened (and pyroute2
  imported) on the first change: a run that only reads, or finds nothing to change, never
  loads pyroute2.
- A dump the kernel flags "interrupted" (NLM_F_DUMP_INTR) is read again, a bounded number of
  times.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import socket
import time

from ansible_collections.multinic.routing.plugins.module_utils import _netns_files
from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2 as pr
from ansible_collections.multinic.routing.plugins.module_utils import _rtnl_codec as codec
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure, describe_error

# A dump the kernel flags NLM_F_DUMP_INTR (the list changed while it was read) is read again,
# at most this many times in all, waiting DUMP_RETRY_DELAY * 2**n seconds in between.
DUMP_ATTEMPTS = 5
DUMP_RETRY_DELAY = 0.05
NLM_F_DUMP_INTR = 0x10
NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_GET_STRICT_CHK = 12
RAW_RECV_SIZE = 1 << 16     # the kernel fills at most 32 KiB per datagram of a dump


def _open_raw_socket():
    """A plain rtnetlink socket with strict checking, for the dumps the codec decodes itself."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        sock.setsockopt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1)
        sock.bind((0, 0))
    except Exception:
        sock.close()
        raise
    return sock


def _open_socket():
    ipr = pr.IPRoute(strict_check=True)
    core = getattr(ipr, 'asyncore', None)
    if core is not None:
        # pyroute2 0.9: the sync facade reads this key in nlm_request() but IPRoute never sets it.
        core.status.setdefault('nlm_generator', False)
    return ipr


def create_netns(name):
    """Create a named namespace exactly like ``ip netns add`` and bring its loopback up."""
    _netns_files.add_netns_file(name)
    with Netlink(name) as nl:
        lo = nl.link_by_name('lo')
        if lo is not None and not lo['up']:
            nl.set_link(lo['index'], state='up')


class Netlink(object):
    """An rtnetlink socket in the host's namespace (netns=None) or in a named one.

    Use as a context manager so the socket is always closed.
    """

    def __init__(self, netns=None):
        self.netns = netns
        self._names = None
        self.raw = self.raw_get = self._ipr = None
        self._seq = 0
        try:
            if netns:
                with _netns_files.Entered(netns):
                    self._open_raw()
            else:
                self._open_raw()
        except NetlinkFailure:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise NetlinkFailure(describe_error(exc, 'opening netlink in %s' % self.where), exc.errno)

    def _open_raw(self):
        # two plain sockets: one for dumps, one for single questions (a link's name asked while
        # a dump is read must not take the dump's next datagram)
        self.raw = _open_raw_socket()
        self.raw_get = _open_raw_socket()

    @property
    def ipr(self):
        """pyroute2's socket, for changes: imported and opened on the first change, so a run
        that only reads (or finds nothing to change) never loads pyroute2."""
        if self._ipr is None:
            pr.loaded('changing anything in %s' % self.where)
            try:
                if self.netns:
                    with _netns_files.Entered(self.netns):
                        self._ipr = _open_socket()
                else:
                    self._ipr = _open_socket()
            except NetlinkFailure:
                raise
            except (pr.NetlinkError, OSError) as exc:
                raise NetlinkFailure(describe_error(exc, 'opening netlink in %s' % self.where),
                                     getattr(exc, 'code', getattr(exc, 'errno', None)))
        return self._ipr

    @property
    def where(self):
        return 'namespace %r' % self.netns if self.netns else "the host's namespace"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        for name in ('raw', 'raw_get'):
            sock = getattr(self, name, None)
            if sock is not None:
                setattr(self, name, None)
                sock.close()
        ipr = getattr(self, '_ipr', None)
        if ipr is not None:
            self._ipr = None
            ipr.close()

    # -- raw request -----------------------------------------------------------------------
    def _request(self, msg, msg_type, flags, action):
        """A pyroute2 request (the changes) -> the kernel's answer."""
        try:
            return list(self.ipr.nlm_request(msg, msg_type=msg_type, msg_flags=flags))
        except pr.NetlinkError as exc:
            raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.code)
        except OSError as exc:
            raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.errno)

    def _change(self, msg, msg_type, action, extra_flags=0):
        """A request the kernel acknowledges (NLM_F_ACK) and answers nothing else to."""
        self._request(msg, msg_type, pr.NLM_F_REQUEST | pr.NLM_F_ACK | extra_flags, action)

    # How many dumps had to be read again (NLM_F_DUMP_INTR); tests read it.
    dump_retries = 0

    def _dump_raw(self, msg, msg_type, action, pick):
        """What ``pick`` keeps of a dump read from the raw socket (see codec.scan).

        Read again when the kernel flags it NLM_F_DUMP_INTR. Nothing but the
        items picked is kept, so memory does not grow with the size of the dump.
        """
        for attempt in range(DUMP_ATTEMPTS):
            if attempt:
                Netlink.dump_retries += 1
                time.sleep(DUMP_RETRY_DELAY * 2 ** (attempt - 1))
            self._seq += 1
            seq = self._seq
            request = codec.request_bytes(msg, msg_type, pr.NLM_F_REQUEST | pr.NLM_F_DUMP, seq)
            items, interrupted = [], False
            try:
                self.raw.send(request)
                done = False
                while not done:
                    found, done, torn, code = codec.scan(self.raw.recv(RAW_RECV_SIZE), seq, pick)
                    if code:
                        raise NetlinkFailure(describe_error(OSError(code, os.strerror(code)),
                                                            '%s in %s' % (action, self.where)), code)
                    items.extend(found)
                    interrupted = interrupted or torn
            except (OSError, socket.error) as exc:
                raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.errno)
            if not interrupted:
                return items
        raise NetlinkFailure(
            '%s in %s failed: the kernel interrupted the dump %d times in a row because the '
            'list kept changing while it was read (NLM_F_DUMP_INTR: links, addresses or routes '
            'being added and removed); nothing was changed, try again'
            % (action, self.where, DUMP_ATTEMPTS), -1)

    def _get_raw(self, request, msg_type, action, pick):
        """A single question (no dump) on the second raw socket -> what ``pick`` makes of the
        answer, or None; the kernel's error as a NetlinkFailure with its errno."""
        self._seq += 1
        seq = self._seq
        try:
            self.raw_get.send(codec.request_bytes(request, msg_type, pr.NLM_F_REQUEST, seq))
            while True:
                found, done, _torn, code = codec.scan(self.raw_get.recv(RAW_RECV_SIZE), seq, pick)
                if code:
                    raise NetlinkFailure(describe_error(OSError(code, os.strerror(code)),
                                                        '%s in %s' % (action, self.where)), code)
                if found or done:
                    return found[0] if found else None
        except (OSError, socket.error) as exc:
            raise NetlinkFailure(describe_error(exc, '%s in %s' % (action, self.where)), exc.errno)

    # -- links -----------------------------------------------------------------------------
    def links(self):
        """Every link: index, name, kind, up, operstate, mtu, mac, master."""
        result = self._dump_raw(codec.link_dump_msg(), pr.RTM_GETLINK, 'listing links', codec.decode_link_bytes)
        self._names = dict((item['index'], item['name']) for item in result)
        return result

    def _get_link(self, msg, what):
        """One link asked for by name or index (RTM_GETLINK, no dump), or None."""
        try:
            return self._get_raw(msg, pr.RTM_GETLINK, 'looking up link %s' % what, codec.decode_link_bytes)
        except NetlinkFailure as exc:
            # no such link; a name the kernel cannot hold (too long) is no link either
            if exc.code in (errno.ENODEV, errno.EINVAL, errno.ERANGE):
                return None
            raise

    def link_by_name(self, name):
        if not name or '\0' in name:
            return None
        item = self._get_link(codec.link_get_msg(name=name), repr(name))
        # the kernel also finds a link by one of its alternative names: not the same name
        if item is None or item['name'] != name:
            return None
        if self._names is not None:
            self._names[item['index']] = item['name']
        return item

    def index_of(self, name):
        """Interface index for a name, or None."""
        item = self.link_by_name(name)
        return item['index'] if item else None

    def name_of(self, index):
        if index is None:
            return None
        if self._names is None:
            self._names = {}
        if index not in self._names and index > 0:
            item = self._get_link(codec.link_get_msg(index=index), 'index %d' % index)
            if item is not None:
                self._names[index] = item['name']
        return self._names.get(index)

    def _need_index(self, name):
        index = self.index_of(name)
        if index is None:
            raise NetlinkFailure('interface %r does not exist in %s' % (name, self.where), errno.ENODEV)
        return index

    def set_link(self, index, state=None, mtu=None):
        """Set admin state ('up'/'down') and/or MTU of a link."""
        self._change(codec.link_msg(index, state, mtu), pr.RTM_NEWLINK,
                     'setting link %s' % self.name_of(index))

    def move_link(self, index, target_netns=None):
        """Move a link into a named namespace, or to the host's own (target_netns=None).

        The host's own namespace is the one the calling thread is in, i.e. the one
        ``Netlink(None)`` opens its socket in (the module's own namespace: the container's in a
        container, the one ``ip netns exec X`` gave it when started that way).
        """
        fd = _netns_files.open_target(target_netns)
        try:
            name = self.name_of(index)
            self._change(codec.move_link_msg(index, fd), pr.RTM_NEWLINK,
                         'moving link %s to %s' % (
                             name, 'namespace %r' % target_netns if target_netns else 'the host'))
        finally:
            os.close(fd)
        self._names = None

    # -- addresses -------------------------------------------------------------------------
    def addresses(self, index=None):
        """Addresses: index, family, address, prefixlen, cidr, scope, label, permanent."""
        result = self._dump_raw(codec.address_dump_msg(index), pr.RTM_GETADDR, 'listing addresses',
                                codec.decode_address_bytes)
        return [item for item in result if index is None or item['index'] == index]

    def add_address(self, index, cidr, broadcast=None, nodad=False):
        """Add (or replace) an address; nodad=True: IPv6 without DAD, like `ip addr add ... nodad`."""
        self._change(codec.address_msg(index, cidr, broadcast, nodad), pr.RTM_NEWADDR,
                     'adding address %s to %s' % (cidr, self.name_of(index)),
                     pr.NLM_F_CREATE | pr.NLM_F_REPLACE)

    def delete_address(self, index, cidr):
        self._change(codec.address_msg(index, cidr), pr.RTM_DELADDR,
                     'removing address %s from %s' % (cidr, self.name_of(index)))

    # -- routes ----------------------------------------------------------------------------
    def routes(self, family=None, table=None, dest=None, proto=None):
        """Routes of one family (4, 6 or None for both), of one table (kernel-filtered) or all;
        with ``dest`` (a prefix as the routes read it, or 'default') only the routes to it;
        with ``proto`` (a protocol number) only the routes of that protocol (kernel-filtered)."""
        families = [family] if family else [4, 6]
        result = []
        for fam in families:
            try:
                dumped = self._dump_raw(codec.route_dump_msg(fam, table, proto), pr.RTM_GETROUTE,
                                        'listing IPv%d routes' % fam,
                                        codec.route_picker(fam, self.name_of, dest))
            except NetlinkFailure as exc:
                # a table nobody created yet: the kernel answers ENOENT for the filter
                if table is not None and exc.code == errno.ENOENT:
                    continue
                raise
            for route in dumped:
                if (table is None or route['table'] == table) and (not proto or route['proto'] == proto):
                    result.append(route)
        return result

    def route_rows(self, table=None, decorate=None):
        """The routes of both families, of one table (kernel-filtered) or all, as JSON rows
        (codec.route_json_picker, for _exit.JSONRows): what routes() reads, with
        ``decorate(route)`` applied, without keeping a dict per route."""
        result = []
        for fam in (4, 6):
            try:
                result.extend(self._dump_raw(codec.route_dump_msg(fam, table), pr.RTM_GETROUTE,
                                             'listing IPv%d routes' % fam,
                                             codec.route_json_picker(self.name_of, decorate, table)))
            except NetlinkFailure as exc:
                # a table nobody created yet: the kernel answers ENOENT for the filter (routes())
                if table is not None and exc.code == errno.ENOENT:
                    continue
                raise
        return result

    def replace_route(self, route):
        """Create the route, or replace the one with the same kernel identity in place."""
        self._change(codec.route_msg(route, self._need_index), pr.RTM_NEWROUTE,
                     'setting route %s in table %s' % (route['dest'], route['table']),
                     pr.NLM_F_CREATE | pr.NLM_F_REPLACE)

    def delete_route(self, route):
        """Delete the route with this kernel identity (family, table, dest, metric, tos)."""
        self._change(codec.route_msg(route, self._need_index, identity_only=True), pr.RTM_DELROUTE,
                     'deleting route %s from table %s' % (route['dest'], route['table']))

    def route_get(self, dst, src=None, iif=None, oif=None, fwmark=None):
        """The kernel's answer to `ip route get` as a dict (RTM_GETROUTE)."""
        msg = codec.route_get_msg(dst, self._need_index, src=src, iif=iif, oif=oif, fwmark=fwmark)
        found = self._get_raw(msg, pr.RTM_GETROUTE, 'looking up the route to %s' % dst,
                              lambda buf, start, end: codec.decode_route_get_bytes(buf, start, end, self.name_of))
        if found is None:
            raise NetlinkFailure('the kernel gave no route to %s in %s' % (dst, self.where))
        return found

    # -- rules -----------------------------------------------------------------------------
    def rules(self, family=None, priority=None):
        """Policy rules of one family (4, 6 or None for both) as plain dicts, in the kernel's
        order; with ``priority`` only the rules at that priority."""
        families = [family] if family else [4, 6]
        result = []
        for fam in families:
            result.extend(self._dump_raw(codec.rule_dump_msg(fam), pr.RTM_GETRULE,
                                         'listing IPv%d rules' % fam, codec.rule_picker(priority)))
        return result

    def add_rule(self, rule):
        self._change(codec.rule_msg(rule), pr.RTM_NEWRULE,
                     'adding rule priority %s' % rule['priority'],
                     pr.NLM_F_CREATE | pr.NLM_F_EXCL)

    def delete_rule(self, rule):
        self._change(codec.rule_msg(rule), pr.RTM_DELRULE,
                     'deleting rule priority %s' % rule['priority'])
