# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the Galaxy tarball, install it into a fresh collections path, and run a playbook that
calls the modules by FQCN from the installed copy (not from this checkout)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import tarfile
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

PLAYBOOK = """
- name: Use the installed collection by FQCN
  hosts: localhost
  gather_facts: false
  vars:
    ns: {ns}
  tasks:
    - name: The namespace is there
      multinic.routing.netns:
        name: "{{{{ ns }}}}"
    - name: Name a table
      multinic.routing.rt_table:
        name: mnpkg
        id: 4242
    - name: A blackhole route in that table, inside the namespace
      multinic.routing.route:
        dest: 198.51.100.0/24
        type: blackhole
        table: mnpkg
        netns: "{{{{ ns }}}}"
      register: route
    - name: A rule to it
      multinic.routing.rule:
        priority: 1234
        from: 192.0.2.0/24
        table: mnpkg
        netns: "{{{{ ns }}}}"
    - name: Read it back
      multinic.routing.routing_facts:
        netns: "{{{{ ns }}}}"
    - name: Ask the kernel
      multinic.routing.route_lookup:
        dst: 127.0.0.1
        netns: "{{{{ ns }}}}"
      register: answer
    - name: Show what the kernel answered
      ansible.builtin.debug:
        msg: "{{{{ answer.type }}}} {{{{ answer.dev }}}}"
"""


def run(argv, **kwargs):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False, **kwargs)
    assert proc.returncode == 0, '%s failed:\n%s' % (' '.join(argv), proc.stdout)
    return proc.stdout


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def test_build_install_and_run_from_installed_copy(workdir):
    out = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO,
               '--output-path', str(workdir)])
    tarballs = [f for f in os.listdir(str(workdir)) if f.endswith('.tar.gz')]
    assert tarballs == ['multinic-routing-0.1.0.tar.gz'], out
    tarball = os.path.join(str(workdir), tarballs[0])
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    # the collection, and none of the developer clutter
    for wanted in ('plugins/modules/route.py', 'plugins/module_utils/_netlink.py',
                   'meta/runtime.yml', 'MANIFEST.json', 'roles/data_plane/tasks/main.yml',
                   'playbooks/data_plane.yml'):
        assert wanted in names, wanted
    assert not [n for n in names if n.startswith(('.venv', '.cache', '.git/', 'tests/output'))
                or '__pycache__' in n]

    cpath = os.path.join(str(workdir), 'collections')
    env = dict(os.environ)
    # only the fresh install: no checkout on any path Ansible searches (otherwise
    # ansible-galaxy sees 0.1.0 "already installed" and installs nothing)
    env['ANSIBLE_COLLECTIONS_PATH'] = cpath
    env.pop('PYTHONPATH', None)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', tarball, '-p', cpath], env=env)
    installed = os.path.join(cpath, 'ansible_collections', 'multinic', 'routing')
    assert os.path.isfile(os.path.join(installed, 'plugins', 'modules', 'route.py'))

    ns = 'mnt-pkg-%s' % uuid.uuid4().hex[:8]
    etc = os.path.join(str(workdir), 'iproute2')
    os.makedirs(os.path.join(etc, 'rt_tables.d'))
    with open(os.path.join(etc, 'rt_tables'), 'w') as handle:
        handle.write('255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n')
    playbook = os.path.join(str(workdir), 'play.yml')
    with open(playbook, 'w') as handle:
        handle.write(PLAYBOOK.format(ns=ns))
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.builtin.json'
    env['ANSIBLE_LOCALHOST_WARNING'] = 'false'
    env['ANSIBLE_INVENTORY_UNPARSED_WARNING'] = 'false'
    # made out here: a namespace made inside the private mount namespace below would vanish
    # with it (the playbook's netns task then finds it present)
    run(['ip', 'netns', 'add', ns])
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
    try:
        # a private /etc/iproute2 so the table name never lands on this machine
        out = run(['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                   'mount --bind "$0" /etc/iproute2 && exec "$@"', etc,
                   os.path.join(BIN, 'ansible-playbook'), '-c', 'local', '-i', 'localhost,',
                   playbook], env=env)
        result = json.loads(out[out.index('{\n'):])
        tasks = result['plays'][0]['tasks']
        assert len(tasks) == 7
        for task in tasks:
            host = task['hosts']['localhost']
            assert not host.get('failed'), (task['task']['name'], host)
        listed = json.loads(subprocess.check_output(['ip', '-n', ns, '-j', 'route', 'show', 'table', '4242']))
        assert [(r['type'], r['dst']) for r in listed] == [('blackhole', '198.51.100.0/24')]
        rules = json.loads(subprocess.check_output(['ip', '-n', ns, '-j', 'rule', 'show', 'pref', '1234']))
        assert rules and rules[0]['table'] == '4242' and rules[0]['src'] == '192.0.2.0'
        assert tasks[-1]['hosts']['localhost']['msg'] == 'local lo'
    finally:
        subprocess.call(['ip', 'netns', 'del', ns])
    assert not os.path.exists(os.path.join('/etc/iproute2/rt_tables.d', 'mnpkg.conf'))
