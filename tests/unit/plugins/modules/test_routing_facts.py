# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of multinic.routing.routing_facts through the module's real argument spec, and its
documentation against that spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.multinic.routing.plugins.doc_fragments.netns import ModuleDocFragment
from ansible_collections.multinic.routing.plugins.module_utils import _facts
from ansible_collections.multinic.routing.plugins.module_utils._errors import ModuleFailure, ValidationError
from ansible_collections.multinic.routing.plugins.modules import routing_facts


def params(**args):
    result = _facts.SPEC.validate(args)
    if result.error_messages:
        raise ValueError(result.error_messages)
    return result.validated_parameters


def build(**args):
    return _facts.build(params(**args))


def test_defaults_read_the_host_everything_every_table():
    targets, tables, subset = build()
    assert targets == [('host', None)]
    assert tables is None
    assert subset == {'links', 'addresses', 'routes', 'rules', 'managers', 'rp_filter'}


def test_one_name_or_a_list_and_host_keyword():
    assert build(netns='data')[0] == [('data', 'data')]
    assert build(netns=['host', 'data', 'data', 'blue'])[0] == [
        ('host', None), ('data', 'data'), ('blue', 'blue')]
    assert build(netns=[])[0] == []
    # a comma-separated string is a list, as for every list option of Ansible
    assert build(netns='data,blue')[0] == [('data', 'data'), ('blue', 'blue')]


def test_tables_by_name_and_number_deduplicated():
    assert build(tables=['main', '100', 'local', '0x10', 254, 4294967295])[1] == [
        254, 100, 255, 16, 4294967295]
    assert build(tables=[])[1] == []


def test_gather_subset():
    assert build(gather_subset=['routes'])[2] == {'routes'}
    assert build(gather_subset=['links', 'rules'])[2] == {'links', 'rules'}
    assert build(gather_subset=['all', 'rules'])[2] == {'links', 'addresses', 'routes', 'rules', 'managers', 'rp_filter'}
    assert build(gather_subset=[])[2] == set()
    with pytest.raises(ValueError) as err:
        params(gather_subset=['neighbours'])
    assert 'gather_subset' in str(err.value) and 'neighbours' in str(err.value)


def test_rp_filter_all_default_and_each_interface(tmp_path):
    """Values read from the per-interface files; an interface without one (no IPv4) left out."""
    for name, value in (('all', '0\n'), ('default', '1\n'), ('lo', '0\n'), ('ens4', '2\n'), ('bad', 'x\n')):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'rp_filter').write_text(value)
    found = _facts.gather_rp_filter(['lo', 'ens4', 'ens5', 'bad', 'all'], path=str(tmp_path / '%s' / 'rp_filter'))
    assert found == {'all': 0, 'default': 1, 'lo': 0, 'ens4': 2}


def test_files_by_path_and_glob(tmp_path):
    (tmp_path / 'sysctl.d').mkdir()
    (tmp_path / 'sysctl.d' / '60-multinic-a.conf').write_text('a = 1\n')
    (tmp_path / 'sysctl.d' / '60-multinic-b.conf').write_bytes(b'b = \xff\n')
    (tmp_path / 'sysctl.d' / '60-multinic-dir').mkdir()
    (tmp_path / 'sysctl.d' / '99-other.conf').write_text('x\n')
    (tmp_path / 'fact').write_text('{}\n')
    glob, fact, missing = str(tmp_path / 'sysctl.d' / '60-multinic-*'), str(tmp_path / 'fact'), str(tmp_path / 'nope')
    assert _facts.read_files(_facts.check_files([glob, fact, missing, fact])) == {
        glob: {str(tmp_path / 'sysctl.d' / '60-multinic-a.conf'): 'a = 1\n',
               str(tmp_path / 'sysctl.d' / '60-multinic-b.conf'): 'b = \ufffd\n'},     # a directory is not read
        fact: {fact: '{}\n'},
        missing: {},
    }


def test_files_too_big_or_unreadable_fail_naming_the_file(tmp_path):
    big = tmp_path / 'big'
    big.write_bytes(b'x' * (_facts.FILE_MAX + 1))
    with pytest.raises(ModuleFailure) as err:
        _facts.read_files([str(big)])
    assert '%s is larger than the %d bytes' % (big, _facts.FILE_MAX) in err.value.msg


@pytest.mark.parametrize('files, needle', [
    (['etc/x'], "files[0]='etc/x' is not an absolute path or glob pattern"),
    (['/etc/x', 'x\0'], "files[1]='x\\x00' is not an absolute path"),
])
def test_files_must_be_absolute(files, needle):
    with pytest.raises(ValidationError) as err:
        _facts.check_files(files)
    assert needle in err.value.msg


@pytest.mark.parametrize('args, needle', [
    (dict(netns=['a/b']), "netns='a/b'"),
    (dict(netns=['..']), "netns='..'"),
    (dict(netns=['x' * 256]), 'too long'),
    (dict(tables=['0']), "tables='0' is out of range"),
    (dict(tables=['4294967296']), "tables='4294967296' is out of range"),
    (dict(tables=['no-such-table']), "tables='no-such-table'"),
    (dict(tables=['unspec']), "tables='unspec'"),
])
def test_bad_input_names_option_and_value(args, needle):
    with pytest.raises(ValidationError) as err:
        build(**args)
    assert needle in err.value.msg


def test_check_mode_is_declared():
    assert _facts.SPEC.module_kwargs()['supports_check_mode'] is True


def _documented_options():
    doc = yaml.safe_load(routing_facts.DOCUMENTATION)
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    for name, spec in doc['options'].items():
        merged = dict(options.get(name, {}))
        merged.update(spec)  # how Ansible merges a fragment: the module's keys win
        options[name] = merged
    return doc, options


def test_documentation_matches_the_argument_spec():
    doc, options = _documented_options()
    spec = _facts.SPEC.argument_spec
    assert set(options) == set(spec)
    for name, arg in spec.items():
        documented = options[name]
        for key in ('type', 'elements', 'default', 'choices', 'required'):
            assert documented.get(key) == arg.get(key), (name, key)
    assert doc['extends_documentation_fragment'] == [
        'multinic.routing.netns', 'multinic.routing.netns.ATTRIBUTES_READ_ONLY']
    yaml.safe_load(routing_facts.EXAMPLES)
    returned = yaml.safe_load(routing_facts.RETURN)
    fact = returned['ansible_facts']['contains']['multinic_routing']
    assert set(fact['contains']) == {'namespaces', 'table_names', 'netns', 'files'}
    assert set(fact['sample']['netns']['host']) == {'links', 'addresses', 'routes', 'rules', 'managers', 'rp_filter'}
