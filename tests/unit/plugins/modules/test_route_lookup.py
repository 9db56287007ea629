# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.route_lookup through the module's real argument spec, and its
documentation against that spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.multinic.routing.plugins.doc_fragments.netns import ModuleDocFragment
from ansible_collections.multinic.routing.plugins.module_utils import _lookup
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError
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


def test_dst_is_required():
    with pytest.raises(ValueError) as err:
        params(src='10.0.0.1')
    assert 'dst' in str(err.value)


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
    returned = yaml.safe_load(route_lookup.RETURN)
    assert {'dev', 'gateway', 'prefsrc', 'table', 'table_name', 'type', 'route'} <= set(returned)
