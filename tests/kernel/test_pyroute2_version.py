# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel suite runs once per supported pyroute2 line; prove which one the modules import."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from .conftest import _module_env


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
