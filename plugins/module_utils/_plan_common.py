# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the roles' plans are made of: addresses and networks, the files routing_facts read,
what keeps a NIC's state, the plans' input checks.

PRIVATE: internal to multinic.routing, not a public API. Shared by the filter plugins of the
same names (on the controller) and by multinic.routing.batch's plan (on the host), so it imports
nothing but the standard library and ansible.module_utils. Bad input raises PlanError; the
filters turn it into AnsibleFilterError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress
from fnmatch import fnmatchcase

from ansible.module_utils.common.text.converters import to_text


class PlanError(ValueError):
    """Input a plan helper cannot work with; the message names it."""


def raising(function, error):
    """``function`` raising ``error`` (a filter's AnsibleFilterError) where it raises PlanError."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except PlanError as exc:
            raise error(str(exc))
    return wrapped


MAGIC = frozenset('*?[')


def covers(pattern, path):
    """Whether the glob ``pattern`` would match ``path`` (component by component, as glob does)."""
    if not MAGIC.intersection(pattern):
        return pattern == path
    want, have = pattern.split('/'), path.split('/')
    if len(want) != len(have):
        return False
    for part, name in zip(want, have):
        if name.startswith('.') and not part.startswith('.') and MAGIC.intersection(part):
            return False
        if not fnmatchcase(name, part):
            return False
    return True


def file_text(path, files):
    """path, {pattern: {path: text}}  -> text, '' (covered, not there) or None (not covered)."""
    path = to_text(path)
    if not path.startswith('/'):
        raise PlanError('file_text: %r is not an absolute path' % (path,))
    if not isinstance(files, dict):
        raise PlanError('file_text: files must be ansible_facts.multinic_routing.files (a dict of '
                        'patterns), got %s' % type(files).__name__)
    for pattern, found in files.items():
        if covers(to_text(pattern), path):
            return (found or {}).get(path, '')
    return None


def _interface(name, value):
    text = to_text(value).strip() if value is not None else ''
    if '/' not in text:
        raise PlanError('%s: %r is not ADDRESS/PREFIXLEN (the prefix length is needed to know the network)'
                        % (name, value))
    try:
        return ipaddress.ip_interface(text)
    except ValueError as exc:
        raise PlanError('%s: %r is not an IP address with a prefix length: %s' % (name, value, exc))


def ip_network(value):
    """'10.240.64.4/24' -> '10.240.64.0/24'."""
    return str(_interface('ip_network', value).network)


def first_host(value):
    """'10.240.64.4/24' or '10.240.64.0/24' -> '10.240.64.1'."""
    network = _interface('first_host', value).network
    if network.num_addresses < 2:
        raise PlanError('first_host: %s has no host part, so no first host address' % network)
    return str(network.network_address + 1)


def ip_prefix(value, version=None):
    """Whether ``value`` is a network prefix (of IP ``version``, any when None)."""
    if not isinstance(value, str) or '/' not in value:
        return False
    try:
        network = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        return False
    return version is None or network.version == int(version)


NOTES = {
    'networkd': 'kept by systemd-networkd (drop-in for %s)',
    'networkmanager': 'kept by NetworkManager (in the profile %s)',
    'boot_unit': 'applied again at every boot by a unit of the collection (%s)',
    'runtime': 'runtime only: gone at reboot (%s)',
}


def decide(entry, systemd, persist):
    manager = entry.get('manager', 'none')
    if not persist:
        return 'runtime', 'persistence is off'
    if manager == 'networkd':
        return 'networkd', entry.get('network_file')
    if manager == 'NetworkManager':
        return 'networkmanager', entry.get('connection_uuid')
    if not systemd:
        return 'runtime', 'PID 1 is not systemd, so no boot unit can run'
    return 'boot_unit', '%s manages it' % manager if manager != 'none' else 'no network manager'


def persistence(managers, interfaces, persist=True):
    """routing_facts' managers, interface names  -> per interface its backend, manager and note."""
    if not isinstance(managers, dict) or 'links' not in managers:
        raise PlanError('persistence: the input must be the managers section of '
                        'multinic.routing.routing_facts (gather_subset: [managers])')
    result = {}
    for name in interfaces:
        if name not in managers['links']:
            raise PlanError("persistence: interface %r is not in the host's namespace" % (name,))
        backend, why = decide(managers['links'][name], managers.get('systemd', False), persist)
        result[name] = {'backend': backend, 'manager': managers['links'][name].get('manager', 'none'),
                        'note': NOTES[backend] % why}
    return result


def text(value):
    return u'' if value is None else to_text(value)


def subnet_errors(option, subnets):
    """The problems of a list of IPv4 network prefixes given as ``option``."""
    if isinstance(subnets, str) or not isinstance(subnets, (list, tuple)):
        return [u'%s=%s must be a list of IPv4 network prefixes' % (option, text(subnets))]
    if not subnets:
        return [u'%s is empty' % option]
    bad = [text(s) for s in subnets if not ip_prefix(s, version=4) or text(s).strip().endswith('/0')]
    return [u'%s: not IPv4 network prefixes (or a default route /0): %s' % (option, ', '.join(bad))] if bad else []


def address_errors(option, value):
    """The problem of an IPv4 address given as ``option`` ('' or None: none given, no problem)."""
    value = text(value)
    return [u'%s=%s is not an IPv4 address' % (option, value)] if value and not ip_prefix(value + u'/32', version=4) else []


def as_int(value):
    """What Ansible's int filter gives: 0 where it is no number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def plan_input(name, facts, settings, keys, texts):
    """A role plan's checks of its input: the facts of routing_facts with the host namespace,
    every setting in ``keys``; returns a copy of the settings with those in ``texts`` as text
    ('' for None)."""
    if not isinstance(facts, dict) or not isinstance((facts.get('netns') or {}).get('host'), dict):
        raise PlanError('%s: the input must be ansible_facts.multinic_routing of '
                        'multinic.routing.routing_facts (the host namespace gathered)' % name)
    missing = [k for k in keys if k not in (settings or {})]
    if missing:
        raise PlanError('%s: settings lack %s' % (name, ', '.join(missing)))
    s = dict(settings)
    for key in texts:
        s[key] = s[key] if isinstance(s[key], str) else ('' if s[key] is None else str(s[key]))
    return s


def found_nics(host, wanted):
    """Each wanted NIC (a dict with ``interface`` and ``gateway``) with its first IPv4 address,
    subnet and gateway ('' where it has none)."""
    addresses = [a for a in host.get('addresses') or () if a.get('family') == 4]
    out = []
    for nic in wanted:
        cidr = next((a['cidr'] for a in addresses if a.get('dev') == nic['interface']), '')
        network = ip_network(cidr) if cidr else ''
        gateway = nic['gateway'] or (first_host(cidr) if cidr else '')
        out.append(dict(nic, address=cidr.split('/')[0], network=network, gateway=gateway))
    return out
