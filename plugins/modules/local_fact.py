#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: local_fact
short_description: One Ansible local fact file (ansible_local.<name>), in one module run
version_added: 0.3.0
description:
  - Ensures C(<directory>/<name>.fact) holds O(content) as JSON, which
    M(ansible.builtin.setup) reads as C(ansible_local.<name>) - or is gone.
  - The file is written the way the C(to_nice_json) filter writes (keys sorted, 4-space
    indent) followed by a newline, to a temporary file renamed over the old one; its mode is
    0644 and, when the module runs as root, its owner root:root. A file with that content but
    another mode or owner has them set again (C(differences) names them).
  - The directory (and its parents) is made with mode 0755 when missing, in the same run - so
    a record is one module run, not a directory task and a copy (which costs several round
    trips). It is also a step M(multinic.routing.batch) can run, as the C(data_plane) role
    records the strategy it applied.
  - The module needs no pyroute2 and has no C(netns) option; the file belongs to the host.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
options:
  name:
    description:
      - The fact's name; the file is C(<name>.fact) and the fact C(ansible_local.<name>).
        Letters, digits and C(_), not starting with a digit.
    type: str
    required: true
  content:
    description:
      - What the fact holds. Required with O(state=present); not used with O(state=absent).
    type: dict
  directory:
    description:
      - Where the file is; an absolute path. M(ansible.builtin.setup) reads C(/etc/ansible/facts.d)
        unless its C(fact_path) says otherwise.
    type: str
    default: /etc/ansible/facts.d
  prune:
    description:
      - With O(state=absent), after removing the file, also remove O(directory) and then its
        parent directory when the removal left each of them empty. A directory that holds
        anything else stays; nothing is removed when the file was not there.
    type: bool
    default: false
  state:
    description:
      - V(present) writes the file unless it already holds exactly that content, with mode
        0644 (and owner root:root when run as root).
      - V(absent) removes it; when it does not exist nothing changes.
    type: str
    default: present
    choices: [present, absent]
seealso:
  - module: ansible.builtin.setup
  - module: multinic.routing.batch
'''

EXAMPLES = r'''
- name: Record what was applied, read back as ansible_local.site_network
  multinic.routing.local_fact:
    name: site_network
    content:
      strategy: source_routing
      interface: ens4

- name: The same as one step of a batch, after the changes it records
  multinic.routing.batch:
    steps:
      - module: multinic.routing.rt_table
        params: {name: data, id: 201}
      - module: multinic.routing.local_fact
        params: {name: site_network, content: {tables: [data]}}

- name: Forget it, and /etc/ansible/facts.d and /etc/ansible when nothing else is in them
  multinic.routing.local_fact:
    name: site_network
    state: absent
    prune: true
'''

RETURN = r'''
name:
  description: The fact's name.
  returned: always
  type: str
  sample: site_network
path:
  description: The file.
  returned: always
  type: str
  sample: /etc/ansible/facts.d/site_network.fact
content:
  description: O(content) with O(state=present), else null.
  returned: always
  type: dict
  sample: {strategy: source_routing, interface: ens4}
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the file is created, V(present) when it
      is removed, V(content) when it is rewritten, V(mode) and V(owner) when only they are set.
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [absent]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _local_fact


def main():
    module = AnsibleModule(**_local_fact.SPEC.module_kwargs())
    _common.run_module(module, _local_fact.run, needs_pyroute2=False)


if __name__ == '__main__':
    main()
