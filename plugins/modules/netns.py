#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: netns
short_description: Manage a named network namespace
version_added: 0.1.0
description:
  - Ensures a named network namespace exists or not, the way C(ip netns add NAME) and
    C(ip netns del NAME) do it - a bind mount under C(/run/netns), so the namespace is listed
    by C(ip netns list) and usable with C(ip netns exec NAME ...), C(ip -n NAME ...) and the
    C(netns) option of every other module of this collection.
  - On creation the loopback interface C(lo) of the new namespace is brought up.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
requirements:
  - pyroute2 >= 0.7 on the managed node (Debian/Ubuntu C(python3-pyroute2) 0.7.x or PyPI 0.9.x)
notes:
  - Unlike the other modules of this collection this one has no C(netns) option - O(name) is
    the namespace it manages. Named namespaces all live in one place
    (C(/run/netns) of the mount namespace the module runs in), so there is nothing to act
    "inside".
  - An existing namespace is left as it is; in particular the state of its loopback is not
    changed. Use M(multinic.routing.link) with C(name=lo), C(state=up) and C(netns=NAME) to
    enforce it on a namespace made elsewhere.
  - Deleting removes the name (like C(ip netns del)). The kernel destroys the namespace when
    the last user is gone - processes still running in it keep it alive.
  - When the namespace is destroyed, the kernel hands physical network interfaces inside it back
    to the initial namespace of the machine (the host's, not a container's); virtual ones are
    destroyed - a veth pair inside loses both ends, and a container NIC that is a veth (as in
    podman or docker) is gone for good. Move an interface out first with
    M(multinic.routing.link) (leave its C(netns) unset) to keep it.
  - Talks to the kernel over netlink with pyroute2; it does not run C(ip).
  - A namespace does not survive a reboot by itself; the roles of this collection add
    persistence.
options:
  name:
    description:
      - Name of the namespace, a plain file name under C(/run/netns) as C(ip netns) accepts
        it - not empty, no C(/), not C(.) or C(..), at most 255 bytes.
    type: str
    required: true
  state:
    description:
      - V(present) creates the namespace (and brings its loopback up) when it does not exist.
      - V(absent) deletes it when it exists.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: multinic.routing.link
  - module: multinic.routing.routing_facts
'''

EXAMPLES = r'''
- name: A namespace for the data NIC (netns strategy)
  multinic.routing.netns:
    name: data

- name: Move the data NIC into it, keeping its addresses
  multinic.routing.link:
    name: ens4
    netns: data

- name: Undo - bring the data NIC back first, then delete the namespace
  multinic.routing.link:
    name: ens4
    source_netns: data

- name: Delete the namespace
  multinic.routing.netns:
    name: data
    state: absent
'''

RETURN = r'''
name:
  description: The namespace name.
  returned: always
  type: str
  sample: data
exists:
  description:
    - Whether the namespace exists after the run (in check mode, whether it would).
  returned: always
  type: bool
  sample: true
path:
  description:
    - The file that names the namespace, for C(nsenter --net=PATH) or a systemd unit's
      C(NetworkNamespacePath=). It exists only when RV(exists) is true.
  returned: always
  type: str
  sample: /run/netns/data
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _netns


def main():
    module = AnsibleModule(**_netns.MODULE_KWARGS)
    _common.run_module(module, _netns.run)


if __name__ == '__main__':
    main()
