# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation and module plumbing shared by every multinic.routing module.

PRIVATE: internal to multinic.routing, not a public API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


from ansible_collections.multinic.routing.plugins.module_utils import _exit
from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
from ansible_collections.multinic.routing.plugins.module_utils import _iproute2_names as names
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError
from ansible_collections.multinic.routing.plugins.module_utils._pyroute2 import require_pyroute2

TABLE_MAX = 4294967295
U32_MAX = 4294967295
IFNAMSIZ = 15
NETNS_NAME_MAX = 255


def run_module(module, action, needs_pyroute2=True):
    """The one runner of every module: gate on pyroute2, check the netns option, run
    ``action(module)`` and exit.

    ``action`` returns the result dict; a ModuleFailure (bad input, netlink, files, ...) becomes
    a fail_json message with the keys it carries (never a traceback). A ``warnings`` list in the
    result is handed to ``module.warn`` (so ``action`` needs nothing of the module but params,
    check_mode and _diff; a caller without Ansible reads the list itself). The result goes out
    through _exit.exit_json. ``needs_pyroute2`` False: a module that only writes files runs
    without pyroute2.
    """
    if needs_pyroute2:
        require_pyroute2(module)
    if not module.check_mode:
        _keepalive.extend_all()     # word from the controller: an armed rollback waits longer
    try:
        check_netns_option(module.params)
        result = action(module)
    except ModuleFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    if not module.check_mode:
        # and again at the end: a long run (a network manager's reload, a batch of steps) does
        # not count against the window the play has before the next module's word
        _keepalive.extend_all()
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    # module.exit_json(**result), written directly for a result holding _exit.JSONRows when
    # that is provably the same JSON (routing_facts on big tables: see _exit)
    _exit.exit_json(module, result)


def check_netns_option(params):
    """The ``netns`` option, one namespace name or a list of them, as `ip netns` accepts them."""
    netns = params.get('netns')
    for name in netns if isinstance(netns, list) else [netns]:
        if name is not None:
            check_netns_name(name, 'netns')


def check_netns_name(name, option):
    """Namespace names as `ip netns` accepts them: a plain file name under /run/netns."""
    if not name or name in ('.', '..') or '/' in name or '\0' in name:
        raise ValidationError('%s=%r is not a valid namespace name (no "/", not "." or "..", '
                              'not empty)' % (option, name))
    if len(name.encode('utf-8')) > NETNS_NAME_MAX:
        raise ValidationError('%s=%r is too long (at most %d bytes)' % (option, name, NETNS_NAME_MAX))
    return name


def check_ifname(name, option):
    if not name or len(name) > IFNAMSIZ or '/' in name or any(c.isspace() for c in name) \
            or name in ('.', '..'):
        raise ValidationError('%s=%r is not a valid interface name (1-15 characters, no "/" '
                              'or white space)' % (option, name))
    return name


def parse_address(value, option, family=None):
    """A single IP address, canonical text; optionally of a given family (4 or 6)."""
    try:
        addr = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise ValidationError('%s=%r is not a valid IP address' % (option, value))
    if family is not None and addr.version != family:
        raise ValidationError('%s=%r is IPv%d but the rest of this entry is IPv%d'
                              % (option, value, addr.version, family))
    return str(addr)


def parse_prefix(value, option, family=None, allow_default=False, host_bits='fail'):
    """CIDR (or a bare address = host prefix)  -> ('net/len', family).

    host_bits: 'fail' (default; names the network the user probably meant) or 'keep' (an
    interface address such as 10.0.0.4/24).
    """
    text = str(value).strip()
    if allow_default and text == 'default':
        if family is None:
            return 'default', None
        return 'default', family
    try:
        if host_bits == 'keep':
            iface = ipaddress.ip_interface(text)
            net = iface.network
            result = '%s/%d' % (iface.ip, net.prefixlen)
        else:
            net = ipaddress.ip_network(text, strict=False)
            result = '%s/%d' % (net.network_address, net.prefixlen)
    except ValueError:
        raise ValidationError('%s=%r is not a valid IP address or CIDR prefix' % (option, value))
    if host_bits != 'keep' and ipaddress.ip_address(text.split('/', maxsplit=1)[0]) != net.network_address:
        raise ValidationError('%s=%r has host bits set; the network is %s' % (option, value, result))
    if family is not None and net.version != family:
        raise ValidationError('%s=%r is IPv%d but the rest of this entry is IPv%d'
                              % (option, value, net.version, family))
    if net.prefixlen == 0 and allow_default:
        return 'default', net.version
    return result, net.version


def resolve_table(value, option='table'):
    """A table given by number (1..4294967295) or by a name the host knows  -> its number."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        number = int(text, 0)
    except ValueError:
        known = names.table_names()
        if text in known and known[text] != 0:
            return known[text]
        raise ValidationError('%s=%r is not a table number (1..%d) nor a table name this host '
                              'knows (see /etc/iproute2/rt_tables and rt_tables.d; '
                              'multinic.routing.rt_table adds one)' % (option, value, TABLE_MAX))
    if not 1 <= number <= TABLE_MAX:
        raise ValidationError('%s=%r is out of range: tables are numbered 1..%d'
                              % (option, value, TABLE_MAX))
    return number


def resolve_proto(value, option='proto'):
    """A route protocol by number (0..255) or name (rt_protos)  -> its number."""
    text = str(value).strip()
    try:
        number = int(text, 0)
    except ValueError:
        known = names.proto_names()
        if text in known:
            return known[text]
        raise ValidationError('%s=%r is not a protocol number (0..255) nor a name in '
                              '/etc/iproute2/rt_protos' % (option, value))
    if not 0 <= number <= 255:
        raise ValidationError('%s=%r is out of range (0..255)' % (option, value))
    return number


def parse_u32(value, option, minimum=0, maximum=U32_MAX):
    """An unsigned 32-bit number, decimal or 0x-hex (fwmark style)."""
    try:
        number = int(str(value).strip(), 0)
    except ValueError:
        raise ValidationError('%s=%r is not a number (decimal or 0x hex)' % (option, value))
    if not minimum <= number <= maximum:
        raise ValidationError('%s=%r is out of range (%d..%d)' % (option, value, minimum, maximum))
    return number


def parse_range(value, option, maximum):
    """'N', 'N-M' or 'N:M'  -> [N, M] with N <= M <= maximum."""
    text = str(value).strip().replace(':', '-')
    parts = text.split('-')
    try:
        if len(parts) == 1:
            low = high = int(parts[0])
        elif len(parts) == 2:
            low, high = int(parts[0]), int(parts[1])
        else:
            raise ValueError(text)
    except ValueError:
        raise ValidationError('%s=%r is not a number or a range N-M' % (option, value))
    if low < 0 or high > maximum:
        raise ValidationError('%s=%r is out of range (0..%d)' % (option, value, maximum))
    if low > high:
        raise ValidationError('%s=%r is reversed: the start must not exceed the end' % (option, value))
    return [low, high]


def diff_of(before, after):
    """Diff-mode payload from two kernel-state views."""
    return {'before': before if before is not None else {}, 'after': after if after is not None else {}}
