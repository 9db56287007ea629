# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation and rendering of multinic.routing.networkd_dropin, without writing anything.

The argument spec is the module's real one; routes and rules go through the same checks as
the route and rule modules. What systemd-networkd makes of the drop-in is tested on real
networkd hosts in the lab (molecule scenarios)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _networkd
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError


def build(util=_networkd, **params):
    """Through the real argument spec of the module whose logic is `util` (nm_profile's too)."""
    params.setdefault('interface', 'ens4')
    params.setdefault('name', 'custom_routes')
    result = util.SPEC.validate(params)
    assert not result.error_messages, result.error_messages
    return util.build(result.validated_parameters)


def render(**params):
    interface, name, routes, rules = build(**params)
    return _networkd.render(interface, name, routes, rules)


def test_custom_routes():
    text = render(routes=[{'dest': '10.240.128.0/24', 'gateway': '10.240.64.1'}])
    assert text == (
        '# Managed by multinic.routing (multinic.routing.networkd_dropin, name custom_routes): '
        'routes and rules of ens4.\n'
        '# Changes made here are overwritten; remove it with state=absent.\n'
        '\n[Route]\nDestination=10.240.128.0/24\nGateway=10.240.64.1\nScope=global\nProtocol=241\n')


def test_source_routing_table_and_rule():
    text = render(name='source_routing', routes=[
        {'dest': '10.240.64.0/24', 'scope': 'link', 'src': '10.240.64.4', 'table': '201'},
        {'dest': 'default', 'gateway': '10.240.64.1', 'src': '10.240.64.4', 'table': '201'},
    ], rules=[{'priority': 1000, 'from': '10.240.64.4', 'table': '201'}])
    blocks = text.split('\n\n')[1:]
    assert blocks[0].splitlines() == ['[Route]', 'Destination=10.240.64.0/24', 'PreferredSource=10.240.64.4',
                                      'Table=201', 'Scope=link', 'Protocol=241']
    assert blocks[1].splitlines() == ['[Route]', 'Destination=0.0.0.0/0', 'Gateway=10.240.64.1',
                                      'PreferredSource=10.240.64.4', 'Table=201', 'Scope=global',
                                      'Protocol=241']
    assert blocks[2].splitlines() == ['[RoutingPolicyRule]', 'Priority=1000', 'Family=ipv4',
                                      'From=10.240.64.4/32', 'Table=201']


def test_rule_actions_marks_and_suppress():
    text = render(rules=[
        {'priority': 900, 'table': 'main', 'suppress_prefixlength': 0, 'family': 'ipv4'},
        {'priority': 901, 'fwmark': '0x10', 'fwmask': '0xff', 'action': 'blackhole'},
        {'priority': 902, 'to': '2001:db8::/64', 'invert': True, 'table': '300'},
    ])
    assert 'Priority=900\nFamily=ipv4\nTable=254\nSuppressPrefixLength=0\n' in text
    assert 'Priority=901\nFamily=ipv4\nFirewallMark=16/255\nType=blackhole\n' in text
    assert 'Priority=902\nFamily=ipv6\nTo=2001:db8::/64\nTable=300\nInvertRule=yes\n' in text


def test_ipv6_route_has_no_scope_and_keeps_its_metric():
    text = render(routes=[{'dest': '2001:db8:1::/64', 'gateway': 'fe80::1'}])
    assert 'Destination=2001:db8:1::/64\nGateway=fe80::1\nMetric=1024\nProtocol=241\n' in text
    assert 'Scope=' not in text


@pytest.mark.parametrize('params, needle', [
    ({'routes': [{'dest': '10.0.0.0/24', 'gateway': '10.240.64.1'}, {'dest': '10.1.0.1/24', 'gateway': '10.240.64.1'}]},
     "routes[1]: dest='10.1.0.1/24' has host bits set"),
    ({'routes': [{'dest': '10.0.0.0/24', 'gateway': '2001:db8::1'}]}, 'routes[0]: the addresses mix IPv4 and IPv6'),
    ({'rules': [{'priority': 5, 'table': 'no-such-table'}]}, "rules[0]: table='no-such-table'"),
    ({'interface': 'x' * 16, 'routes': [{'dest': 'default', 'gateway': '10.0.0.1'}]}, 'interface='),
    ({'name': 'a/b', 'routes': [{'dest': 'default', 'gateway': '10.0.0.1'}]}, "name='a/b'"),
    ({}, 'needs at least one entry in routes or rules'),
    ({'timeout': 0, 'routes': [{'dest': 'default', 'gateway': '10.0.0.1'}]}, 'timeout=0'),
])
def test_bad_input_is_named(params, needle):
    with pytest.raises(ValidationError) as err:
        build(**params)
    assert needle in err.value.msg


def test_absent_needs_no_entries():
    assert build(state='absent')[2:] == ([], [])


def test_dropin_path_sits_next_to_the_file_networkd_uses():
    assert _networkd.dropin_path('/run/systemd/network/10-netplan-ens4.network', 'custom_routes') == \
        '/etc/systemd/network/10-netplan-ens4.network.d/60-multinic-custom_routes.conf'


class CheckModule(object):
    """What run() uses of AnsibleModule, in check mode (nothing is written)."""

    def __init__(self, **params):
        params.setdefault('interface', 'ens4')
        params.setdefault('name', 'custom_routes')
        self.params = _networkd.SPEC.validate(params).validated_parameters
        self.check_mode = True
        self._diff = False


@pytest.fixture
def dropins(monkeypatch):
    """The drop-in files run() sees, by path; the interface's .network file is fixed."""
    files = {}
    monkeypatch.setattr(_networkd, 'network_file_of', lambda interface: (3, '/run/systemd/network/10-ens4.network'))
    monkeypatch.setattr(_networkd._managers, 'read_file', files.get)
    monkeypatch.setattr(_networkd, 'ours_for', lambda interface, name: sorted(
        p for p in files if p.endswith('/' + _networkd.file_name(name))))
    return files


def test_differences_of_a_drop_in(dropins):
    routes = [{'dest': '10.240.128.0/24', 'gateway': '10.240.64.1'}]
    path = _networkd.dropin_path('10-ens4.network', 'custom_routes')
    first = _networkd.run(CheckModule(routes=routes))
    assert (first['changed'], first['differences'], first['path']) == (True, ['absent'], path)
    dropins[path] = first['content']
    assert _networkd.run(CheckModule(routes=routes))['differences'] == []
    other = dict(routes[0], gateway='10.240.64.2')
    assert _networkd.run(CheckModule(routes=[other]))['differences'] == ['content']
    stale = _networkd.dropin_path('20-ens4.network', 'custom_routes')
    dropins[stale] = first['content']
    assert _networkd.run(CheckModule(routes=routes))['differences'] == ['stale']
    gone = _networkd.run(CheckModule(state='absent'))
    assert (gone['changed'], gone['differences']) == (True, ['present'])
    dropins.clear()
    assert _networkd.run(CheckModule(state='absent'))['differences'] == []
