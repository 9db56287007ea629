# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation, planning and the write order of multinic.routing.routing_state, through the
module's real argument spec (the kernel is a list of routes and rules here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _routing_state as rs
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError


def params(**args):
    result = rs.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def route(**kw):
    base = dict(family=4, table=254, dest=None, metric=0, tos=0, type='unicast', proto=241,
                scope='global', gateway=None, dev='veth0', src=None, onlink=False, mtu=None,
                nexthops=None)
    base.update(kw)
    return base


def rule(**kw):
    base = dict((k, None) for k in _rule.IDENTITY)
    base.update(family=4, tos=0, invert=False, action='lookup', table=254, proto=241)
    base.update(kw)
    return base


class FakeModule(object):
    def __init__(self, args, check_mode=False):
        self.params = params(**args)
        self.check_mode = check_mode
        self._diff = True


class FakeNetlink(object):
    """The adapter's calls on lists of routes and rules; records dumps and writes."""

    def __init__(self, routes=(), rules=()):
        self.kernel_routes = [dict(r) for r in routes]
        self.kernel_rules = [dict(r) for r in rules]
        self.dumps = []
        self.writes = []
        self.where = 'test'

    def __call__(self, netns):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def index_of(self, name):
        return None if name.startswith('nosuch') else 1

    def routes(self, family=None, table=None, dest=None, proto=None):
        self.dumps.append(('routes', family, table, proto))
        return [dict(r) for r in self.kernel_routes
                if r['family'] == family and r['table'] == table and (not proto or r['proto'] == proto)]

    def rules(self, family=None, priority=None):
        self.dumps.append(('rules', family))
        return [dict(r) for r in self.kernel_rules if r['family'] == family]

    def route_get(self, dst):
        return {'gateway': None, 'type': 'unicast', 'dev': 'veth0'}

    def replace_route(self, item):
        self.writes.append(('replace route', item['dest']))
        self.kernel_routes = [r for r in self.kernel_routes if not _route.same_identity(r, item)] + [dict(item)]

    def delete_route(self, item):
        self.writes.append(('delete route', item['dest']))
        self.kernel_routes = [r for r in self.kernel_routes if not _route.same_identity(r, item)]

    def add_rule(self, item):
        self.writes.append(('add rule', item['priority']))
        self.kernel_rules.append(dict(item))

    def delete_rule(self, item):
        self.writes.append(('delete rule', item['priority']))
        self.kernel_rules.remove(item)


@pytest.fixture
def fake(monkeypatch):
    def make(routes=(), rules=()):
        netlink = FakeNetlink(routes, rules)
        monkeypatch.setattr(rs, 'Netlink', netlink)
        return netlink
    return make


def test_the_entries_are_the_route_and_rule_modules_options():
    assert set(rs.SPEC.argument_spec['routes']['options']) == set(_route.SPEC.argument_spec) - {'netns'}
    assert set(rs.SPEC.argument_spec['rules']['options']) == set(_rule.SPEC.argument_spec) - {'netns'}
    # the modules' constraints hold per entry
    with pytest.raises(ValueError, match='mutually exclusive'):
        params(routes=[dict(dest='10.1.0.0/24', gateway='10.0.0.2',
                            nexthops=[dict(gateway='10.0.0.2'), dict(gateway='10.0.0.3')])])
    with pytest.raises(ValueError, match='priority'):
        params(rules=[dict(table='201')])
    with pytest.raises(ValueError, match='purge_tables'):
        params(purge=True)


@pytest.mark.parametrize('args, message', [
    (dict(routes=[dict(dest='10.1.0.0/24', dev='a'), dict(dest='10.2.0.0/24', gateway='10.0.0.300')]),
     "routes[1].gateway='10.0.0.300' is not a valid IP address"),
    (dict(routes=[dict(dest='10.1.0.5/24', dev='a')]), "routes[0].dest='10.1.0.5/24' has host bits set"),
    (dict(routes=[dict(dest='10.1.0.0/24')]), 'routes[0]: a unicast route needs gateway'),
    (dict(routes=[dict(dest='10.1.0.0/24', dev='a', table='x y z')]), "routes[0].table='x y z'"),
    (dict(rules=[dict(priority=5), dict(priority=6, sport='0-9')]), "rules[1].sport='0-9'"),
    (dict(routes=[dict(dest='10.1.0.0/24', dev='a'), dict(dest='10.1.0.0/24', gateway='10.0.0.1')]),
     'routes[0] and routes[1] are the same route'),
    (dict(rules=[dict(priority=5, table='201'), dict(priority=5, table=201)]),
     'rules[0] and rules[1] are the same rule'),
    (dict(purge=True, purge_tables=['201', 'nosuchtable']), "purge_tables[1]='nosuchtable'"),
    (dict(purge=True, purge_tables=['201'], proto='0'), 'protocol 0 (unspec)'),
])
def test_every_entry_is_validated_first(args, message):
    with pytest.raises(ValidationError) as err:
        rs.prepare(params(**args))
    assert err.value.msg.startswith(message) or message in err.value.msg, err.value.msg


def test_task_proto_is_the_default_of_the_entries():
    routes, rules, purge = rs.prepare(params(proto='static', purge=True, purge_tables=['main'],
                                             routes=[dict(dest='10.1.0.0/24', dev='a'),
                                                     dict(dest='10.2.0.0/24', dev='a', proto='boot')],
                                             rules=[dict(priority=5)]))
    assert [r['wanted']['proto'] for r in routes] == [4, 3]
    assert rules[0]['wanted']['proto'] == 4 and purge == {'proto': 4, 'tables': [254]}


def test_one_dump_per_family_and_table(fake):
    netlink = fake()
    rs.run(FakeModule(dict(routes=[dict(dest='10.%d.0.0/24' % i, dev='veth0', table='201') for i in range(5)]
                           + [dict(dest='10.9.0.0/24', dev='veth0')],
                           rules=[dict(priority=i, table='201') for i in (5, 6)])))
    routes = [d for d in netlink.dumps if d[0] == 'routes']
    # before and after the writes: (4, 201) and (4, 254), nothing per entry
    assert sorted(set(routes)) == [('routes', 4, 201, None), ('routes', 4, 254, None)]
    assert len(routes) == 4 and netlink.dumps.count(('rules', 4)) == 2


def test_a_refused_entry_anywhere_writes_nothing(fake):
    netlink = fake(routes=[route(dest='10.2.0.0/24', proto=4)])
    with pytest.raises(ValidationError) as err:
        rs.run(FakeModule(dict(routes=[dict(dest='10.1.0.0/24', dev='veth0'),
                                       dict(dest='10.2.0.0/24', dev='veth1')],
                               rules=[dict(priority=5)])))
    assert err.value.msg.startswith('routes[1]: route 10.2.0.0/24') and netlink.writes == []
    with pytest.raises(ValidationError) as err:
        rs.run(FakeModule(dict(routes=[dict(dest='10.1.0.0/24', dev='nosuch0')])))
    assert err.value.msg.startswith("routes[0].dev='nosuch0'") and netlink.writes == []


def test_write_order_and_result(fake):
    netlink = fake(routes=[route(dest='10.5.0.0/24', table=201), route(dest='10.6.0.0/24', table=201, proto=4)],
                   rules=[rule(priority=900, table=201), rule(priority=901, table=202)])
    result = rs.run(FakeModule(dict(routes=[dict(dest='10.1.0.0/24', dev='veth0', table='201')],
                                    rules=[dict(priority=1000, table='201'),
                                           dict(priority=901, state='absent')],
                                    purge=True, purge_tables=['201'])))
    assert netlink.writes == [('delete rule', 901), ('delete rule', 900), ('delete route', '10.5.0.0/24'),
                              ('replace route', '10.1.0.0/24'), ('add rule', 1000)]
    assert result['differences'] == ['rules[1].present', 'purge - rule "900: from all lookup 201"',
                                     'purge - route 10.5.0.0/24 (table 201, metric 0)',
                                     'routes[0].absent', 'rules[0].absent']
    assert [r['dest'] for r in result['removed']['routes']] == ['10.5.0.0/24']
    assert [r['priority'] for r in result['removed']['rules']] == [901, 900]
    assert result['rules'][1] is None and result['rules'][0]['priority'] == 1000
    # the static route in the purged table is not the collection's: it stays
    assert [r['dest'] for r in netlink.kernel_routes] == ['10.6.0.0/24', '10.1.0.0/24']


def test_purge_only_tables_are_dumped_filtered_by_protocol(fake):
    netlink = fake(routes=[route(dest='10.5.0.0/24', table=202, proto=4)])
    result = rs.run(FakeModule(dict(purge=True, purge_tables=['202'])))
    assert ('routes', 4, 202, 241) in netlink.dumps and ('routes', 6, 202, 241) in netlink.dumps
    assert result['changed'] is False and netlink.writes == []


def test_check_mode_writes_nothing_and_predicts(fake):
    netlink = fake(routes=[route(dest='10.5.0.0/24', table=201)])
    result = rs.run(FakeModule(dict(routes=[dict(dest='10.1.0.0/24', gateway='10.0.0.2', table='201')],
                                    purge=True, purge_tables=['201']), check_mode=True))
    assert netlink.writes == [] and result['changed'] is True
    assert result['routes'][0]['dev'] == 'veth0'
    assert result['diff']['before']['routes'][0]['dest'] == '10.5.0.0/24'
    assert [r['dest'] for r in result['diff']['after']['routes']] == ['10.1.0.0/24']


def test_unchanged_when_everything_is_there(fake):
    netlink = fake(routes=[route(dest='10.1.0.0/24', table=201, scope='link')],
                   rules=[rule(priority=1000, table=201)])
    result = rs.run(FakeModule(dict(routes=[dict(dest='10.1.0.0/24', dev='veth0', table='201')],
                                    rules=[dict(priority=1000, table='201')],
                                    purge=True, purge_tables=['201'])))
    assert result['changed'] is False and result['differences'] == [] and netlink.writes == []
