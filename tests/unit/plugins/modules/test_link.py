# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.link, through the module's real argument spec.

Nothing here touches the kernel: build() runs before any netlink socket is opened, and the
module-process tests fail in validation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError

from tests.kernel.conftest import run_module


def params(**args):
    result = _link.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def wanted(**args):
    return _link.build(params(**args))


def test_defaults():
    want = wanted(name='ens4')
    assert want == {'name': 'ens4', 'netns': None, 'source_netns': None, 'state': 'present',
                    'mtu': None, 'addresses': None, 'networkd_handover': False}


def test_spec_matches_the_interface():
    spec = _link.SPEC.argument_spec
    assert set(spec) == {'name', 'netns', 'source_netns', 'state', 'mtu', 'addresses', 'networkd_handover'}
    assert spec['networkd_handover'] == {'type': 'bool', 'default': False}
    assert spec['state']['choices'] == ['present', 'up', 'down']
    assert spec['addresses'] == {'type': 'list', 'elements': 'str'}
    assert _link.SPEC.module_kwargs()['supports_check_mode'] is True


def test_addresses_are_canonical_and_keep_their_order():
    given = ['10.240.64.4/24', '2001:DB8:0::4/64', '10.240.64.4/24', ' 192.0.2.1/32 ']
    want = wanted(name='ens4', netns='data', addresses=given)
    assert want['addresses'] == ['10.240.64.4/24', '2001:db8::4/64', '192.0.2.1/32']
    assert want['netns'] == 'data'


def test_empty_addresses_is_not_the_same_as_none():
    assert wanted(name='ens4', addresses=[])['addresses'] == []
    assert wanted(name='ens4')['addresses'] is None


@pytest.mark.parametrize('mtu', [68, 1280, 1500, 9000, 65535])
def test_mtu_in_range(mtu):
    assert wanted(name='ens4', mtu=mtu)['mtu'] == mtu


@pytest.mark.parametrize('args, needle', [
    (dict(addresses=['10.0.0.300/24']), "addresses[0]='10.0.0.300/24' is not a valid"),
    (dict(addresses=['10.0.0.4/33']), "addresses[0]='10.0.0.4/33'"),
    (dict(addresses=['10.0.0.4/24', 'nonsense/24']), "addresses[1]='nonsense/24'"),
    (dict(addresses=['10.0.0.4']), "addresses[0]='10.0.0.4' has no prefix length"),
    (dict(addresses=['fe80::4/64']), 'link-local'),
    (dict(addresses=['10.0.0.0/24']), 'is the network address of 10.0.0.0/24'),
    (dict(addresses=['10.0.0.255/24']), 'is the broadcast address of 10.0.0.0/24'),
    (dict(addresses=['224.0.0.5/24']), 'not a unicast address'),
    (dict(addresses=['::/64']), 'not a unicast address'),
    (dict(addresses=['10.0.0.4/24', '10.0.0.4/16']), '10.0.0.4 twice'),
    (dict(mtu=67), 'mtu=67 is out of range (68..65535)'),
    (dict(mtu=65536), 'mtu=65536 is out of range'),
    (dict(mtu=0), 'mtu=0 is out of range'),
    (dict(mtu=1279, addresses=['10.0.0.4/24', '2001:db8::4/64']), 'below 1280, the IPv6 minimum'),
    (dict(name=''), "name=''"),
    (dict(name='x' * 16), "name='xxxxxxxxxxxxxxxx' is not a valid interface name"),
    (dict(name='ens 4'), "name='ens 4'"),
    (dict(name='a/b'), "name='a/b'"),
    (dict(source_netns='../data'), "source_netns='../data' is not a valid namespace name"),
    (dict(source_netns='x' * 256), 'source_netns='),
    (dict(networkd_handover=True, netns='data'), "networkd_handover=true is for an interface coming back to the host's namespace, but netns='data'"),
    (dict(networkd_handover=True, addresses=[]), 'addresses cannot be given with it'),
])
def test_bad_input_names_option_and_value(args, needle):
    args.setdefault('name', 'ens4')
    with pytest.raises(ValidationError) as err:
        wanted(**args)
    assert needle in err.value.msg


def test_small_mtu_is_fine_without_ipv6():
    assert wanted(name='ens4', mtu=1279, addresses=['10.0.0.4/24'])['mtu'] == 1279


@pytest.mark.parametrize('args', [
    dict(name='ens4', state='bogus'),
    dict(name='ens4', mtu='big'),
    dict(state='up'),
    dict(name='ens4', color='red'),
])
def test_argument_spec_rejects(args):
    with pytest.raises(ValueError):
        params(**args)


def test_plan_move_keeps_everything_but_the_namespace():
    snap = {'link': {'index': 3, 'name': 'ens4', 'up': True, 'mtu': 1500},
            'addresses': [
                {'family': 4, 'cidr': '10.240.64.4/24', 'broadcast': '10.240.64.255'},
                {'family': 6, 'cidr': '2001:db8::4/64', 'broadcast': None},
                {'family': 6, 'cidr': 'fe80::1/64', 'broadcast': None}]}
    want = wanted(name='ens4', netns='data')
    before, after, tracker = _link.plan(want, None, snap)
    assert tracker.names() == ['netns']
    assert tracker.before_after() == ({'netns': None}, {'netns': 'data'})
    assert before == {'name': 'ens4', 'netns': None, 'state': 'up', 'mtu': 1500,
                      'addresses': ['10.240.64.4/24', '2001:db8::4/64']}
    assert after == dict(before, netns='data')
    want = wanted(name='ens4', netns='data', state='down', mtu=9000, addresses=['10.1.0.4/24'])
    _before, after, tracker = _link.plan(want, 'data', snap)
    assert tracker.names() == ['state', 'mtu', 'addresses']
    assert after['addresses'] == ['10.1.0.4/24']


# --------------------------------------------------------------------------- module process

@pytest.mark.parametrize('args, needle', [
    (dict(name='ens4', addresses=['10.0.0.4/40']), "addresses[0]='10.0.0.4/40'"),
    (dict(name='ens4', mtu=70000), 'mtu=70000'),
    (dict(name='ens4', netns='a/b'), "netns='a/b'"),
    (dict(name='ens4', state='sideways'), 'state'),
])
def test_module_fails_cleanly(args, needle):
    res = run_module('link', args)
    assert res['rc'] == 1 and res['failed'] is True, res
    assert needle in res['msg'], res['msg']
