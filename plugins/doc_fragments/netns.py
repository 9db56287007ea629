# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The netns option every module shares.
    DOCUMENTATION = r'''
options:
  netns:
    description:
      - Name of the network namespace to act in, as listed by C(ip netns list) (a file under
        C(/run/netns)).
      - When not given, the module acts in the host's own namespace (the one the module runs in).
      - A namespace that does not exist is an error; it is never created as a side effect.
    type: str
requirements:
  - pyroute2 0.7.x or 0.9.x on the managed node (Debian 12 C(python3-pyroute2) 0.7.2, or PyPI; Ubuntu 22.04 ships 0.6.4, which is refused)
notes:
  - Talks to the kernel over netlink; it does not run C(ip). Changes go through pyroute2;
    questions (dumps, lookups) are read by the collection's own decoder, so a run that only
    reads - or finds nothing to change - does not import pyroute2, and the read-only
    M(multinic.routing.routing_facts) and M(multinic.routing.route_lookup) run without it.
  - Changes made at runtime do not survive a reboot by themselves; the roles of this collection
    add persistence.
'''

    # Attributes of the modules that change the kernel.
    ATTRIBUTES = r'''
attributes:
  check_mode:
    support: full
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    support: full
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
'''

    # Attributes of the read-only modules.
    ATTRIBUTES_READ_ONLY = r'''
attributes:
  check_mode:
    support: full
    description: The module never changes anything; it runs the same way in check mode.
  diff_mode:
    support: none
    description: The module never changes anything, so it has no diff.
  idempotent:
    support: full
    description: The module never changes anything.
'''
