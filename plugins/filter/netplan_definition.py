# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: netplan_definition
short_description: Which netplan definition configures an interface
version_added: 0.1.0
description:
  - Looks through netplan configuration documents (the parsed content of C(/etc/netplan/*.yaml)
    and friends, in netplan's order) for the device definition that configures a given
    interface, so that a role can add C(routes) or C(routing-policy) to that very definition
    from a file of its own (netplan merges definitions with the same ID across files).
  - A definition without C(match) configures the interface its ID names. A definition with
    C(match) configures the interface named by its C(set-name) (cloud-init writes them that way,
    C(match.macaddress) plus C(set-name)), or without C(set-name) the one its C(match.name)
    names exactly.
  - A definition that matches by a glob (C(match.name=ens*)) or by MAC address only does not
    count - adding routes to it would reach other interfaces too, or miss this one.
  - Returns an empty dictionary when no definition configures the interface. Adding a
    definition of one's own then would make systemd-networkd take the interface over (without
    its DHCP or addresses), so callers should not persist anything in netplan in that case.
author:
  - multinic.routing maintainers
options:
  _input:
    description:
      - Parsed netplan documents (dictionaries with a top-level C(network) key), or their YAML
        text, or their base64 text as M(ansible.builtin.slurp) returns it. Empty documents are
        ignored.
    type: list
    elements: raw
    required: true
  interface:
    description: The interface name.
    type: str
    required: true
seealso:
  - plugin: multinic.routing.ip_network
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the netplan files
  ansible.builtin.slurp:
    src: "{{ item }}"
  loop: [/etc/netplan/50-cloud-init.yaml]
  register: netplan_files

- name: "The definition of ens4, e.g. {section: ethernets, id: ens4}"
  ansible.builtin.set_fact:
    ens4_definition: "{{ netplan_files.results | map(attribute='content')
                         | multinic.routing.netplan_definition('ens4') }}"
'''

RETURN = r'''
_value:
  description:
    - C(section) (C(ethernets), C(bonds), ...) and C(id) of the first definition that
      configures the interface; an empty dictionary when there is none.
  type: dict
  sample: {section: ethernets, id: ens4}
'''

import base64
import binascii

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core itself needs PyYAML
    yaml = None

# Top-level keys of `network:` that are not device sections.
NOT_SECTIONS = ('version', 'renderer')


def _document(item, index):
    """A parsed netplan document from a dict, YAML text or base64 YAML text."""
    if item is None or isinstance(item, dict):
        return item or {}
    if not isinstance(item, string_types):
        raise AnsibleFilterError('netplan_definition: item %d is a %s, not a netplan document'
                                 % (index, type(item).__name__))
    text = to_text(item)
    if 'network' not in text:
        try:
            text = to_text(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            pass
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnsibleFilterError('netplan_definition: item %d is not valid YAML: %s' % (index, exc))
    if doc is not None and not isinstance(doc, dict):
        raise AnsibleFilterError('netplan_definition: item %d is not a YAML mapping' % index)
    return doc or {}


def _configures(def_id, definition, interface):
    """Whether one netplan definition configures the interface (see DOCUMENTATION)."""
    definition = definition if isinstance(definition, dict) else {}
    match = definition.get('match')
    if not isinstance(match, dict) or not match:
        return to_text(def_id) == interface            # no match: the ID is the name
    if definition.get('set-name'):
        return definition['set-name'] == interface     # matched, then renamed
    return match.get('name') == interface              # exact name match (a glob never equals)


def netplan_definition(documents, interface):
    if not isinstance(documents, (list, tuple)):
        raise AnsibleFilterError('netplan_definition: expects a list of netplan documents, got %s'
                                 % type(documents).__name__)
    if not isinstance(interface, string_types) or not interface:
        raise AnsibleFilterError('netplan_definition: interface=%r is not an interface name'
                                 % (interface,))
    for index, item in enumerate(documents):
        network = _document(item, index).get('network') or {}
        if not isinstance(network, dict):
            continue
        for section, definitions in network.items():
            if section in NOT_SECTIONS or not isinstance(definitions, dict):
                continue
            for def_id, definition in definitions.items():
                if _configures(def_id, definition, interface):
                    return {'section': section, 'id': to_text(def_id)}
    return {}


class FilterModule(object):

    def filters(self):
        return {'netplan_definition': netplan_definition}
