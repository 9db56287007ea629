# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The management-path guard options (module_utils/_guard.py).
    DOCUMENTATION = r'''
options:
  guard:
    description:
      - Guard the management path - the way back from this host to the controller must keep its
        outgoing device and source address through the task's changes. Before changing
        anything, the task asks the kernel how a packet from O(guard_local) to O(guard_peer)
        goes; after the change it asks again. When the device or the source changed, or there
        is no way at all, the change is undone at once and the task fails naming the route or
        rule that moved the path.
      - A route or rule write cannot take an address away. When O(guard_local) is not an address
        of the host after the writes - a network manager reconfiguring the link drops its DHCP
        address and takes it again, after a reload an earlier task or batch step asked for - the
        path is looked at again for up to 10 seconds, and undone only if it stays moved.
      - The guard is off, and the C(reason) in RV(guard) says why, when neither O(guard_peer) and
        O(guard_local) are given nor C(SSH_CONNECTION) is in the environment of the module
        process or of one of its ancestors (a connection that is not SSH, such as C(local) or a
        container connection), when the task acts in a namespace without both options given, or
        when the kernel has no route to the controller before the change.
      - It protects against this task's own change taking the path away. It cannot see what is
        outside this task (a network manager reapplying other configuration, a firewall), and in
        check mode it only records the path.
    type: bool
    default: false
  guard_peer:
    description:
      - The controller's address as this host sees it. Default - the first field of
        C(SSH_CONNECTION) (of the module process or, since C(sudo) resets the environment, of its
        nearest ancestor that has it).
    type: str
  guard_local:
    description:
      - The address of this host the controller's connection arrives on. Default - the third
        field of C(SSH_CONNECTION).
    type: str
'''
