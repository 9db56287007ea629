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
  - Before deleting, the module looks inside. A process with a thread in the namespace (found by
    comparing the namespace file's inode with C(/proc/PID/ns/net) of every process and thread it
    can read) or an interface other than C(lo) (and the fallback tunnel devices such as C(sit0)
    the kernel itself puts in every namespace) makes it busy - whoever moved or started them
    there was not this collection, whose roles move the data NIC back before deleting. A busy
    namespace is not deleted; the run fails naming the processes (PID and command) and the
    interfaces (name and kind), in check mode too. O(force=true) deletes it anyway.
  - With O(force=true), interfaces that are not of a virtual kind (physical NICs, which have no
    link kind, and any kind not known to be virtual) are first moved back to the host's
    namespace - the one the module runs in, where M(multinic.routing.link) puts an interface
    whose C(netns) is unset - the way that module does it, keeping their addresses, MTU and admin
    state. So a physical NIC never ends up unreachable in a namespace without a name that a
    process keeps alive. When the host's namespace already has an interface of the same name,
    nothing is changed and the run fails. Those moved back are listed in RV(moved_back).
  - Virtual interfaces (veth, bridge, vxlan, macvlan, tun, wireguard, ...) stay and are destroyed
    with the namespace (RV(destroyed)) - a veth pair inside loses both ends, and a container NIC
    that is a veth (as in podman or docker) is gone for good. Move an interface out first with
    M(multinic.routing.link) (leave its C(netns) unset) to keep it.
  - Processes are not signalled - like after C(ip netns del), they keep running in the namespace,
    which no longer has a name (RV(pids), and a warning names them); the namespace and its virtual
    interfaces go when the last of them ends. Other holders (an open namespace file, another bind
    mount of it) are not looked for; physical NICs are moved back whatever holds the namespace.
  - Without any holder, when the namespace is destroyed the kernel itself hands physical
    interfaces still inside to the initial namespace of the machine (the host's, not a
    container's); with O(force=true) none are left inside for that to happen.
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
      - V(absent) deletes it when it exists and nothing is inside (no process, no interface
        other than C(lo)); see O(force).
    type: str
    default: present
    choices: [present, absent]
  force:
    description:
      - With O(state=absent), delete the namespace even when processes run in it or interfaces
        other than C(lo) are in it. Physical interfaces are moved back to the host's namespace
        first, virtual ones are destroyed with the namespace, processes keep running in it
        without a name (see the notes).
      - Without it a busy namespace is not deleted and the run fails naming what is inside.
      - Ignored with O(state=present).
    type: bool
    default: false
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

- name: Delete the namespace (fails, deleting nothing, when processes or interfaces are in it)
  multinic.routing.netns:
    name: data
    state: absent

- name: Delete it whatever is inside - physical NICs go back to the host, veths are destroyed
  multinic.routing.netns:
    name: scratch
    state: absent
    force: true
  register: scratch_deleted

- name: Say what was still inside
  ansible.builtin.debug:
    msg: >-
      moved back {{ scratch_deleted.moved_back }}, destroyed {{ scratch_deleted.destroyed }},
      processes left running {{ scratch_deleted.pids }}
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
pids:
  description:
    - Processes that ran in the namespace when it was deleted with O(force=true) (or would be, in
      check mode). They keep running in the namespace, which no longer has a name.
    - Empty when the namespace did not exist or nothing ran in it.
  returned: when O(state=absent)
  type: list
  elements: int
  sample: [4242]
moved_back:
  description:
    - Physical interfaces that were in the namespace and were moved back to the host's namespace
      before it was deleted (in check mode, that would be).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [ens4]
destroyed:
  description:
    - Virtual interfaces that were in the namespace when it was deleted; the kernel destroys them
      with it (at once, or when the last process of RV(pids) ends). In check mode, that would be.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [veth0]
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the namespace did not exist and is
      created, V(present) when it existed and is removed.
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [absent]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _netns


def main():
    module = AnsibleModule(**_netns.SPEC.module_kwargs())
    _common.run_module(module, _netns.run)


if __name__ == '__main__':
    main()
