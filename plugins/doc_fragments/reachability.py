# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The options the reachability filters share.
    DOCUMENTATION = r'''
options:
  hostvars:
    description:
      - The play's C(hostvars). Each host's data is read from what the tasks of the
        C(multinic.routing.reachability) role put there - C(__reachability_data_address),
        C(__reachability_control_address), C(__reachability_data_netns) and
        C(__reachability_row).
    type: dict
    required: true
  expect:
    description: V(pass) - every pair must hold; V(fail) - data pairs must not get a reply.
    type: str
    default: pass
    choices: [pass, fail]
author:
  - multinic.routing maintainers
'''
