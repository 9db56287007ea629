# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs as objects: options and their constraints composed in one place.

PRIVATE: internal to multinic.routing, not a public API.

Each module's logic declares one ``SPEC`` (an ArgumentSpec); the module builds its AnsibleModule
from it (``AnsibleModule(**SPEC.module_kwargs())``), unit tests and the boot-unit step check
validate with it (``SPEC.validate(params)``), so all check the same options and constraints. Pieces
shared by several modules (``netns``, the route and rule entries of the network-manager modules)
are ArgumentSpec objects merged into the modules' own. Nothing here imports ``ansible`` at import
time (the boot-unit applier imports the modules' logic without Ansible).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

CONSTRAINTS = ('mutually_exclusive', 'required_together', 'required_one_of', 'required_if',
               'required_by')


class ArgumentSpec(object):
    """Options (an AnsibleModule ``argument_spec``) and the constraints that go with them."""

    def __init__(self, argument_spec=None, mutually_exclusive=None, required_together=None,
                 required_one_of=None, required_if=None, required_by=None):
        self.argument_spec = dict(argument_spec or {})
        self.mutually_exclusive = list(mutually_exclusive or [])
        self.required_together = list(required_together or [])
        self.required_one_of = list(required_one_of or [])
        self.required_if = list(required_if or [])
        self.required_by = dict(required_by or {})

    def update_argspec(self, **options):
        """Add or replace options; returns self."""
        self.argument_spec.update(options)
        return self

    def update(self, mutually_exclusive=None, required_together=None, required_one_of=None,
               required_if=None, required_by=None):
        """Add constraints; returns self."""
        self.mutually_exclusive.extend(mutually_exclusive or [])
        self.required_together.extend(required_together or [])
        self.required_one_of.extend(required_one_of or [])
        self.required_if.extend(required_if or [])
        for key, needs in (required_by or {}).items():
            known = self.required_by.get(key)
            if known is None:
                self.required_by[key] = needs
            else:
                self.required_by[key] = list(_as_list(known)) + list(_as_list(needs))
        return self

    def merge(self, other):
        """Add another spec's options and constraints; returns self."""
        self.update_argspec(**copy.deepcopy(other.argument_spec))
        return self.update(**copy.deepcopy(other.constraints()))

    def copy(self):
        return ArgumentSpec(copy.deepcopy(self.argument_spec), **copy.deepcopy(self.constraints()))

    def options(self, names, **changes):
        """Copies of some options (for suboptions of another module), some of them changed:
        same names, types, defaults and choices as here unless ``changes`` says otherwise."""
        options = dict((name, copy.deepcopy(self.argument_spec[name])) for name in names)
        for name, change in changes.items():
            options[name].update(change)
        return options

    def list_option(self, without=(), **extra):
        """This spec as the entries of another module's list option (``type: list, elements:
        dict``): the same options, defaults, choices and constraints, checked per entry, minus
        the options in ``without``; ``extra`` adds keys to the option (``default``, ...)."""
        options = dict((name, copy.deepcopy(option)) for name, option in self.argument_spec.items()
                       if name not in without)
        option = dict(type='list', elements='dict', options=options)
        for name, value in self.constraints().items():
            if value:
                option[name] = copy.deepcopy(value)
        option.update(extra)
        return option

    def defaults(self):
        """Every option's default (None when it has none): params as if none were given."""
        return dict((name, option.get('default')) for name, option in self.argument_spec.items())

    def constraints(self):
        """The constraints, as keyword arguments of AnsibleModule and ArgumentSpecValidator."""
        return dict((name, getattr(self, name)) for name in CONSTRAINTS)

    def validate(self, params):
        """Validate ``params`` the way AnsibleModule does  -> a ValidationResult."""
        from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
        return ArgumentSpecValidator(self.argument_spec, **self.constraints()).validate(params)

    def module_kwargs(self, **kwargs):
        """Keyword arguments of the module's AnsibleModule: the options, the constraints, and
        check mode supported unless ``kwargs`` says otherwise."""
        kwargs.setdefault('supports_check_mode', True)
        kwargs.update(self.constraints(), argument_spec=self.argument_spec)
        return kwargs


def _as_list(value):
    return [value] if isinstance(value, str) else list(value)


def netns_spec():
    """The ``netns`` option every kernel module shares (doc fragment multinic.routing.netns)."""
    return ArgumentSpec(dict(netns=dict(type='str')))
