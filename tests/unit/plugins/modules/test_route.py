# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and planning of multinic.routing.route, through the module's real argument spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils._common import ValidationError


def params(**args):
    kw = _route.MODULE_KWARGS
    validator = ArgumentSpecValidator(kw['argument_spec'], mutually_exclusive=kw.get('mutually_exclusive'))
    result = validator.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def wanted(**args):
    built = _route.build(params(**args))
    return built[0] if isinstance(built, tuple) else built


def test_defaults_and_derived_scope():
    route = wanted(dest='10.240.128.0/24', gateway='10.240.64.1', dev='ens4')
    assert route['table'] == 254 and route['metric'] == 0 and route['scope'] == 'global'
    assert route['proto'] == 241 and route['type'] == 'unicast' and route['family'] == 4
    assert wanted(dest='10.240.64.0/24', dev='ens4')['scope'] == 'link'


def test_address_becomes_host_route_and_default_is_kept():
    assert wanted(dest='10.1.2.3', dev='ens4')['dest'] == '10.1.2.3/32'
    assert wanted(dest='default', gateway='10.0.0.1')['dest'] == 'default'
    assert wanted(dest='0.0.0.0/0', gateway='10.0.0.1')['dest'] == 'default'


def test_ipv6_family_from_gateway_and_metric_default():
    route = wanted(dest='default', gateway='2001:db8::1')
    assert route['family'] == 6 and route['metric'] == 1024
    assert wanted(dest='default', dev='ens4', family='ipv6')['family'] == 6


def test_absent_needs_only_identity():
    route = _route.build(params(dest='10.0.0.0/8', state='absent', metric=5))
    assert route == {'family': 4, 'table': 254, 'dest': '10.0.0.0/8', 'metric': 5, 'tos': 0}


@pytest.mark.parametrize('args, needle', [
    (dict(dest='10.0.0.0/33', dev='x'), "dest='10.0.0.0/33'"),
    (dict(dest='10.0.0.300/24', dev='x'), "dest='10.0.0.300/24'"),
    (dict(dest='10.0.0.5/24', dev='x'), 'host bits set; the network is 10.0.0.0/24'),
    (dict(dest='10.0.0.0/24', gateway='fe80::1'), 'mix IPv4 and IPv6'),
    (dict(dest='10.0.0.0/24', gateway='10.0.0.x'), "gateway='10.0.0.x'"),
    (dict(dest='10.0.0.0/24', dev='ens4', table='0'), "table='0' is out of range"),
    (dict(dest='10.0.0.0/24', dev='ens4', table='4294967296'), "table='4294967296' is out of range"),
    (dict(dest='10.0.0.0/24', dev='ens4', table='no-such-name'), "table='no-such-name'"),
    (dict(dest='10.0.0.0/24', dev='ens4', metric=-1), 'metric=-1'),
    (dict(dest='10.0.0.0/24'), 'needs gateway, dev or nexthops'),
    (dict(dest='10.0.0.0/24', type='blackhole', gateway='10.0.0.1'), 'remove gateway'),
    (dict(dest='10.0.0.0/24', dev='ens4', onlink=True), 'onlink=true needs a gateway'),
    (dict(dest='10.0.0.0/24', dev='ens4', mtu=20), 'mtu=20'),
    (dict(dest='2001:db8::/64', dev='ens4', mtu=1000), 'mtu=1000 is out of range for IPv6'),
    (dict(dest='10.0.0.0/24', dev='this-name-is-too-long'), "dev='this-name-is-too-long'"),
    (dict(dest='10.0.0.0/24', dev='ens4', proto='nosuchproto'), "proto='nosuchproto'"),
    (dict(dest='10.0.0.0/24', dev='ens4', proto='300'), "proto='300' is out of range"),
    (dict(dest='10.0.0.0/24', nexthops=[dict(gateway='10.0.0.1')]), 'nexthops has one entry'),
    (dict(dest='10.0.0.0/24', nexthops=[dict(gateway='10.0.0.1'), dict(weight=2)]),
     'nexthops[1] needs a gateway or a dev'),
    (dict(dest='10.0.0.0/24', nexthops=[dict(gateway='10.0.0.1'), dict(gateway='10.0.0.2', weight=0)]),
     'nexthops[1].weight=0'),
    (dict(dest='10.0.0.0/24', nexthops=[dict(gateway='10.0.0.1'), dict(gateway='2001:db8::1')]),
     'mix IPv4 and IPv6'),
])
def test_bad_input_names_option_and_value(args, needle):
    with pytest.raises(ValidationError) as err:
        _route.build(params(**args))
    assert needle in err.value.msg


def test_mutually_exclusive_is_declared_in_the_spec():
    with pytest.raises(ValueError) as err:
        params(dest='10.0.0.0/24', gateway='10.0.0.1',
               nexthops=[dict(gateway='10.0.0.1'), dict(gateway='10.0.0.2')])
    assert 'mutually exclusive' in str(err.value) and 'nexthops' in str(err.value)


def test_identity_and_differences():
    base = wanted(dest='10.9.0.0/24', gateway='10.0.0.2')
    kernel = dict(base, dev='veth0', proto=4)
    assert _route.differences(kernel, base, compare_proto=False) == []
    assert _route.differences(kernel, base, compare_proto=True) == ['proto']
    assert _route.differences(dict(kernel, src='10.0.0.1'), base, False) == ['src']
    assert _route.same_identity(kernel, base)
    assert not _route.same_identity(dict(kernel, metric=7), base)
    pinned = wanted(dest='10.9.0.0/24', gateway='10.0.0.2', dev='veth1')
    assert _route.differences(kernel, pinned, False) == ['dev']
