# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: step
short_description: One step of a boot unit, from a module's options
version_added: 0.2.0
description:
  - Turns the options of one module call into a step of M(multinic.routing.boot_unit)
    (a dict with the keys C(module) and C(params)), adding the keyword arguments to the options.
  - With C(map) it turns a list of option dicts into a list of steps.
author:
  - multinic.routing maintainers
options:
  _input:
    description: The module's options.
    type: dict
    required: true
  module:
    description: The module, C(route), C(rule), C(link) or C(netns).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Routes as boot steps
  ansible.builtin.debug:
    msg: "{{ [{'dest': '10.240.128.0/24', 'gateway': '10.240.64.1'}] | map('multinic.routing.step', 'route', dev='ens4') | list }}"
    # [{"module": "route", "params": {"dest": "10.240.128.0/24", "gateway": "10.240.64.1", "dev": "ens4"}}]
'''

RETURN = r'''
_value:
  description: The step.
  type: dict
'''

from ansible.errors import AnsibleFilterError

MODULES = ('route', 'rule', 'link', 'netns')


def step(params, module, **extra):
    if module not in MODULES:
        raise AnsibleFilterError('step: module %r is not one of %s' % (module, ', '.join(MODULES)))
    if not isinstance(params, dict):
        raise AnsibleFilterError('step: the input must be a dict of module options, not %r' % (params,))
    merged = dict(params)
    merged.update(extra)
    return {'module': module, 'params': merged}


class FilterModule(object):

    def filters(self):
        return {'step': step}
