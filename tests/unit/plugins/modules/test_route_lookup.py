# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.route_lookup through the module's real argument spec, and its
documentation against that spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

import pytest
import yaml

from ansible_collections.multinic.routing.plugins.doc_fragments.netns import ModuleDocFragment
from ansible_collections.multinic.routing.plugins.module_utils import _lookup
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure, ValidationError
from ansible_collections.multinic.routing.plugins.modules import route_lookup


def params(**args):
    result = _lookup.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def build(**args):
    return _lookup.build(params(**args))


def test_plain_lookup_and_canonical_addresses():
    assert build(dst='192.0.2.10') == {'dst': '192.0.2.10'}
    assert build(dst=' 2001:DB8::0001 ', src='2001:db8:0:0::7') == {
        'dst': '2001:db8::1', 'src': '2001:db8::7'}


def test_everything_given():
    assert build(dst='192.0.2.10', src='10.0.1.1', iif='ens4', oif='ens3', fwmark='0x10',
                 netns='data') == {
        'dst': '192.0.2.10', 'src': '10.0.1.1', 'iif': 'ens4', 'oif': 'ens3', 'fwmark': 16}


@pytest.mark.parametrize('value, number', [('0x10', 16), ('16', 16), (16, 16), ('0', 0),
                                           ('0xffffffff', 4294967295)])
def test_fwmark_decimal_or_hex(value, number):
    assert build(dst='192.0.2.1', fwmark=value)['fwmark'] == number


def test_iif_needs_src_declared_in_the_spec():
    with pytest.raises(ValueError) as err:
        params(dst='192.0.2.10', iif='ens4')
    assert "required by 'iif'" in str(err.value) and 'src' in str(err.value)
    assert build(dst='192.0.2.10', iif='ens4', src='10.240.128.4')['iif'] == 'ens4'


def test_dst_or_probes_is_required():
    with pytest.raises(ValueError) as err:
        params(src='10.0.0.1')
    assert 'dst' in str(err.value) and 'probes' in str(err.value)


@pytest.mark.parametrize('args, needle', [
    (dict(dst='10.0.0.0/24'), "dst='10.0.0.0/24' is not a valid IP address"),
    (dict(dst='peer.example'), "dst='peer.example'"),
    (dict(dst='192.0.2.1', src='2001:db8::1'), "src='2001:db8::1' is IPv6"),
    (dict(dst='2001:db8::1', src='10.0.0.1'), "src='10.0.0.1' is IPv4"),
    (dict(dst='192.0.2.1', src='10.0.0.300'), "src='10.0.0.300'"),
    (dict(dst='192.0.2.1', fwmark='zz'), "fwmark='zz' is not a number"),
    (dict(dst='192.0.2.1', fwmark='-1'), "fwmark='-1' is out of range"),
    (dict(dst='192.0.2.1', fwmark='0x100000000'), "fwmark='0x100000000' is out of range"),
    (dict(dst='192.0.2.1', oif='a/b'), "oif='a/b'"),
    (dict(dst='192.0.2.1', src='10.0.0.1', iif='way-too-long-name0'), "iif='way-too-long-name0'"),
])
def test_bad_input_names_option_and_value(args, needle):
    with pytest.raises(ValidationError) as err:
        build(**args)
    assert needle in err.value.msg


def test_probes_are_validated_each_with_the_single_lookups_options():
    lookups = _lookup.build_all(params(probes=[
        {'dst': '192.0.2.10'},
        {'dst': '2001:DB8::1', 'src': '2001:db8::7', 'oif': 'ens4'},
        {'dst': '192.0.2.11', 'src': '10.0.0.1', 'iif': 'ens4', 'fwmark': '0x10'},
    ]))
    assert [prefix for prefix, dummy, dummy2 in lookups] == ['probes[0].', 'probes[1].', 'probes[2].']
    assert [query for dummy, dummy2, query in lookups] == [
        {'dst': '192.0.2.10'},
        {'dst': '2001:db8::1', 'src': '2001:db8::7', 'oif': 'ens4'},
        {'dst': '192.0.2.11', 'src': '10.0.0.1', 'iif': 'ens4', 'fwmark': 16},
    ]
    # the probe itself, as given, with every option
    assert lookups[0][1] == {'dst': '192.0.2.10', 'src': None, 'iif': None, 'oif': None, 'fwmark': None}
    assert _lookup.build_all(params(probes=[])) == []


def test_a_single_lookup_is_one_lookup_without_prefix():
    assert _lookup.build_all(params(dst='192.0.2.10', src='10.0.0.1')) == [
        ('', None, {'dst': '192.0.2.10', 'src': '10.0.0.1'})]


@pytest.mark.parametrize('probes, needle', [
    ([{'dst': '192.0.2.1'}, {'dst': '10.0.0.0/24'}], "probes[1].dst='10.0.0.0/24' is not a valid IP address"),
    ([{'dst': '192.0.2.1', 'src': '2001:db8::1'}], "probes[0].src='2001:db8::1' is IPv6"),
    ([{'dst': '192.0.2.1'}] * 3 + [{'dst': '192.0.2.1', 'fwmark': 'zz'}], "probes[3].fwmark='zz' is not a number"),
    ([{'dst': '192.0.2.1', 'oif': 'a/b'}], "probes[0].oif='a/b'"),
])
def test_a_bad_probe_names_its_index_option_and_value(probes, needle):
    with pytest.raises(ValidationError) as err:
        _lookup.build_all(params(probes=probes))
    assert needle in err.value.msg


@pytest.mark.parametrize('args, needle', [
    (dict(dst='192.0.2.1', probes=[{'dst': '192.0.2.2'}]), 'mutually exclusive: dst|probes'),
    (dict(src='10.0.0.1', probes=[{'dst': '192.0.2.2'}]), 'mutually exclusive: src|probes'),
    (dict(fwmark='1', probes=[{'dst': '192.0.2.2'}]), 'mutually exclusive: fwmark|probes'),
    (dict(probes=[{'src': '10.0.0.1'}]), 'missing required arguments: dst found in probes'),
    (dict(probes=[{'dst': '192.0.2.2', 'iif': 'ens4'}]), "required by 'iif': src found in probes"),
    (dict(probes=[{'dst': '192.0.2.2', 'via': 'ens4'}]), 'probes.via'),
])
def test_probe_constraints_are_declared_in_the_spec(args, needle):
    with pytest.raises(ValueError) as err:
        params(**args)
    assert needle in str(err.value)


def test_the_probe_options_are_the_single_lookups():
    spec = _lookup.SPEC.argument_spec
    assert spec['probes']['options'] == _lookup.PROBE_SPEC.argument_spec
    assert spec['probes']['required_by'] == {'iif': 'src'}
    for name in _lookup.LOOKUP_OPTIONS:
        assert dict(spec[name], required=True) == dict(_lookup.PROBE_SPEC.argument_spec[name], required=True)
    assert 'required' not in spec['dst'] and _lookup.PROBE_SPEC.argument_spec['dst']['required'] is True


class FakeModule(object):
    def __init__(self, args):
        self.params = params(**args)
        self.check_mode = False
        self._diff = False


class FakeNetlink(object):
    """route_get answers from a table {dst: route or errno}; records the sessions and lookups."""

    def __init__(self, answers, interfaces=('ens3', 'ens4')):
        self.answers = answers
        self.interfaces = interfaces
        self.sessions = []
        self.lookups = []
        self.where = 'test'

    def __call__(self, netns):
        self.sessions.append(netns)
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def index_of(self, name):
        return 7 if name in self.interfaces else None

    def addresses(self):
        return [{'address': '10.0.0.1'}]

    def route_get(self, **query):
        self.lookups.append(query)
        answer = self.answers[query['dst']]
        if isinstance(answer, int):
            raise NetlinkFailure('kernel said %s' % errno.errorcode[answer], answer)
        return dict(family=4, table=answer.get('table', 254), dest=query['dst'] + '/32', metric=0, tos=0,
                    type='unicast', proto=0, scope='global', gateway=answer.get('gateway'),
                    dev=answer['dev'], src=answer.get('src'), onlink=False, mtu=None, nexthops=None,
                    iif=None, uid=None)


ANSWERS = {'192.0.2.1': {'dev': 'ens3', 'gateway': '10.0.0.254', 'src': '10.0.0.1'},
           '192.0.2.2': errno.ENETUNREACH,
           '192.0.2.3': {'dev': 'ens4', 'table': 201}}


def test_probes_run_in_one_session_in_order_and_a_refusal_fails_only_its_probe(monkeypatch):
    fake = FakeNetlink(ANSWERS)
    monkeypatch.setattr(_lookup, 'Netlink', fake)
    result = _lookup.run(FakeModule(dict(netns='data', probes=[
        {'dst': '192.0.2.1'}, {'dst': '192.0.2.2'}, {'dst': '192.0.2.3', 'src': '10.0.1.1'}])))
    assert fake.sessions == ['data']
    assert [q['dst'] for q in fake.lookups] == ['192.0.2.1', '192.0.2.2', '192.0.2.3']
    assert result['changed'] is False and set(result) == {'changed', 'results'}
    first, second, third = result['results']
    assert first['failed'] is False and first['probe']['dst'] == '192.0.2.1'
    assert (first['dev'], first['gateway'], first['prefsrc'], first['table'], first['table_name'], first['type']) == \
        ('ens3', '10.0.0.254', '10.0.0.1', 254, 'main', 'unicast')
    assert second == {'probe': dict(ANY_PROBE, dst='192.0.2.2'), 'failed': True,
                      'msg': second['msg']}
    assert 'dst=192.0.2.2' in second['msg'] and 'ENETUNREACH' in second['msg']
    assert (third['dev'], third['prefsrc'], third['table']) == ('ens4', '10.0.1.1', 201)
    assert third['probe'] == dict(ANY_PROBE, dst='192.0.2.3', src='10.0.1.1')


ANY_PROBE = {'dst': None, 'src': None, 'iif': None, 'oif': None, 'fwmark': None}


def test_the_single_lookup_is_returned_at_the_top_level_and_fails_the_task(monkeypatch):
    fake = FakeNetlink(ANSWERS)
    monkeypatch.setattr(_lookup, 'Netlink', fake)
    result = _lookup.run(FakeModule(dict(dst='192.0.2.3')))
    assert set(result) == {'changed', 'dev', 'gateway', 'prefsrc', 'table', 'table_name', 'type', 'route'}
    assert (result['dev'], result['table']) == ('ens4', 201)
    with pytest.raises(NetlinkFailure) as err:
        _lookup.run(FakeModule(dict(dst='192.0.2.2')))
    assert 'no route to 192.0.2.2' in err.value.msg and err.value.code == errno.ENETUNREACH


def test_a_missing_interface_in_any_probe_fails_before_any_lookup(monkeypatch):
    fake = FakeNetlink(ANSWERS)
    monkeypatch.setattr(_lookup, 'Netlink', fake)
    with pytest.raises(ValidationError) as err:
        _lookup.run(FakeModule(dict(probes=[{'dst': '192.0.2.1', 'oif': 'ens4'},
                                            {'dst': '192.0.2.3', 'oif': 'ens9'}])))
    assert "probes[1].oif='ens9': no such interface in test" in err.value.msg
    assert fake.lookups == []


def test_describe_query():
    assert _lookup.describe_query({'dst': '192.0.2.1', 'src': '10.0.0.1', 'fwmark': 16}) == \
        'dst=192.0.2.1 src=10.0.0.1 fwmark=0x10'


def test_check_mode_is_declared():
    assert _lookup.SPEC.module_kwargs()['supports_check_mode'] is True


def test_documentation_matches_the_argument_spec():
    doc = yaml.safe_load(route_lookup.DOCUMENTATION)
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    options.update(doc['options'])
    spec = _lookup.SPEC.argument_spec
    assert set(options) == set(spec)
    for name, arg in spec.items():
        for key in ('type', 'elements', 'default', 'choices', 'required'):
            assert options[name].get(key) == arg.get(key), (name, key)
    assert doc['extends_documentation_fragment'] == [
        'multinic.routing.netns', 'multinic.routing.netns.ATTRIBUTES_READ_ONLY']
    yaml.safe_load(route_lookup.EXAMPLES)
    for key in ('type', 'elements', 'required'):
        assert [options['probes']['suboptions'][name].get(key) for name in _lookup.LOOKUP_OPTIONS] == \
            [spec['probes']['options'][name].get(key) for name in _lookup.LOOKUP_OPTIONS], key
    assert set(options['probes']['suboptions']) == set(spec['probes']['options'])
    returned = yaml.safe_load(route_lookup.RETURN)
    assert {'dev', 'gateway', 'prefsrc', 'table', 'table_name', 'type', 'route', 'results'} <= set(returned)
