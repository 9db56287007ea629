# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names iproute2 gives to routing tables and route protocols.

PRIVATE: internal to multinic.routing, not a public API.

iproute2 reads /etc/iproute2/<db> and /etc/iproute2/<db>.d/*.conf; distributions that moved
the defaults (iproute2 >= 6.5 on some of them) keep them under /usr/share/iproute2, read when
the /etc file is missing. Later entries win, as in iproute2.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

ETC_DIR = '/etc/iproute2'
USR_DIR = '/usr/share/iproute2'
TABLES_D = os.path.join(ETC_DIR, 'rt_tables.d')

BUILTIN_TABLES = {'unspec': 0, 'default': 253, 'main': 254, 'local': 255}
BUILTIN_PROTOS = {
    'unspec': 0, 'redirect': 1, 'kernel': 2, 'boot': 3, 'static': 4, 'gated': 8, 'ra': 9,
    'mrt': 10, 'zebra': 11, 'bird': 12, 'dnrouted': 13, 'xorp': 14, 'ntk': 15, 'dhcp': 16,
    'keepalived': 18, 'babel': 42, 'openr': 99, 'bgp': 186, 'isis': 187, 'ospf': 188,
    'rip': 189, 'eigrp': 192,
}
# The protocol id routes of this collection carry unless told otherwise (`ip route` shows
# "proto multinic" once /etc/iproute2/rt_protos.d/multinic.conf names it).
COLLECTION_PROTO_ID = 241
COLLECTION_PROTO_NAME = 'multinic'


def _files(db, etc_dir=ETC_DIR, usr_dir=USR_DIR):
    main = os.path.join(etc_dir, db)
    if not os.path.exists(main):
        main = os.path.join(usr_dir, db)
    files = [main]
    for base in (usr_dir, etc_dir):
        files.extend(sorted(glob.glob(os.path.join(base, db + '.d', '*.conf'))))
    return [f for f in files if os.path.isfile(f)]


def parse_line(line):
    """(id, name) from one line of an iproute2 names file, or None for comments/garbage."""
    line = line.split('#', 1)[0].strip()
    parts = line.split()
    if len(parts) < 2:
        return None
    try:
        number = int(parts[0], 0)
    except ValueError:
        return None
    return number, parts[1]


def read_names(db, etc_dir=ETC_DIR, usr_dir=USR_DIR):
    """{name: id} for an iproute2 names database ('rt_tables', 'rt_protos')."""
    names = {}
    for path in _files(db, etc_dir, usr_dir):
        try:
            with open(path) as handle:
                lines = handle.readlines()
        except (IOError, OSError):
            continue
        for line in lines:
            parsed = parse_line(line)
            if parsed:
                names[parsed[1]] = parsed[0]
    return names


def table_names():
    """{name: id} of every routing table name the host knows, builtins included."""
    names = dict(BUILTIN_TABLES)
    names.update(read_names('rt_tables'))
    return names


def proto_names():
    names = dict(BUILTIN_PROTOS)
    names[COLLECTION_PROTO_NAME] = COLLECTION_PROTO_ID
    names.update(read_names('rt_protos'))
    return names


def table_name_of(number, names=None):
    """The name of a table id, or None."""
    names = table_names() if names is None else names
    for name, value in sorted(names.items()):
        if value == number and name != 'unspec':
            return name
    return None
