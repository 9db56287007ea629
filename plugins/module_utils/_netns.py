# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.netns module: validate, plan, apply.

PRIVATE: internal to multinic.routing, not a public API.

A named network namespace is what ``ip netns add NAME`` makes: a bind mount of a namespace
file on /run/netns/NAME. This module has no ``netns`` option: its ``name`` IS the namespace
it manages, and namespaces are not nested by name (they all live under /run/netns).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.multinic.routing.plugins.module_utils import _common as c
from ansible_collections.multinic.routing.plugins.module_utils import _netlink as nl

ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)

MODULE_KWARGS = dict(
    argument_spec=ARGUMENT_SPEC,
    supports_check_mode=True,
)


def view(name):
    """What the diff shows: the name and whether `ip netns list` has it."""
    return {'name': name, 'exists': nl.netns_exists(name)}


def run(module):
    params = module.params
    name = c.check_netns_name(params['name'], 'name')
    want = params['state'] == 'present'
    before = view(name)
    result = {'changed': before['exists'] != want}
    after = before
    if result['changed']:
        if module.check_mode:
            after = {'name': name, 'exists': want}
        else:
            if want:
                nl.create_netns(name)
            else:
                nl.delete_netns(name)
            after = view(name)
    result.update(name=name, exists=after['exists'], path=nl.netns_path(name))
    if module._diff:
        result['diff'] = c.diff_of(before, after)
    return result
