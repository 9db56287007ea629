# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic writer and the one remover of the files the modules own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _files
from ansible_collections.multinic.routing.plugins.module_utils._errors import FileFailure


def test_writes_text_or_bytes_with_the_mode_and_makes_the_directory(tmp_path):
    path = str(tmp_path / 'new' / 'dir' / 'f.conf')
    _files.write_atomically(path, u'tabelle 201 d\u00e4ta\n')
    with open(path, 'rb') as handle:
        assert handle.read() == u'tabelle 201 d\u00e4ta\n'.encode('utf-8')
    assert stat.S_IMODE(os.stat(path).st_mode) == _files.FILE_MODE
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == _files.DIR_MODE
    _files.write_atomically(path, b'\x00bytes', 0o600)
    with open(path, 'rb') as handle:
        assert handle.read() == b'\x00bytes'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(os.path.dirname(path)) == ['f.conf']     # no temporary file left behind


def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path):
    path = str(tmp_path / 'f.conf')
    _files.write_atomically(path, 'old')
    target = tmp_path / 'f.conf.d'
    target.mkdir()                     # a directory cannot be renamed over by a file
    with pytest.raises(FileFailure) as err:
        _files.write_atomically(str(target), 'new')
    assert err.value.msg == 'writing %s failed: Is a directory' % target
    assert sorted(os.listdir(str(tmp_path))) == ['f.conf', 'f.conf.d']
    with open(path) as handle:
        assert handle.read() == 'old'


def test_remove_prunes_only_the_directories_left_empty(tmp_path):
    outer = tmp_path / 'outer'
    inner = outer / 'inner'
    inner.mkdir(parents=True)
    (inner / 'ours.json').write_text(u'{}')
    (outer / 'someone-elses').write_text(u'x')
    _files.remove(str(inner / 'ours.json'), prune=[str(inner), str(outer)])
    assert not inner.exists()                       # emptied: pruned
    assert sorted(os.listdir(str(outer))) == ['someone-elses']   # not empty: kept
    _files.remove(str(inner / 'ours.json'), prune=[str(inner)])   # gone already: fine


def test_remove_names_the_path_it_could_not_remove(tmp_path):
    busy = tmp_path / 'dir'
    busy.mkdir()
    (busy / 'f').write_text(u'x')
    with pytest.raises(FileFailure) as err:
        _files.remove(str(busy))                    # a non-empty directory is not a file
    assert err.value.msg.startswith('removing %s failed: ' % busy)
    assert busy.exists()
