# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of the multinic.routing.boot_unit module: validate the steps, plan the files, write them.

PRIVATE: internal to multinic.routing, not a public API.

The module owns these files (nothing else, and it never touches the kernel):
- /etc/multinic-routing/<name>.json: the steps, normalised by their modules' argument specs;
- /etc/systemd/system/multinic-routing-<name>.service and its multi-user.target.wants link;
- shared by every unit: the library /usr/local/lib/multinic-routing/ansible_collections/...
  (copies of _boot_apply and the module_utils it imports, read from this module's own payload) and the applier
  /usr/local/sbin/multinic-routing-apply, which runs _boot_apply.main() from that library.
Every file is compared byte for byte and written to a temporary file renamed over the old one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import errno
import importlib
import json
import os
import shutil
import sys

from ansible_collections.multinic.routing.plugins.module_utils import _boot_apply
from ansible_collections.multinic.routing.plugins.module_utils import _common
from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils import _link
from ansible_collections.multinic.routing.plugins.module_utils import _route
from ansible_collections.multinic.routing.plugins.module_utils import _rule
from ansible_collections.multinic.routing.plugins.module_utils import _steps
from ansible_collections.multinic.routing.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.multinic.routing.plugins.module_utils._differences import DifferenceTracker
from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure, ValidationError

ORDERS = ['before-network', 'after-network']
STEP_MODULE_NAMES = sorted(_boot_apply.STEP_MODULES)
WAIT_TIMEOUT_MAX = 3600

STATE_DIR = _boot_apply.STATE_DIR
UNIT_DIR = '/etc/systemd/system'
WANTED_BY = 'multi-user.target'
WANTS_DIR = os.path.join(UNIT_DIR, WANTED_BY + '.wants')
LIB_ROOT = '/usr/local/lib/multinic-routing'
PACKAGE_DIRS = ['ansible_collections', 'ansible_collections/multinic', 'ansible_collections/multinic/routing',
                'ansible_collections/multinic/routing/plugins',
                'ansible_collections/multinic/routing/plugins/module_utils']
LIB_DIR = os.path.join(LIB_ROOT, PACKAGE_DIRS[-1])
APPLIER = '/usr/local/sbin/multinic-routing-apply'
PACKAGE = 'ansible_collections.multinic.routing.plugins.module_utils'
# The library is _boot_apply and every module_utils it imports, directly or not (library());
# Ansible ships them in this module's payload because this file imports _boot_apply.
FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755
DEFAULT_PYTHON = '/usr/bin/python3'

HEADER = '# Managed by multinic.routing (multinic.routing.boot_unit) - changes made here are overwritten.\n'
STATE_COMMENT = ('Managed by multinic.routing (multinic.routing.boot_unit): applied at boot by '
                 '%s with %s. Changes made here are overwritten.')
APPLIER_TEXT = '''#!%(python)s
%(header)s#
#   multinic-routing-apply NAME     apply /etc/multinic-routing/NAME.json
#   multinic-routing-apply --all    apply every state file there
#
# Runs the steps of a state file through the code of the multinic.routing modules (the copy in
# %(lib)s), one log line per step; exits non-zero when a step failed.
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, %(lib)r)

from ansible_collections.multinic.routing.plugins.module_utils import _boot_apply  # noqa: E402

sys.exit(_boot_apply.main())
'''
UNIT_ORDERING = {
    # Before systemd-networkd, NetworkManager and ifupdown (all ordered after network-pre.target):
    # an interface moved into a namespace here is never configured by the host's manager.
    'before-network': ('DefaultDependencies=no\n'
                       'After=local-fs.target\n'
                       'Wants=network-pre.target\n'
                       'Before=network-pre.target shutdown.target\n'
                       'Conflicts=shutdown.target\n'),
    # Once the host's network manager (its DHCP client) has configured the interfaces.
    'after-network': ('Wants=network-online.target\n'
                      'After=network-online.target\n'),
}
UNIT_TEXT = '''%(header)s# Applies %(state)s at boot (%(order)s).
[Unit]
Description=multinic.routing boot state %(name)s (%(order)s)
%(ordering)s
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=%(applier)s %(name)s
TimeoutStartSec=%(timeout)d

[Install]
WantedBy=%(wanted_by)s
'''


SPEC = ArgumentSpec(dict(
    name=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    steps=dict(type='list', elements='dict', options=dict(
        module=dict(type='str', required=True, choices=STEP_MODULE_NAMES),
        params=dict(type='dict', default={}),
    )),
    order=dict(type='str', choices=ORDERS),
    wait_for_links=dict(type='list', elements='str', default=[]),
    wait_timeout=dict(type='int', default=60),
    enabled=dict(type='bool', default=True),
), required_if=[('state', 'present', ['steps', 'order'])])


# --------------------------------------------------------------------------- validation


def post_validate(module_name, params):
    """The module's own checks after its argument spec (what its run() does before any I/O)."""
    if params.get('netns') is not None:
        _common.check_netns_name(params['netns'], 'netns')
    if module_name == 'netns':
        _common.check_netns_name(params['name'], 'name')
    elif module_name == 'link':
        _link.build(params)
    elif module_name == 'route':
        _route.build(params)
    elif module_name == 'rule':
        _rule.build(params)


def validate(params):
    """Every option  -> the wanted settings; nothing is read or written yet."""
    name = _boot_apply.check_name(params['name'])
    want = {'name': name, 'state': params['state'], 'enabled': params['enabled']}
    if params['state'] == 'absent':
        return want
    links = []
    for i, link in enumerate(params.get('wait_for_links') or []):
        _common.check_ifname(link, 'wait_for_links[%d]' % i)
        if link not in links:
            links.append(link)
    timeout = params['wait_timeout']
    if not 0 <= timeout <= WAIT_TIMEOUT_MAX:
        raise ValidationError('wait_timeout=%r is out of range (0..%d seconds)' % (timeout, WAIT_TIMEOUT_MAX))
    want.update(
        order=params['order'],
        wait_for_links=links,
        wait_timeout=timeout,
        steps=[_steps.validate_step(i, step, _boot_apply.STEP_MODULES, post_validate)
               for i, step in enumerate(params['steps'])],
    )
    return want


# --------------------------------------------------------------------------- content

def unit_name(name):
    return 'multinic-routing-%s.service' % name


def unit_path(name):
    return os.path.join(UNIT_DIR, unit_name(name))


def wants_path(name):
    return os.path.join(WANTS_DIR, unit_name(name))


def state_text(want):
    state = {
        'comment': STATE_COMMENT % (unit_name(want['name']), APPLIER),
        'format': _boot_apply.STATE_FORMAT,
        'name': want['name'],
        'order': want['order'],
        'wait_for_links': want['wait_for_links'],
        'wait_timeout': want['wait_timeout'],
        'steps': want['steps'],
    }
    return json.dumps(state, indent=2, sort_keys=True) + '\n'


def unit_text(want):
    return UNIT_TEXT % {
        'header': HEADER, 'name': want['name'], 'order': want['order'],
        'state': _boot_apply.state_path(want['name']), 'ordering': UNIT_ORDERING[want['order']],
        'applier': APPLIER, 'timeout': want['wait_timeout'] + 300, 'wanted_by': WANTED_BY,
    }


def interpreter():
    """The Python the applier runs with: the one this module runs with (it has pyroute2)."""
    python = sys.executable
    if python and os.path.isabs(python) and os.access(python, os.X_OK):
        return python
    return DEFAULT_PYTHON


def applier_text(python):
    return APPLIER_TEXT % {'python': python, 'header': HEADER, 'lib': LIB_ROOT}


def payload(module):
    """The source of a module_utils module as shipped with this module (AnsiballZ zip or files)."""
    path = module.__file__
    loader = getattr(module, '__loader__', None)
    try:
        if loader is not None and hasattr(loader, 'get_data'):
            return loader.get_data(path)
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise FileFailure('reading %s from the module payload failed: %s' % (path, exc))


def imported_module_utils(source):
    """Names of this collection's module_utils a module's source imports (anywhere in it)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                found.update('%s.%s' % (PACKAGE, alias.name) for alias in node.names)
            elif node.module.startswith(PACKAGE + '.'):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(PACKAGE + '.'))
    return found


def library(root=_boot_apply.__name__):
    """{file name: source bytes} of the module_utils ``root`` (default _boot_apply) and everything
    it imports from module_utils, read from this module's payload."""
    files = {}
    todo = [root]
    while todo:
        name = todo.pop()
        module = importlib.import_module(name)
        base = os.path.basename(module.__file__)
        if base in files:
            continue
        if not base.endswith('.py'):
            raise FileFailure('the module payload holds %s only as %s; the library needs its source'
                              % (name, base))
        files[base] = payload(module)
        todo.extend(imported_module_utils(files[base]))
    return files


def library_files(root=_boot_apply.__name__, lib_root=LIB_ROOT):
    """{path: bytes} of the library copy under ``lib_root``, package __init__ files included."""
    files = dict((os.path.join(lib_root, d, '__init__.py'), b'') for d in PACKAGE_DIRS)
    for name, data in library(root).items():
        files[os.path.join(lib_root, PACKAGE_DIRS[-1], name)] = data
    return files


# --------------------------------------------------------------------------- files

OTHER = '(something else: not a regular file or symlink)'


class Change(object):
    """One path the module owns: what is there, what must be there.

    kind: 'file' (after = bytes), 'link' (after = symlink target), 'tree' (after = None: remove a
    directory and what is in it). ``after`` None means the path must not exist.
    """

    def __init__(self, path, kind, after, mode=FILE_MODE):
        self.path, self.kind, self.after, self.mode = path, kind, after, mode
        self.before = self._read()

    def _read(self):
        self.mode_differs = False
        try:
            if self.kind == 'tree':
                return True if os.path.lexists(self.path) else None
            if self.kind == 'link':
                if os.path.islink(self.path):
                    return os.readlink(self.path)
                return OTHER if os.path.lexists(self.path) else None
            if os.path.islink(self.path) or (os.path.lexists(self.path) and not os.path.isfile(self.path)):
                return OTHER
            with open(self.path, 'rb') as handle:
                data = handle.read()
            self.mode_differs = self.after is not None and (os.stat(self.path).st_mode & 0o7777) != self.mode
            return data
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return None
            raise FileFailure('reading %s failed: %s' % (self.path, os.strerror(exc.errno)))

    @property
    def changed(self):
        return self.before != self.after or self.mode_differs

    def apply(self):
        try:
            if self.after is None:
                if self.kind == 'tree' and os.path.isdir(self.path) and not os.path.islink(self.path):
                    shutil.rmtree(self.path)
                elif os.path.lexists(self.path):
                    os.unlink(self.path)
            elif self.kind == 'link':
                _files.make_dirs(os.path.dirname(self.path), DIR_MODE)
                if os.path.lexists(self.path):
                    os.unlink(self.path)
                os.symlink(self.after, self.path)
            else:
                _files.write_atomically(self.path, self.after, self.mode)
        except (IOError, OSError) as exc:
            raise FileFailure('%s %s failed: %s' % ('removing' if self.after is None else 'writing',
                                                    self.path, os.strerror(exc.errno) if exc.errno else exc))


def _library_leftovers(wanted):
    """Entries of the library's module_utils directory that are not in ``wanted``."""
    try:
        entries = os.listdir(LIB_DIR)
    except OSError:
        return []
    return [Change(os.path.join(LIB_DIR, e), 'tree', None) for e in sorted(entries)
            if os.path.join(LIB_DIR, e) not in wanted]


def plan_present(want):
    changes = [
        Change(_boot_apply.state_path(want['name']), 'file', state_text(want).encode('utf-8')),
        Change(unit_path(want['name']), 'file', unit_text(want).encode('utf-8')),
        Change(wants_path(want['name']), 'link', unit_path(want['name']) if want['enabled'] else None),
        Change(APPLIER, 'file', applier_text(interpreter()).encode('utf-8'), EXEC_MODE),
    ]
    library = library_files()
    changes.extend(Change(path, 'file', data) for path, data in sorted(library.items()))
    changes.extend(_library_leftovers(library))
    return changes


def plan_absent(want):
    name = want['name']
    changes = [
        Change(_boot_apply.state_path(name), 'file', None),
        Change(unit_path(name), 'file', None),
        Change(wants_path(name), 'link', None),
    ]
    if not [n for n in _boot_apply.state_names() if n != name]:
        changes += [Change(APPLIER, 'file', None), Change(LIB_ROOT, 'tree', None)]
        if os.path.isdir(STATE_DIR) and not [e for e in os.listdir(STATE_DIR) if e != name + '.json']:
            changes.append(Change(STATE_DIR, 'tree', None))
    return changes


def systemd_booted():
    """sd_booted(): PID 1 is systemd."""
    return os.path.isdir('/run/systemd/system')


def _text(data):
    if data is None:
        return ''
    return data if isinstance(data, str) else data.decode('utf-8', 'replace')


def difference_name(name, change):
    """What a changed path is, in ``differences``."""
    return {_boot_apply.state_path(name): 'state_file', unit_path(name): 'unit', wants_path(name): 'enabled',
            APPLIER: 'applier', STATE_DIR: 'state_dir'}.get(change.path, 'library')


def run(module):
    """The module's work; a file error fails the module naming the file and what was written."""
    done = []
    try:
        return _run(module, done)
    except FileFailure as exc:
        exc.result.update(changed=bool(done), changed_paths=done)
        raise


def _run(module, done):
    want = validate(module.params)
    name = want['name']
    changes = plan_present(want) if want['state'] == 'present' else plan_absent(want)
    changed = [ch for ch in changes if ch.changed]
    tracker = DifferenceTracker()
    for ch in changed:
        tracker.add(difference_name(name, ch), ch.before is not None, ch.after is not None)
    units_changed = any(ch.path in (unit_path(name), wants_path(name)) for ch in changed)
    reload_needed = units_changed and systemd_booted()
    if changed and not module.check_mode:
        for change in changed:
            change.apply()
            done.append(change.path)
            if change.after is not None and change.kind == 'file':
                module.set_default_selinux_context(change.path, False)
        if reload_needed:
            rc, out, err = module.run_command(['systemctl', 'daemon-reload'])
            if rc != 0:
                raise FileFailure('systemctl daemon-reload failed (rc %d): %s' % (rc, (err or out).strip()))
    result = tracker.report({
        'name': name,
        'unit': unit_name(name),
        'unit_path': unit_path(name),
        'state_path': _boot_apply.state_path(name),
        'applier': APPLIER,
        'enabled': want['state'] == 'present' and want['enabled'],
        'order': want.get('order'),
        'steps': want.get('steps', []),
        'changed_paths': [ch.path for ch in changed],
        'daemon_reload': reload_needed,
    })
    if module._diff:
        by_path = dict((ch.path, ch) for ch in changes)
        diff = []
        for path in (_boot_apply.state_path(name), unit_path(name)):
            ch = by_path[path]
            diff.append({'before': _text(ch.before), 'after': _text(ch.after),
                         'before_header': path, 'after_header': path})
        link = by_path[wants_path(name)]
        diff.append({'before': 'enabled\n' if link.before else '', 'after': 'enabled\n' if link.after else '',
                     'before_header': link.path, 'after_header': link.path})
        result['diff'] = diff
    return result
