# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The data_plane role's input check (filter multinic.routing.data_plane_errors): each problem
named with its option and value, every problem at once, nothing for good input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.filter.data_plane_errors import data_plane_errors

GOOD = {'subnets': ['10.240.64.0/24', '10.240.65.0/24'], 'gateway': '', 'control_gateway': '', 'netns': 'data',
        'interface': 'ens4', 'control_interface': 'ens3'}


def errors(**changes):
    return data_plane_errors(dict(GOOD, **changes))


def test_good_input_has_no_errors():
    assert errors() == []
    assert errors(gateway='10.240.64.1', control_gateway='10.240.0.1', netns='data-1.x_y') == []


@pytest.mark.parametrize('changes, expected', [
    ({'subnets': []}, 'data_plane_subnets is empty'),
    ({'subnets': ['10.240.64.0/24', '10.240.65.4/24', '0.0.0.0/0', 'fd00::/64', 'data']},
     'data_plane_subnets: not IPv4 network prefixes (or a default route /0): 10.240.65.4/24, 0.0.0.0/0, fd00::/64, data'),
    ({'subnets': '10.240.64.0/24'}, 'data_plane_subnets=10.240.64.0/24 must be a list of IPv4 network prefixes'),
    ({'gateway': '10.240.64.300'}, 'data_plane_gateway=10.240.64.300 is not an IPv4 address'),
    ({'control_gateway': 'fe80::1'}, 'data_plane_control_gateway=fe80::1 is not an IPv4 address'),
    ({'netns': 'a/b'}, 'data_plane_netns=a/b must be letters, digits, _, . and - (not ., .. or host)'),
    ({'netns': 'host'}, 'data_plane_netns=host must be letters'),
    ({'netns': '..'}, 'data_plane_netns=.. must be letters'),
    ({'interface': 'ens3'}, 'data_plane_interface=ens3 and data_plane_control_interface=ens3 must name two different NICs'),
    ({'interface': ''}, 'data_plane_interface= and data_plane_control_interface=ens3 must name two different NICs'),
])
def test_each_problem_is_named_with_its_option_and_value(changes, expected):
    found = errors(**changes)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_every_problem_at_once():
    found = errors(subnets=[], gateway='x', control_gateway='y', netns='')
    assert found == ['data_plane_subnets is empty', 'data_plane_gateway=x is not an IPv4 address',
                     'data_plane_control_gateway=y is not an IPv4 address',
                     'data_plane_netns= must be letters, digits, _, . and - (not ., .. or host)']


def test_a_missing_setting_is_refused():
    with pytest.raises(AnsibleFilterError, match='must be a dict with subnets'):
        data_plane_errors({'subnets': ['10.0.0.0/24']})
