# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollback's file snapshot and restore (in a directory made for the test), its route scope
and the module's option checks. The kernel side is tests/kernel/test_rollback.py; the kill
trials in the lab are tests/lab/rollback_trials.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _guard
from ansible_collections.multinic.routing.plugins.module_utils import _rollback
from ansible_collections.multinic.routing.plugins.module_utils import _rollback_run
from ansible_collections.multinic.routing.plugins.module_utils._errors import ValidationError


def tree(root):
    found = {}
    for base, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, str(root))
            if os.path.islink(path):
                found[rel] = '-> ' + os.readlink(path)
            elif os.path.isdir(path):
                found[rel] = 'dir %o' % (os.stat(path).st_mode & 0o777)
            else:
                with open(path, 'rb') as handle:
                    found[rel] = (handle.read(), os.stat(path).st_mode & 0o777)
    return found


def test_files_come_back_exactly(tmp_path):
    etc = tmp_path / 'etc'
    (etc / 'network' / 'ens4.network.d').mkdir(parents=True)
    (etc / 'network' / 'ens4.network').write_text(u'[Match]\nName=ens4\n')
    (etc / 'network' / 'kept.conf').write_text(u'kept\n')
    os.chmod(str(etc / 'network' / 'kept.conf'), 0o600)
    os.symlink('ens4.network', str(etc / 'network' / 'link.network'))
    (etc / 'unit-old.service').write_text(u'old\n')
    patterns = [str(etc / 'network'), str(etc / 'unit-*.service')]
    snap = {'files': _rollback.capture_files(patterns)}
    before = tree(etc)

    (etc / 'network' / 'ens4.network.d' / '60-multinic.conf').write_text(u'[Route]\n')
    (etc / 'network' / 'ens4.network').write_text(u'changed\n')
    os.unlink(str(etc / 'network' / 'kept.conf'))
    os.unlink(str(etc / 'network' / 'link.network'))
    (etc / 'network' / 'new.d').mkdir()
    (etc / 'network' / 'new.d' / 'x.conf').write_text(u'x\n')
    (etc / 'unit-new.service').write_text(u'new\n')
    (etc / 'unrelated.conf').write_text(u'not in the scope\n')
    lines = []
    changed = _rollback.restore_files(snap, patterns, lines.append)

    after = tree(etc)
    assert after.pop('unrelated.conf') == (b'not in the scope\n', 0o644)
    assert after == before
    assert sorted(changed) == sorted(str(etc / p) for p in (
        'network/ens4.network', 'network/kept.conf', 'network/link.network',
        'network/ens4.network.d/60-multinic.conf', 'network/new.d', 'network/new.d/x.conf', 'unit-new.service'))
    assert 'file %s removed' % (etc / 'unit-new.service') in lines
    # nothing to do the second time
    assert _rollback.restore_files(snap, patterns, lines.append) == []


def test_a_directory_the_change_made_goes(tmp_path):
    patterns = [str(tmp_path / 'netns' / 'data')]
    snap = {'files': _rollback.capture_files(patterns)}
    assert snap['files'] == {}
    (tmp_path / 'netns' / 'data').mkdir(parents=True)
    (tmp_path / 'netns' / 'data' / 'resolv.conf').write_text(u'nameserver 10.0.0.1\n')
    _rollback.restore_files(snap, patterns, lambda line: None)
    assert not (tmp_path / 'netns' / 'data').exists()


def test_a_big_file_is_refused(tmp_path):
    (tmp_path / 'big').write_bytes(b'x' * (_rollback.FILE_MAX + 1))
    with pytest.raises(_rollback.FileFailure) as err:
        _rollback.capture_files([str(tmp_path / 'big')])
    assert 'is bigger than' in err.value.msg


@pytest.mark.parametrize('route, inside', [
    ({'table': 254, 'proto': 16, 'dev': 'ens4'}, True),           # DHCP route of the data NIC
    ({'table': 201, 'proto': 241, 'dev': 'ens3'}, True),          # a strategy's table
    ({'table': 300, 'proto': 4, 'dev': 'eth9'}, True),            # named table
    ({'table': 254, 'proto': 4, 'dev': 'cali1234'}, False),       # someone else's
    ({'table': 254, 'proto': 2, 'dev': 'ens4'}, False),           # the kernel's, from an address
    ({'table': 255, 'proto': 2, 'dev': 'ens4'}, False),           # local table
    ({'table': 254, 'proto': 9, 'dev': 'ens4'}, False),           # router advertisement
    ({'table': 254, 'proto': 4, 'dev': None, 'nexthops': [{'dev': 'eth9'}, {'dev': 'ens4'}]}, True),
])
def test_route_scope(route, inside):
    assert _rollback.in_scope(route, ['ens3', 'ens4'], [300]) is inside


def params(**changes):
    p = _rollback_run.SPEC.defaults()
    p.update(changes)
    return p


def test_validate_normalises_tables():
    spec = _rollback_run.validate(params(tables=['201', '0x10'], interfaces=['ens4']))
    assert spec['tables'] == [201, 16] and spec['interfaces'] == ['ens4'] and spec['rules'] is True


@pytest.mark.parametrize('changes, message', [
    (dict(timeout=4), 'timeout=4 is out of range: 5..3600 seconds'),
    (dict(timeout=3601), 'timeout=3601 is out of range'),
    (dict(name='.hidden'), "name='.hidden' is not a valid rollback name"),
    (dict(name='a/b'), "name='a/b' is not a valid rollback name"),
    (dict(tables=['4294967296']), "tables[0]='4294967296' is out of range"),
    (dict(tables=['nosuchtable-xyz']), "tables[0]='nosuchtable-xyz' is not a table number"),
    (dict(paths=['/']), "paths[0]='/' is not an absolute path pattern"),
    (dict(paths=['/proc/']), "paths[0]='/proc/'"),
    (dict(sysctls=['net.ipv4.conf.../x']), 'sysctls[0]'),
    (dict(interfaces=['a' * 16]), 'interfaces[0]'),
    (dict(namespaces=['bad/ns']), 'namespaces[0]'),
])
def test_validate_names_the_option(changes, message):
    with pytest.raises(ValidationError) as err:
        _rollback_run.validate(params(**changes))
    assert message in err.value.msg


def test_guard_settled_waits_out_a_reconfigure(monkeypatch):
    """A path that is back within the settle time is no move; one that stays moved is."""
    answers = [('after', 'no way at all'), ('after', 'no way at all'), None]
    monkeypatch.setattr(_guard, 'moved_quietly', lambda state: answers.pop(0) if answers else None)
    clock = [0.0]
    assert _guard.settled({}, settle=10, clock=lambda: clock[0],
                          sleep=lambda s: clock.__setitem__(0, clock[0] + s)) is None
    monkeypatch.setattr(_guard, 'moved_quietly', lambda state: ('after', 'by dev ens4'))
    clock[0] = 0.0
    assert _guard.settled({}, settle=10, clock=lambda: clock[0],
                          sleep=lambda s: clock.__setitem__(0, clock[0] + s)) == ('after', 'by dev ens4')
    assert clock[0] >= 10


def test_keepalive_moves_deadlines_forward_only(tmp_path, monkeypatch):
    from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
    monkeypatch.setattr(_keepalive, 'ROOT', str(tmp_path))
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
    _keepalive.write('a', 1000, 60)
    _keepalive.write('b', 5000, 60)
    (tmp_path / 'lib').mkdir()                       # no deadline file: not a rollback
    _keepalive.extend_all(now=1500.2)
    assert _keepalive.read('a') == (1560.2, 60)      # moved to now + timeout (to the millisecond)
    assert _keepalive.read('b') == (5000.0, 60)      # never earlier
    assert _keepalive.read('lib') is None


def test_keepalive_without_any_rollback_is_quiet(tmp_path, monkeypatch):
    from ansible_collections.multinic.routing.plugins.module_utils import _keepalive
    monkeypatch.setattr(_keepalive, 'ROOT', str(tmp_path / 'missing'))
    _keepalive.extend_all()
