# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.boot_unit and the applier it installs, inside a private mount namespace.

Every module run and every applier run goes through ``Box.wrap``: ``unshare --mount`` with
overlays over /etc and /usr/local whose upper layers are the test's temporary directories, so the
host's /etc, /usr/local and /etc/systemd/system are never written (the autouse fixture checks)
and the test reads what was written from the upper layers. Applier runs also enter the test's
namespace (the "host" of the scenario) and get a private tmpfs over /run/netns, so the
namespaces the applier creates exist only inside that run and vanish with it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid

import pytest

import pyroute2

from .conftest import check_run_rerun, run_module

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_UTILS = os.path.join(REPO, 'plugins', 'module_utils')
APPLIER = '/usr/local/sbin/multinic-routing-apply'
LIB = 'usr/local/lib/multinic-routing/ansible_collections/multinic/routing/plugins/module_utils'
SYSTEM_PYTHON = '/usr/bin/python3'
HOST_PATHS = ['/etc/multinic-routing', '/usr/local/sbin/multinic-routing-apply',
              '/usr/local/lib/multinic-routing']


def _host_view():
    found = dict((p, os.path.lexists(p)) for p in HOST_PATHS)
    found['units'] = sorted(glob.glob('/etc/systemd/system/multinic-routing-*')
                            + glob.glob('/etc/systemd/system/*.wants/multinic-routing-*'))
    return found


@pytest.fixture(autouse=True)
def host_untouched():
    before = _host_view()
    yield
    assert _host_view() == before, 'the host /etc or /usr/local changed'


class Box(object):
    """Private /etc and /usr/local (overlays; the upper layers are temporary directories)."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix='multinic-boot-')
        for top in ('etc', 'local'):
            for layer in ('upper', 'work'):
                os.makedirs(os.path.join(self.tmp, top, layer))

    def wrap(self, netns=None, extra=''):
        """argv words: run the rest in the private mounts (and in ``netns`` with a private
        /run/netns when given)."""
        mounts = ['mount -t overlay overlay -o lowerdir=/etc,upperdir={0}/etc/upper,workdir={0}/etc/work /etc',
                  'mount -t overlay overlay -o lowerdir=/usr/local,upperdir={0}/local/upper,'
                  'workdir={0}/local/work /usr/local']
        script = ' && '.join(m.format(self.tmp) for m in mounts)
        words = []
        if netns:
            words = ['nsenter', '--net=/run/netns/%s' % netns]
            script += ' && mount -t tmpfs tmpfs /run/netns'
        if extra:
            script += ' && ' + extra
        return words + ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                        script + ' && exec "$@"', 'sh']

    def path(self, path):
        """Where a file written under /etc or /usr/local inside the box is seen from outside."""
        if path.startswith('/etc/'):
            return os.path.join(self.tmp, 'etc', 'upper', path[len('/etc/'):])
        assert path.startswith('/usr/local/'), path
        return os.path.join(self.tmp, 'local', 'upper', path[len('/usr/local/'):])

    def files(self):
        """{path inside the box: bytes or link target} of everything written."""
        found = {}
        for top, prefix in (('etc', '/etc/'), ('local', '/usr/local/')):
            base = os.path.join(self.tmp, top, 'upper')
            for where, dirs, names in os.walk(base):
                for name in names + [d for d in dirs if os.path.islink(os.path.join(where, d))]:
                    full = os.path.join(where, name)
                    inside = prefix + os.path.relpath(full, base)
                    if os.path.islink(full):
                        found[inside] = os.readlink(full)
                    elif stat.S_ISREG(os.lstat(full).st_mode):
                        with open(full, 'rb') as handle:
                            found[inside] = handle.read()
        return found

    def destroy(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def box():
    space = Box()
    try:
        yield space
    finally:
        space.destroy()


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def boot_unit(box, args, check_mode=False, diff=True, extra=''):
    return run_module('boot_unit', args, check_mode=check_mode, diff=diff, wrap=box.wrap(extra=extra))


def install(box, **args):
    """Check mode (writes nothing), real run, then again (unchanged)  -> the real run's result."""
    _check, first, second = check_run_rerun(lambda check_mode: boot_unit(box, args, check_mode=check_mode),
                                            box.files, same=('changed', 'changed_paths', 'diff'))
    assert second['changed_paths'] == [], second['changed_paths']
    return first


def library_sources():
    names = ['_boot_apply', '_common', '_errors', '_iproute2_names', '_link', '_netlink', '_netns', '_netns_files',
             '_pyroute2', '_route', '_rtnl_codec', '_rule']
    found = {}
    for name in names:
        with open(os.path.join(MODULE_UTILS, name + '.py'), 'rb') as handle:
            found['/%s/%s.py' % (LIB, name)] = handle.read()
    return found


NETNS_STEPS = [{'module': 'netns', 'params': {'name': 'data'}}]


# --------------------------------------------------------------------------- the module's files

def test_present_check_run_rerun_absent(box):
    res = install(box, name='one', order='before-network', steps=NETNS_STEPS, wait_for_links=['ens4'])
    files = box.files()
    unit = '/etc/systemd/system/multinic-routing-one.service'
    link = '/etc/systemd/system/multi-user.target.wants/multinic-routing-one.service'
    assert res['changed'] is True and res['unit'] == 'multinic-routing-one.service'
    assert (res['unit_path'], res['state_path'], res['applier']) == (unit, '/etc/multinic-routing/one.json', APPLIER)
    assert res['steps'] == [{'module': 'netns', 'params': {'name': 'data', 'state': 'present', 'force': False}}]
    assert sorted(res['changed_paths']) == sorted(files)
    # the state file: the normalised steps
    state = json.loads(files['/etc/multinic-routing/one.json'])
    assert state['steps'] == res['steps'] and state['format'] == 1 and state['order'] == 'before-network'
    assert state['wait_for_links'] == ['ens4'] and state['wait_timeout'] == 60
    assert res['diff'][0]['before'] == '' and res['diff'][0]['after'] == files[res['state_path']].decode()
    # the unit and its enablement, as systemctl enable makes it
    text = files[unit].decode()
    assert text.startswith('# Managed by multinic.routing (multinic.routing.boot_unit)')
    for line in ('DefaultDependencies=no', 'Before=network-pre.target shutdown.target', 'Wants=network-pre.target',
                 'After=local-fs.target', 'Type=oneshot', 'RemainAfterExit=yes',
                 'ExecStart=/usr/local/sbin/multinic-routing-apply one', 'WantedBy=multi-user.target'):
        assert line in text.splitlines(), line
    assert 'sys-subsystem-net-devices' not in text
    assert files[link] == unit
    # the library: byte-for-byte copies of the module_utils, importable as a package
    for path, data in library_sources().items():
        assert files[path] == data, path
    for init in ('ansible_collections', 'ansible_collections/multinic', 'ansible_collections/multinic/routing',
                 'ansible_collections/multinic/routing/plugins',
                 'ansible_collections/multinic/routing/plugins/module_utils'):
        assert files['/usr/local/lib/multinic-routing/%s/__init__.py' % init] == b''
    applier = files[APPLIER].decode()
    assert applier.startswith('#!%s\n' % sys.executable) and '_boot_apply.main()' in applier
    assert stat.S_IMODE(os.stat(box.path(APPLIER)).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(box.path(unit)).st_mode) == 0o644
    assert not [p for p in files if '.tmp' in p], 'a temporary file was left behind'
    # absent: check mode removes nothing, then everything goes (it was the only state)
    gone = install(box, name='one', state='absent')
    assert gone['changed'] is True and gone['enabled'] is False and gone['steps'] == []
    assert gone['diff'][0]['before'] == files[res['state_path']].decode() and gone['diff'][0]['after'] == ''
    assert box.files() == {}
    assert not os.path.lexists(box.path('/etc/multinic-routing'))
    assert not os.path.lexists(box.path('/usr/local/lib/multinic-routing'))


def test_after_network_order_and_disabled(box):
    install(box, name='late', order='after-network', steps=NETNS_STEPS)
    text = box.files()['/etc/systemd/system/multinic-routing-late.service'].decode().splitlines()
    assert 'After=network-online.target' in text and 'Wants=network-online.target' in text
    assert 'DefaultDependencies=no' not in text
    res = install(box, name='late', order='after-network', steps=NETNS_STEPS, enabled=False)
    assert res['changed_paths'] == ['/etc/systemd/system/multi-user.target.wants/multinic-routing-late.service']
    assert res['enabled'] is False and res['diff'][2] == {
        'before': 'enabled\n', 'after': '', 'before_header': res['changed_paths'][0],
        'after_header': res['changed_paths'][0]}
    res = install(box, name='late', order='before-network', steps=NETNS_STEPS, enabled=False)
    assert res['changed_paths'] == ['/etc/multinic-routing/late.json',
                                    '/etc/systemd/system/multinic-routing-late.service']


def test_library_is_shared_refreshed_and_removed_with_the_last_state(box):
    install(box, name='a', order='before-network', steps=NETNS_STEPS)
    install(box, name='b', order='after-network', steps=[{'module': 'netns', 'params': {'name': 'other'}}])
    # a collection upgrade (here: a changed and a stale file) is undone by the next run
    changed = box.path('/%s/_route.py' % LIB)
    with open(changed, 'ab') as handle:
        handle.write(b'# edited\n')
    with open(box.path('/%s/_old.py' % LIB), 'w') as handle:
        handle.write('# from an older release\n')
    res = install(box, name='a', order='before-network', steps=NETNS_STEPS)
    assert res['changed_paths'] == ['/%s/_route.py' % LIB, '/%s/_old.py' % LIB]
    assert box.files()['/%s/_route.py' % LIB] == library_sources()['/%s/_route.py' % LIB]
    # removing one state keeps the library for the other
    res = install(box, name='a', state='absent')
    assert sorted(res['changed_paths']) == sorted([
        '/etc/multinic-routing/a.json', '/etc/systemd/system/multinic-routing-a.service',
        '/etc/systemd/system/multi-user.target.wants/multinic-routing-a.service'])
    assert APPLIER in box.files()
    res = install(box, name='b', state='absent')
    assert APPLIER in res['changed_paths'] and box.files() == {}
    # absent of something never written is unchanged
    res = boot_unit(box, {'name': 'never', 'state': 'absent'})
    assert res['rc'] == 0 and res['changed'] is False, res


def test_bad_steps_write_nothing(box):
    for args, words in [
        ({'steps': [{'module': 'link', 'params': {'name': 'ens4', 'mtu': 'big'}}]}, ['steps[0].params.mtu', "'big'"]),
        ({'steps': NETNS_STEPS + [{'module': 'route', 'params': {'dest': '10.0.0.5/24', 'dev': 'x'}}]},
         ["steps[1].params.dest='10.0.0.5/24'", 'host bits']),
        ({'steps': [{'module': 'rule', 'params': {'priority': 5, 'form': '10.0.0.1'}}]},
         ["steps[0].params.form='10.0.0.1'", 'not an option of multinic.routing.rule']),
        ({'steps': [{'module': 'ip', 'params': {}}]}, ['steps', 'ip']),
        ({'steps': NETNS_STEPS, 'wait_for_links': ['much-too-long-name0']}, ["wait_for_links[0]='much-too-long-name0'"]),
    ]:
        args = dict(args, name='bad', order='before-network')
        res = boot_unit(box, args)
        assert res['rc'] != 0 and res['failed'] is True, (args, res)
        for word in words:
            assert word in res['msg'], (word, res['msg'])
    res = boot_unit(box, {'name': '../x', 'order': 'before-network', 'steps': NETNS_STEPS})
    assert res['rc'] != 0 and "name='../x'" in res['msg'], res
    assert box.files() == {}


def test_write_error_is_a_clear_message(box):
    ro = 'mkdir -p /etc/multinic-routing && mount -t tmpfs -o ro tmpfs /etc/multinic-routing'
    res = boot_unit(box, {'name': 'ro', 'order': 'before-network', 'steps': NETNS_STEPS}, extra=ro)
    assert res['rc'] != 0 and res['failed'] is True, res
    assert res['msg'] == 'writing /etc/multinic-routing/ro.json failed: Read-only file system', res
    assert res['changed_paths'] == []


def test_runs_from_the_ansiballz_payload(box):
    """Through ansible itself: the library is read from the module's zip payload."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ['MULTINIC_COLLECTIONS_ROOT'],
               ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_NOCOLOR='1')
    args = json.dumps({'name': 'zip', 'order': 'before-network', 'steps': NETNS_STEPS})
    argv = box.wrap() + [os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-c', 'local',
                         '-i', 'localhost,', '-e', 'ansible_python_interpreter=%s' % sys.executable,
                         '-m', 'multinic.routing.boot_unit', '-a', args]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          env=env, check=False)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    result = json.loads(proc.stdout)['plays'][0]['tasks'][0]['hosts']['localhost']
    assert result['changed'] is True, result
    files = box.files()
    for path, data in library_sources().items():
        assert files[path] == data, path


# --------------------------------------------------------------------------- the applier

# The system's /usr/bin/python3 with only this stage's pyroute2 on its path (no Ansible), and the
# venv's Python (through the applier's shebang: the Python the module ran with).
INTERPRETERS = ['system', 'venv']


def _python(which, tmp):
    env = dict(os.environ)
    env.pop('MULTINIC_COLLECTIONS_ROOT', None)
    if which == 'venv':
        return [sys.executable, APPLIER], env
    # the system Python sees only pyroute2 (the version this stage tests), nothing of Ansible
    only = os.path.join(tmp, 'pyroute2-only')
    os.makedirs(only)
    site = os.path.dirname(os.path.dirname(pyroute2.__file__))
    # 0.7 also needs pr2modules and its dist-info (it finds its modules through entry points)
    for path in glob.glob(os.path.join(site, 'pyroute2*')) + glob.glob(os.path.join(site, 'pr2modules')):
        os.symlink(path, os.path.join(only, os.path.basename(path)))
    env['PYTHONPATH'] = only
    return [SYSTEM_PYTHON, APPLIER], env


# Runs inside the box and the scenario's host namespace: the applier twice, then `ip -j` reads.
PROBE = r'''
import json, subprocess, sys
python, argv, reads = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
out = {'runs': [], 'reads': {}}
for _ in range(2):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    out['runs'].append({'rc': p.returncode, 'stdout': p.stdout, 'stderr': p.stderr})
for key, words in reads.items():
    p = subprocess.run(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    out['reads'][key] = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else p.stderr.strip()
probe = [python, '-c', 'import pyroute2, sys; print(pyroute2.__version__); import ansible']
p = subprocess.run(probe, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
out['pyroute2'], out['has_ansible'] = p.stdout.strip(), p.returncode == 0
print(json.dumps(out))
'''


def apply_in(box, ns, which, name, reads):
    """Run the installed applier twice in namespace ``ns`` (inside the box); read back."""
    python, env = _python(which, box.tmp)
    argv = python + [name] if which == 'system' else [APPLIER, name]   # venv: through the shebang
    probe = [sys.executable, '-c', PROBE, python[0], json.dumps(argv), json.dumps(reads)]
    proc = subprocess.run(box.wrap(netns=ns.name) + probe,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    expected = os.environ.get('MULTINIC_EXPECT_PYROUTE2')
    if expected:
        assert out['pyroute2'].startswith(expected + '.'), out['pyroute2']
    if which == 'system':
        assert out['has_ansible'] is False, 'the system Python was meant to run without Ansible'
    return out


def lines(run):
    return run['stdout'].strip().splitlines()


@pytest.mark.parametrize('which', INTERPRETERS)
def test_applier_puts_the_nic_in_its_namespace(box, ns, which):
    data = unique('mnt-data')
    steps = [
        {'module': 'netns', 'params': {'name': data}},
        {'module': 'link', 'params': {'name': 'veth0', 'netns': data, 'state': 'up',
                                      'addresses': ['10.0.0.1/24', '2001:db8:0::1/64']}},
        {'module': 'link', 'params': {'name': 'lo', 'netns': data, 'state': 'up'}},
        {'module': 'route', 'params': {'dest': 'default', 'gateway': '10.0.0.254', 'dev': 'veth0', 'netns': data}},
    ]
    install(box, name='netns-data', order='before-network', wait_for_links=['veth0'], steps=steps)
    out = apply_in(box, ns, which, 'netns-data', {
        'addr': ['ip', '-n', data, '-j', 'addr', 'show', 'dev', 'veth0'],
        'lo': ['ip', '-n', data, '-j', 'link', 'show', 'dev', 'lo'],
        'route': ['ip', '-n', data, '-j', 'route', 'show', 'default'],
        'host': ['ip', '-j', 'link', 'show', 'dev', 'veth0'],
    })
    first, second = out['runs']
    assert first['rc'] == 0, first
    log = lines(first)
    # the netns step brings lo up with the namespace, so the lo step finds nothing to do; each
    # changed step logs its module's differences (absent: created)
    assert [line.split(': ', 2)[2] for line in log if ': step ' in line] == [
        'changed (absent)', 'changed (netns)', 'unchanged', 'changed (absent)'], log
    assert log[0].startswith('netns-data: step 1/4 netns %s: ' % data), log
    assert log[-1] == 'netns-data: all 4 steps applied', log
    assert second['rc'] == 0, second
    assert [line for line in lines(second) if ': step ' in line and not line.endswith(': unchanged')] == [], second
    # read back independently
    link = out['reads']['addr'][0]
    assert 'UP' in link['flags'] and link['operstate'] != 'DOWN', link
    addrs = dict((a['local'], a) for a in link['addr_info'] if a.get('scope') == 'global')
    assert sorted(addrs) == ['10.0.0.1', '2001:db8::1'], link
    for addr in addrs.values():
        assert addr['valid_life_time'] == 4294967295 and not addr.get('tentative'), addr
    assert addrs['10.0.0.1']['prefixlen'] == 24 and addrs['2001:db8::1']['prefixlen'] == 64
    assert 'UP' in out['reads']['lo'][0]['flags']
    assert [(r['dst'], r['gateway'], r['dev']) for r in out['reads']['route']] == [('default', '10.0.0.254', 'veth0')]
    assert 'does not exist' in out['reads']['host'], out['reads']['host']
    # the namespace existed only inside the private /run/netns of that run
    assert not os.path.exists('/run/netns/%s' % data)
    assert 'veth0' not in [link['ifname'] for link in ns.ip('link', 'show')]


@pytest.mark.parametrize('which', INTERPRETERS)
def test_applier_routes_and_rules(box, ns, which):
    steps = [
        {'module': 'route', 'params': {'dest': '192.0.2.0/24', 'gateway': '10.0.1.254', 'dev': 'veth1',
                                       'table': '100', 'src': '10.0.1.1'}},
        {'module': 'route', 'params': {'dest': '2001:db8:9::/64', 'gateway': '2001:db8:1::fe', 'dev': 'veth1',
                                       'table': '100'}},
        {'module': 'rule', 'params': {'priority': 1000, 'from': '10.0.1.1', 'table': '100'}},
    ]
    install(box, name='source-routing', order='after-network', wait_for_links=['veth1'], steps=steps)
    out = apply_in(box, ns, which, 'source-routing', {})
    first, second = out['runs']
    assert first['rc'] == 0 and lines(first)[-1] == 'source-routing: all 3 steps applied', first
    assert second['rc'] == 0 and all(line.endswith(': unchanged') for line in lines(second) if ': step ' in line), \
        second
    # the routes and the rule are in the test's namespace itself: read them from outside
    routes = ns.ip('route', 'show', 'table', '100')
    assert [(r['dst'], r['gateway'], r['dev'], r.get('prefsrc'), r['protocol']) for r in routes] == \
        [('192.0.2.0/24', '10.0.1.254', 'veth1', '10.0.1.1', '241')], routes
    routes6 = ns.ip('-6', 'route', 'show', 'table', '100')
    assert [(r['dst'], r['gateway'], r['metric']) for r in routes6] == [('2001:db8:9::/64', '2001:db8:1::fe', 1024)]
    rules = ns.ip('rule', 'show', 'priority', '1000')
    assert [(r['src'], r['table']) for r in rules] == [('10.0.1.1', '100')], rules


def test_a_failing_step_does_not_stop_the_others(box, ns):
    steps = [
        {'module': 'link', 'params': {'name': 'nosuch0', 'state': 'up'}},
        {'module': 'route', 'params': {'dest': '198.51.100.0/24', 'type': 'blackhole', 'table': '100'}},
    ]
    install(box, name='partial', order='after-network', wait_for_links=['nosuch0'], wait_timeout=1, steps=steps)
    out = apply_in(box, ns, 'venv', 'partial', {})
    first = out['runs'][0]
    assert first['rc'] == 1, first
    log = lines(first)
    assert 'partial: still missing after 1 s: nosuch0; applying anyway' in log, log
    assert [line for line in log if 'FAILED' in line] == [
        "partial: step 1/2 link nosuch0 (state up): FAILED: name='nosuch0': no such interface in the host's "
        "namespace"], log
    assert 'partial: step 2/2 route 198.51.100.0/24 table 100: changed (absent)' in log, log
    assert log[-1] == 'partial: 1 of 2 steps failed'
    assert [r['dst'] for r in ns.ip('route', 'show', 'table', '100')] == ['198.51.100.0/24']


def test_applier_all_and_usage(box, ns):
    install(box, name='x1', order='after-network',
            steps=[{'module': 'route', 'params': {'dest': '198.51.100.0/24', 'type': 'blackhole', 'table': '101'}}])
    install(box, name='x2', order='after-network',
            steps=[{'module': 'rule', 'params': {'priority': 2000, 'to': '198.51.100.0/24', 'table': '101'}}])
    out = apply_in(box, ns, 'venv', '--all', {})
    first, second = out['runs']
    assert first['rc'] == 0 and lines(first)[-1] == 'x1, x2: all 2 steps applied', first
    assert second['rc'] == 0 and 'x2: step 1/1 rule priority 2000: unchanged' in lines(second), second
    for argv, rc in ([APPLIER], 2), ([APPLIER, '../etc'], 2), ([APPLIER, 'missing'], 1), ([APPLIER, '--help'], 0):
        proc = subprocess.run(box.wrap(netns=ns.name) + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
        assert proc.returncode == rc, (argv, proc.stdout, proc.stderr)
        if argv[1:] == ['missing']:
            assert proc.stdout.startswith('missing: FAILED: cannot read /etc/multinic-routing/missing.json'), proc.stdout
