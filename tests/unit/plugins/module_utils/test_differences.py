# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one difference tracker every module reports its ``differences`` with."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.routing.plugins.module_utils._differences import (
    ABSENT,
    PRESENT,
    DifferenceTracker,
)


def test_empty_tracker_reports_no_change():
    tracker = DifferenceTracker()
    assert tracker.empty and tracker.names() == [] and tracker.before_after() == ({}, {})
    assert tracker.report({'route': None}) == {'route': None, 'differences': [], 'changed': False}


def test_names_keep_their_order_and_are_not_repeated():
    tracker = DifferenceTracker().add('gateway', '10.0.0.1', '10.0.0.2').add('dev', 'a', 'b')
    tracker.add('gateway', 'x', 'y')
    assert tracker.names() == ['gateway', 'dev']
    assert tracker.has_difference_for('dev') and not tracker.has_difference_for('mtu')
    assert tracker.before_after() == ({'gateway': '10.0.0.1', 'dev': 'a'}, {'gateway': '10.0.0.2', 'dev': 'b'})
    assert tracker.report({}) == {'differences': ['gateway', 'dev'], 'changed': True}


def test_compare_records_only_what_differs():
    tracker = DifferenceTracker()
    assert tracker.compare('mtu', 1500, 9000) is True
    assert tracker.compare('state', 'up', 'up') is False
    tracker.compare_keys({'netns': None, 'state': 'up', 'mtu': 1500},
                         {'netns': 'data', 'state': 'up', 'mtu': 1500}, ('netns', 'state', 'mtu'))
    assert tracker.names() == ['mtu', 'netns']


def test_existence_and_objects():
    assert DifferenceTracker().existence(None, 'data').names() == [ABSENT]
    assert DifferenceTracker().existence('data', None).names() == [PRESENT]
    assert DifferenceTracker().existence('data', 'data').empty
    assert DifferenceTracker().existence(None, None).empty
    assert DifferenceTracker().compare_object('content', None, 'text\n').names() == ['absent']
    assert DifferenceTracker().compare_object('content', 'text\n', None).names() == ['present']
    assert DifferenceTracker().compare_object('content', 'a\n', 'b\n').names() == ['content']
    assert DifferenceTracker().compare_object('content', '', '').empty


def test_merge():
    one = DifferenceTracker().add('state', 'down', 'up')
    other = DifferenceTracker().add('mtu', 1500, 9000).add('state', 'x', 'y')
    assert one.merge(other).names() == ['state', 'mtu']
    assert one.before_after()[0] == {'state': 'down', 'mtu': 1500}
