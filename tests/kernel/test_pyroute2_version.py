# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel suite runs once per supported pyroute2 line; prove which one the modules import,
and that what only reads does not import it at all (it is loaded for the first change)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from .conftest import _module_env, run_module


def test_modules_import_the_expected_pyroute2():
    expected = os.environ.get('MULTINIC_EXPECT_PYROUTE2')
    if not expected:
        pytest.fail('set MULTINIC_EXPECT_PYROUTE2 (0.7 or 0.9) to the pyroute2 line under test; '
                    'hack/test does')
    code = ('from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2;'
            'print(".".join(map(str, _pyroute2.pyroute2_version())))')
    found = subprocess.check_output([sys.executable, '-c', code], env=_module_env(),
                                    universal_newlines=True).strip()
    assert found.startswith(expected + '.'), 'modules import pyroute2 %s, expected %s.x' % (found, expected)


def test_a_session_that_only_reads_never_imports_pyroute2(ns):
    """Links, addresses, routes, rules, a link by name and a route lookup in a namespace, in a
    process of its own: no pyroute2 module is loaded afterwards; the first change loads it."""
    code = '\n'.join([
        'import sys',
        'from ansible_collections.multinic.routing.plugins.module_utils import _netlink',
        'loaded = lambda: sorted(m for m in sys.modules if m.split(".")[0] == "pyroute2")',
        'with _netlink.Netlink(%r) as nl:' % ns.name,
        '    assert nl.links() and nl.addresses() and nl.routes() and nl.index_of("veth0")',
        '    nl.rules(); nl.route_get("10.0.1.2")',
        '    print(loaded())',
        '    nl.set_link(nl.index_of("veth1"), mtu=1400)',
        '    print(bool(loaded()))',
    ])
    out = subprocess.run([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=_module_env(), check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split('\n')[:2] == ['[]', 'True'], out.stdout
    assert [link['mtu'] for link in ns.ip('link', 'show', 'veth1')] == [1400]


def test_routing_facts_runs_where_pyroute2_cannot_be_imported(ns, tmp_path):
    """A read-only module needs no pyroute2: with an import that fails (as 0.6 does on Python
    3.11) routing_facts still reads the namespace; a module that changes things says why not."""
    poison = tmp_path / 'pyroute2'
    poison.mkdir()
    (poison / '__init__.py').write_text(u'raise ImportError("this pyroute2 cannot be imported")\n')
    wrap = ['env', 'PYTHONPATH=%s' % os.pathsep.join([str(tmp_path), _module_env()['PYTHONPATH']])]
    res = run_module('routing_facts', dict(netns=ns.name, gather_subset=['links', 'addresses', 'routes', 'rules']),
                     wrap=wrap)
    assert res['rc'] == 0, res
    facts = res['ansible_facts']['multinic_routing']['netns'][ns.name]
    assert set(link['name'] for link in facts['links']) >= set(['lo', 'veth0', 'veth1']), facts['links']
    assert '10.0.0.1/24' in [a['cidr'] for a in facts['addresses']]
    res = run_module('route', dict(netns=ns.name, dest='10.9.0.0/24', gateway='10.0.0.2'), wrap=wrap)
    assert res['rc'] == 1 and 'pyroute2' in res['msg'], res
    assert [r for r in ns.ip('route', 'show') if r['dst'] == '10.9.0.0/24'] == []
