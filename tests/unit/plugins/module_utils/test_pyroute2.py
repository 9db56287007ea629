# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pyroute2 version gate: the tested lines pass, others are refused saying how to fix it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2


# ------------------------------------------------------------------ the pyroute2 version gate

class Failed(Exception):
    pass


class GateModule(object):
    def fail_json(self, **kwargs):
        raise Failed(kwargs['msg'])


@pytest.mark.parametrize('version, words', [
    ((0, 6, 4), ['pyroute2 0.6.4 is installed', 'too old', "python3 -m pip install 'pyroute2>=0.7,<0.10'"]),
    ((0, 10, 0), ['pyroute2 0.10.0 is installed', 'newer than', "'pyroute2>=0.7,<0.10'"]),
])
def test_unsupported_pyroute2_is_refused_with_how_to_fix(monkeypatch, version, words):
    monkeypatch.setattr(_pyroute2, 'pyroute2_version', lambda: version)
    with pytest.raises(Failed) as err:
        _pyroute2.require_pyroute2(GateModule())
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize('version', [(0, 7, 2), (0, 9, 7)])
def test_tested_pyroute2_lines_pass_the_gate(monkeypatch, version):
    monkeypatch.setattr(_pyroute2, 'pyroute2_version', lambda: version)
    _pyroute2.require_pyroute2(GateModule())
