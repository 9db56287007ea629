# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netlink session: a dump the kernel flags interrupted is read again, bounded (that a
session which only reads never loads pyroute2: tests/kernel/test_pyroute2_version.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _netlink
from ansible_collections.multinic.routing.plugins.module_utils import _rtnl_codec as codec
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure


# ------------------------------------------------------------------ the adapter's dump retry

class FakeRawSocket(object):
    """Answers each dump request with the datagrams of the next answer (NLM_F_DUMP_INTR set on
    its messages or not), with the request's sequence number."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = 0
        self.pending = []

    def send(self, data):
        self.requests += 1
        seq = codec.NLMSG_HDR.unpack_from(data, 0)[3]
        torn = self.answers.pop(0)
        flags = 0x2 | (codec.NLM_F_DUMP_INTR if torn else 0)
        link = codec.request_bytes(codec.link_get_msg(name='ens4', index=3), 16, flags, seq)
        done = codec.NLMSG_HDR.pack(codec.NLMSG_HDRLEN + 4, codec.NLMSG_DONE, flags, seq, 0) + b'\0' * 4
        self.pending = [link + link, done]

    def recv(self, size):
        return self.pending.pop(0)

    def close(self):
        pass


def adapter(answers, monkeypatch):
    monkeypatch.setattr(_netlink, 'DUMP_RETRY_DELAY', 0)
    nl = _netlink.Netlink.__new__(_netlink.Netlink)
    nl.netns, nl._names, nl._ipr, nl._seq = 'x', None, None, 0
    nl.raw = FakeRawSocket(answers)
    return nl


def test_interrupted_dump_is_read_again(monkeypatch):
    nl = adapter([True, True, False], monkeypatch)
    links = nl.links()
    assert [(link['index'], link['name']) for link in links] == [(3, 'ens4')] * 2 and nl.raw.requests == 3


def test_dump_interrupted_every_time_gives_a_clear_message(monkeypatch):
    nl = adapter([True] * 5 + [False], monkeypatch)
    with pytest.raises(NetlinkFailure) as err:
        nl.links()
    assert nl.raw.requests == _netlink.DUMP_ATTEMPTS == 5
    assert "listing links in namespace 'x' failed: the kernel interrupted the dump 5 times" in err.value.msg
    assert 'Unknown error' not in err.value.msg
