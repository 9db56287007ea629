# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and planning of multinic.routing.route, through the module's real argument spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure, ValidationError


def params(**args):
    result = _route.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def wanted(**args):
    return _route.build(params(**args))[0]


def given(**args):
    return _route.build(params(**args))[1]


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
    route, compared = _route.build(params(dest='10.0.0.0/8', state='absent', metric=5))
    assert route == {'family': 4, 'table': 254, 'dest': '10.0.0.0/8', 'metric': 5, 'tos': 0}
    assert compared == ()


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
    (dict(dest='2001:db8::/64', dev='ens4', tos=4), 'tos=4: IPv6 routes have no TOS'),
    (dict(dest='2001:db8::/64', tos=8, state='absent'), 'tos=8: IPv6 routes have no TOS'),
    (dict(dest='default', family='ipv6', dev='ens4', scope='link'), 'scope=link: the kernel keeps no scope'),
    (dict(dest='10.0.0.0/24', state='absent', proto='nosuchproto'), "proto='nosuchproto'"),
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


def test_ipv6_routes_are_scope_global():
    assert wanted(dest='2001:db8::/64', dev='ens4')['scope'] == 'global'
    assert wanted(dest='2001:db8::/64', dev='ens4', scope='global')['scope'] == 'global'
    assert wanted(dest='2001:db8::/64', dev='ens4', tos=0)['tos'] == 0


def test_only_what_was_given_is_compared():
    assert given(dest='10.9.0.0/24', dev='ens4') == ('type', 'dev')
    assert given(dest='10.9.0.0/24', gateway='10.0.0.2', onlink=False, mtu=1400, proto='static') == \
        ('type', 'gateway', 'mtu', 'onlink', 'proto')
    base = wanted(dest='10.9.0.0/24', gateway='10.0.0.2')
    compared = given(dest='10.9.0.0/24', gateway='10.0.0.2')
    kernel = dict(base, dev='veth0', proto=4, src='10.0.0.1', mtu=1500, onlink=True, scope='link')
    assert _route.differences(kernel, base, compared).names() == []
    assert _route.differences(kernel, base, compared + ('proto',)).names() == ['proto']
    assert _route.differences(dict(kernel, gateway='10.0.0.3'), base, compared).names() == ['gateway']
    assert _route.differences(dict(kernel, type='blackhole'), base, compared).names() == ['type']
    pinned = wanted(dest='10.9.0.0/24', gateway='10.0.0.2', dev='veth1', onlink=False)
    assert _route.differences(kernel, pinned, given(dest='10.9.0.0/24', gateway='10.0.0.2',
                                                    dev='veth1', onlink=False)).names() == ['dev', 'onlink']
    assert _route.same_identity(kernel, base)
    assert not _route.same_identity(dict(kernel, metric=7), base)


def test_addresses_compare_the_way_the_kernel_means_them():
    six = wanted(dest='2001:0DB8:0099::/64', gateway='2001:0db8:0:0::0002')
    assert six['dest'] == '2001:db8:99::/64' and six['gateway'] == '2001:db8::2'
    kernel = dict(six, gateway='2001:db8::2')
    assert _route.differences(kernel, six, ('type', 'gateway')).empty
    assert wanted(dest='::/0', gateway='2001:db8::1')['dest'] == 'default'
    assert wanted(dest='10.0.0.0/24', dev='e', table='0xfe')['table'] == 254


def test_owners_are_the_collection_and_the_proto_given():
    assert _route.owners(params(dest='10.0.0.0/24', dev='e')) == set([241])
    assert _route.owners(params(dest='10.0.0.0/24', dev='e', proto='dhcp')) == set([241, 16])


def test_refusal_names_owner_and_differences():
    task = params(dest='10.0.0.0/24', dev='veth1')
    route, compared = _route.build(task)
    kernel = dict(route, dev='veth0', proto=2, src='10.0.0.1')
    diff = _route.differences(kernel, route, compared).names()
    msg = _route.foreign_refusal(kernel, route, diff, task)
    assert 'proto kernel (2)' in msg and 'dev (kernel: veth0, task: veth1)' in msg
    assert 'force=true' in msg and 'proto=kernel' in msg and 'src' not in msg.split('differs')[1]


class FakeModule(object):
    def __init__(self, args, check_mode=False):
        self.params = params(**args)
        self.check_mode = check_mode
        self._diff = True


class FakeNetlink(object):
    """The adapter's route calls, on a list of routes (for run()'s decisions)."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.calls = []
        self.where = 'test'

    def __call__(self, netns):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def index_of(self, name):
        return 1

    def routes(self, family=None, table=None, dest=None):
        return [dict(r) for r in self.kernel if dest is None or r["dest"] == dest]

    def route_get(self, dst):
        return {'gateway': None, 'type': 'unicast', 'dev': 'veth0'}

    def replace_route(self, route):
        self.calls.append(('replace', route['dest']))
        self.kernel = [r for r in self.kernel if not _route.same_identity(r, route)] + [dict(route)]

    def delete_route(self, route):
        self.calls.append(('delete', route['dest']))
        self.kernel = [r for r in self.kernel if not _route.same_identity(r, route)]


CONNECTED = dict(family=4, table=254, dest='10.0.0.0/24', metric=0, tos=0, type='unicast', proto=2,
                 scope='link', gateway=None, dev='veth0', src='10.0.0.1', onlink=False, mtu=None,
                 nexthops=None)


@pytest.mark.parametrize('args, changed, calls', [
    (dict(dest='10.0.0.0/24', dev='veth0'), False, []),
    (dict(dest='10.0.0.0/24', dev='veth0', src='10.0.0.1', scope='link'), False, []),
    (dict(dest='10.0.0.0/24', dev='veth0', mtu=1400, force=True), True, [('replace', '10.0.0.0/24')]),
    (dict(dest='10.0.0.0/24', dev='veth0', mtu=1400, proto='kernel'), True, [('replace', '10.0.0.0/24')]),
    (dict(dest='10.0.0.0/24', state='absent'), False, []),
    (dict(dest='10.0.0.0/24', state='absent', force=True), True, [('delete', '10.0.0.0/24')]),
    (dict(dest='10.0.0.0/24', state='absent', proto='kernel'), True, [('delete', '10.0.0.0/24')]),
])
def test_run_over_a_connected_route(monkeypatch, args, changed, calls):
    fake = FakeNetlink([CONNECTED])
    monkeypatch.setattr(_route, 'Netlink', fake)
    result = _route.run(FakeModule(dict(args, netns='x')))
    assert result['changed'] is changed and fake.calls == calls
    if calls:
        assert result['previous_proto'] == 2
    if args.get('state') == 'absent' and not changed:
        assert 'proto kernel (2)' in result['warnings'][0]


def test_run_refuses_another_owners_route_before_writing(monkeypatch):
    fake = FakeNetlink([CONNECTED])
    monkeypatch.setattr(_route, 'Netlink', fake)
    with pytest.raises(ValidationError) as err:
        _route.run(FakeModule(dict(dest='10.0.0.0/24', dev='veth1', netns='x')))
    assert 'proto kernel (2)' in err.value.msg and fake.calls == []


def test_check_mode_predicts_the_kernels_view(monkeypatch):
    fake = FakeNetlink([])
    monkeypatch.setattr(_route, 'Netlink', fake)
    res = _route.run(FakeModule(dict(dest='10.9.0.0/24', gateway='10.0.0.2', netns='x'), check_mode=True))
    assert res['route']['dev'] == 'veth0' and fake.calls == []
    res = _route.run(FakeModule(dict(dest='2001:db8::/64', type='blackhole', netns='x'), check_mode=True))
    assert res['route']['dev'] == 'lo' and res['route']['scope'] == 'global'


class RefusingNetlink(object):
    def __init__(self, code):
        self.code = code

    def delete_route(self, route):
        raise NetlinkFailure('deleting route %s from table 254 failed' % route['dest'], self.code)


def test_a_delete_the_kernel_finds_nothing_to_do_for_is_done_any_other_error_fails():
    route = {'dest': '10.9.0.0/24', 'table': 254}
    _route.write(RefusingNetlink(errno.ESRCH), {'write': 'delete'}, None, route)     # gone already: absent
    with pytest.raises(NetlinkFailure) as err:
        _route.write(RefusingNetlink(errno.EPERM), {'write': 'delete'}, None, route)
    assert err.value.code == errno.EPERM
