# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""multinic.routing.netns without the kernel: validation through the module's real argument
spec, the physical/virtual classification, the process scan (on a fake /proc tree) and the
plan of a delete (refuse, or force: move back, delete) with the adapter's writes recorded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _netns
from ansible_collections.multinic.routing.plugins.module_utils import _netns_files
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError

from tests.kernel.conftest import run_module


def validate(**args):
    return _netns.SPEC.validate(args)


def test_spec_has_no_netns_option():
    """`name` is the namespace managed; a `netns` option would contradict it."""
    assert set(_netns.SPEC.argument_spec) == {'name', 'state', 'force'}
    result = validate(name='data', netns='other')
    assert result.error_messages and 'netns' in result.error_messages[0]


def test_defaults():
    result = validate(name='data')
    assert not result.error_messages
    assert result.validated_parameters == {'name': 'data', 'state': 'present', 'force': False}


@pytest.mark.parametrize('args', [dict(), dict(name='data', state='gone'),
                                  dict(name='data', state='absent', force='perhaps')])
def test_spec_rejects(args):
    assert validate(**args).error_messages


@pytest.mark.parametrize('bad, needle', [
    ('', 'not empty'),
    ('a/b', 'no "/"'),
    ('..', 'not "." or ".."'),
    ('.', 'not "." or ".."'),
    ('x' * 256, 'too long'),
])
def test_bad_names_fail_in_validation(bad, needle):
    res = run_module('netns', dict(name=bad), check_mode=True)
    assert res['rc'] == 1 and res['msg'].startswith('name=%r' % bad), res
    assert needle in res['msg']


def test_longest_name_is_accepted_in_check_mode():
    name = 'mnt-' + 'x' * 251
    res = run_module('netns', dict(name=name), check_mode=True)
    assert res['rc'] == 0 and res['changed'] is True and res['exists'] is True, res
    assert not os.path.exists('/run/netns/' + name)


# --------------------------------------------------------------------------- classification

def link(name, kind=None, index=2):
    return {'index': index, 'name': name, 'kind': kind, 'up': True}


@pytest.mark.parametrize('kind', ['veth', 'bridge', 'dummy', 'vxlan', 'macvlan', 'ipvlan', 'vlan',
                                  'tun', 'wireguard', 'bond', 'vrf', 'geneve'])
def test_virtual_kinds_are_destroyed(kind):
    assert _netns.is_virtual(link('x0', kind))
    assert _netns.classify([link('x0', kind)]) == ([], [link('x0', kind)])


@pytest.mark.parametrize('kind', [None, 'can', 'ipoib', 'some-new-kind'])
def test_anything_else_counts_as_physical_and_is_moved_back(kind):
    """No kind (a hardware driver) or a kind not known to be virtual: kept, moved back."""
    assert not _netns.is_virtual(link('ens4', kind))
    assert _netns.classify([link('ens4', kind)]) == ([link('ens4', kind)], [])


def test_kernel_devices_do_not_count():
    links = [link('lo', None, 1), link('tunl0', 'ipip'), link('sit0', 'sit'), link('ip6tnl0', 'ip6tnl'),
             link('gre0', 'gre'), link('ip6_vti0', 'vti6')]
    assert _netns.classify(links) == ([], [])


def test_a_user_interface_named_like_a_kernel_device_counts():
    """Only the kernel's own fallback device is skipped, not a veth someone called sit0."""
    assert _netns.classify([link('sit0', 'veth'), link('lo', 'veth')]) == \
        ([], [link('sit0', 'veth'), link('lo', 'veth')])


def test_busy_message_names_processes_and_interfaces():
    msg = _netns.busy_message('data', [{'pid': 42, 'comm': 'sleep'}, {'pid': 43, 'comm': 'bash'}],
                              [link('ens4')], [link('veth0', 'veth')])
    assert msg.startswith("namespace 'data' is in use, so it was not deleted: ")
    assert 'processes still run in it: 42 (sleep), 43 (bash)' in msg
    assert 'interfaces other than lo are in it: ens4 (physical), veth0 (veth, virtual)' in msg
    assert 'source_netns=data' in msg and 'force=true' in msg


# --------------------------------------------------------------------------- the process scan

def fake_proc(tmp_path, processes):
    """A /proc tree: {pid: (comm, ns file or None for vanished, {tid: ns file})}."""
    proc = tmp_path / 'proc'
    proc.mkdir()
    (proc / 'self').mkdir()     # not a pid: skipped
    for pid, (comm, ns, tasks) in processes.items():
        base = proc / str(pid)
        (base / 'ns').mkdir(parents=True)
        (base / 'comm').write_text(comm + '\n')
        if ns is not None:
            (base / 'ns' / 'net').symlink_to(ns)
        for tid, tns in tasks.items():
            (base / 'task' / str(tid) / 'ns').mkdir(parents=True)
            (base / 'task' / str(tid) / 'ns' / 'net').symlink_to(tns)
    return str(proc)


def test_processes_are_found_by_namespace_inode(tmp_path):
    target = tmp_path / 'data'
    other = tmp_path / 'host'
    target.write_text('')
    other.write_text('')
    proc = fake_proc(tmp_path, {
        1: ('systemd', other, {}),
        42: ('sleep', target, {}),
        7: ('java', other, {8: other, 9: target}),      # one thread did setns
        99: ('gone', None, {}),                         # vanished: no ns link to read
    })
    assert _netns.processes_in(str(target), proc) == [{'pid': 7, 'comm': 'java'},
                                                      {'pid': 42, 'comm': 'sleep'}]
    assert _netns.processes_in(str(tmp_path / 'missing'), proc) == []


def test_a_stale_name_is_not_a_namespace(tmp_path):
    stale = tmp_path / 'stale'
    stale.write_text('')
    assert not _netns.is_namespace(str(stale))
    assert _netns.is_namespace('/proc/self/ns/net')


# --------------------------------------------------------------------------- the delete plan

class Recorder(object):
    """Stands in for inspect(), the name check and the writes; records what would be written."""

    def __init__(self, monkeypatch, processes=(), physical=(), virtual=(), taken=()):
        self.calls = []
        monkeypatch.setattr(_netns, 'inspect', lambda name: (list(processes), list(physical), list(virtual)))
        monkeypatch.setattr(_netns, '_host_names', lambda: set(taken))
        monkeypatch.setattr(_netns, '_move_back', self.move_back)
        monkeypatch.setattr(_netns_files, 'delete_netns', lambda name: self.calls.append(('delete', name)))

    def move_back(self, name, physical):
        self.calls.append(('move_back', name, [item['name'] for item in physical]))
        return [item['name'] for item in physical]


def test_busy_without_force_is_refused_before_any_write(monkeypatch):
    for check_mode in (True, False):
        rec = Recorder(monkeypatch, processes=[{'pid': 42, 'comm': 'sleep'}], virtual=[link('v0', 'veth')])
        with pytest.raises(ValidationError) as err:
            _netns.delete('data', False, check_mode)
        assert '42 (sleep)' in err.value.msg and 'v0 (veth, virtual)' in err.value.msg
        assert rec.calls == []


def test_force_moves_physical_back_before_deleting(monkeypatch):
    rec = Recorder(monkeypatch, processes=[{'pid': 42, 'comm': 'sleep'}], physical=[link('ens4')],
                   virtual=[link('v0', 'veth')])
    result = _netns.delete('data', True, False)
    assert rec.calls == [('move_back', 'data', ['ens4']), ('delete', 'data')]
    assert (result['pids'], result['moved_back'], result['destroyed']) == ([42], ['ens4'], ['v0'])
    assert '42 (sleep)' in result['warnings'][0] and 'v0' in result['warnings'][0]


def test_force_in_check_mode_writes_nothing(monkeypatch):
    rec = Recorder(monkeypatch, physical=[link('ens4')], virtual=[link('v0', 'veth')])
    result = _netns.delete('data', True, True)
    assert rec.calls == []
    assert (result['pids'], result['moved_back'], result['destroyed']) == ([], ['ens4'], ['v0'])
    assert 'warnings' not in result


def test_force_refuses_a_name_clash_with_the_host(monkeypatch):
    for check_mode in (True, False):
        rec = Recorder(monkeypatch, physical=[link('ens4')], taken=['lo', 'ens4'])
        with pytest.raises(ValidationError) as err:
            _netns.delete('data', True, check_mode)
        assert 'ens4' in err.value.msg and 'cannot be moved back' in err.value.msg
        assert rec.calls == []


def test_an_empty_namespace_is_simply_deleted(monkeypatch):
    rec = Recorder(monkeypatch)
    result = _netns.delete('data', False, False)
    assert rec.calls == [('move_back', 'data', []), ('delete', 'data')]
    assert result == {'pids': [], 'moved_back': [], 'destroyed': []}
