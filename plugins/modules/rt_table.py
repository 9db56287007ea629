#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rt_table
short_description: Name a routing table for iproute2 and this collection
version_added: 0.1.0
description:
  - Ensures a routing table number has a name, so C(ip route show table data) and the
    O(multinic.routing.route#module:table) and O(multinic.routing.rule#module:table) options
    accept the name.
  - Writes one file per name, C(/etc/iproute2/rt_tables.d/<name>.conf) (mode 0644), holding one
    line C(<id> <name>) under a comment saying it is managed by multinic.routing. The file is
    written to a temporary file and renamed over the old one, so readers never see half of it.
  - Refuses a name already mapped to another id, or an id already named otherwise, anywhere
    iproute2 reads table names (C(/etc/iproute2/rt_tables), C(/etc/iproute2/rt_tables.d/*.conf)
    and their C(/usr/share/iproute2) counterparts) - except in the file this module manages for
    that name, which is updated. A file at that path that also names other tables is refused.
  - Table names are host-wide files that every network namespace shares, so this module has no
    C(netns) option and does not need pyroute2.
author:
  - multinic.routing maintainers (@multinic)
extends_documentation_fragment:
  - multinic.routing.netns.ATTRIBUTES
options:
  name:
    description:
      - Table name. Letters, digits, C(_), C(-) and C(.); not starting with C(.), not a number
        (C(100), C(0x10)), not a built-in name (C(main), C(local), C(default), C(unspec)).
    type: str
    required: true
  id:
    description:
      - Table number, 1..4294967295 except 253, 254 and 255 (the built-in C(default), C(main)
        and C(local) tables).
      - Required with O(state=present). With O(state=absent) it is optional; when given, it must
        be the id the file names.
    type: int
  state:
    description:
      - V(present) writes C(/etc/iproute2/rt_tables.d/<name>.conf) unless it already holds
        exactly that content.
      - V(absent) removes that file (and nothing else); when it does not exist nothing changes.
      - A file at that path that the collection did not write (no C(multinic.routing) header) is
        never taken over. V(present) leaves it as it is when it already names O(id) O(name) and
        fails otherwise; V(absent) leaves it in place with a warning.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Names already known to the host in other files are only read, never changed.
  - Debian 12 (iproute2 6.1) and newer read C(rt_tables.d/*.conf) without any further setup.
seealso:
  - module: multinic.routing.route
  - module: multinic.routing.rule
'''

EXAMPLES = r'''
- name: Name table 201 "data" (source routing strategy)
  multinic.routing.rt_table:
    name: data
    id: 201

- name: Tables above 255 work as well
  multinic.routing.rt_table:
    name: control
    id: 100000

- name: Use the name right away
  multinic.routing.route:
    dest: default
    gateway: 10.240.64.1
    dev: ens4
    table: data

- name: Forget the name again
  multinic.routing.rt_table:
    name: data
    state: absent
'''

RETURN = r'''
name:
  description: The table name.
  returned: always
  type: str
  sample: data
id:
  description:
    - The table number. With O(state=absent), the number the removed file named (or O(id), or
      null when there was no file and no O(id)).
  returned: always
  type: int
  sample: 201
path:
  description: The file this module manages for O(name).
  returned: always
  type: str
  sample: /etc/iproute2/rt_tables.d/data.conf
differences:
  description:
    - What differed from the task, in the order found (the same shape in every module of this
      collection that changes something). V(absent) when the file did not exist and is created,
      V(present) when it existed and is removed; V(content) when it is rewritten.
    - Empty exactly when C(changed) is false; in check mode, what a real run would change.
  returned: always
  type: list
  elements: str
  sample: [absent]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _rt_table


def main():
    module = AnsibleModule(**_rt_table.SPEC.module_kwargs())
    _common.run_module(module, _rt_table.run, needs_pyroute2=False)


if __name__ == '__main__':
    main()
