# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: file_text
short_description: A file's text from what multinic.routing.routing_facts read with its files option
version_added: 0.2.0
description:
  - Given a path and C(ansible_facts.multinic_routing.files) of
    M(multinic.routing.routing_facts) (run with O(multinic.routing.routing_facts#module:files)),
    returns the file's text when it was read; an empty string when a pattern read covers the
    path and no such file was there; and V(null) when no pattern read covers the path (read it
    another way).
  - A pattern covers a path as the shell's glob would match it, one path component at a time
    (C(*) does not cross C(/), and matches a leading C(.) only when the pattern's component
    starts with one); a pattern without C(*), C(?) or C([) covers exactly its own path.
author:
  - multinic.routing maintainers
options:
  _input:
    description: The absolute path of the file.
    type: str
    required: true
  files:
    description: C(ansible_facts.multinic_routing.files) - each pattern read and, by path, the text of the files it matched.
    type: dict
    required: true
seealso:
  - module: multinic.routing.routing_facts
'''

EXAMPLES = r'''
- name: Read the addresses and the collection's sysctl files in one module run
  multinic.routing.routing_facts:
    gather_subset: [addresses]
    files: [/etc/sysctl.d/60-multinic-*]
  register: found

- name: The source_routing role's sysctl file, '' when it is not there
  ansible.builtin.debug:
    msg: "{{ '/etc/sysctl.d/60-multinic-source-routing.conf' | multinic.routing.file_text(found.ansible_facts.multinic_routing.files) }}"
'''

RETURN = r'''
_value:
  description: The text; an empty string when the file was not there; null when not covered by a pattern read.
  type: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.multinic.routing.plugins.module_utils import _plan_common

file_text = _plan_common.raising(_plan_common.file_text, AnsibleFilterError)


class FilterModule(object):

    def filters(self):
        return {'file_text': file_text}
