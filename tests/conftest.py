# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.multinic.routing`` importable from a plain checkout.

The repository root is the collection root. When it does not already sit at
``.../ansible_collections/multinic/routing`` a throwaway collections root with a symlink is
made, so tests and the modules they start import the collection the way Ansible does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import os
import shutil
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collections_root():
    parts = REPO.split(os.sep)
    if parts[-3:-1] == ['ansible_collections', 'multinic'] and parts[-1] == 'routing':
        return os.sep.join(parts[:-3])
    root = tempfile.mkdtemp(prefix='multinic-collections-')
    atexit.register(shutil.rmtree, root, True)
    os.makedirs(os.path.join(root, 'ansible_collections', 'multinic'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'multinic', 'routing'))
    return root


COLLECTIONS_ROOT = _collections_root()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
os.environ['MULTINIC_COLLECTIONS_ROOT'] = COLLECTIONS_ROOT
