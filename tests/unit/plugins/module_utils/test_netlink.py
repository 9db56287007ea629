# -*- coding: utf-8 -*-
# Copyright (c) multinic.routing contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netlink session: a dump the kernel flags interrupted is read again, bounded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.multinic.routing.plugins.module_utils import _netlink
from ansible_collections.multinic.routing.plugins.module_utils import _pyroute2
from ansible_collections.multinic.routing.plugins.module_utils._errors import NetlinkFailure


# ------------------------------------------------------------------ the adapter's dump retry

class FakeSocket(object):
    """Replays captured answers of nlm_request: an exception or a list of messages."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = 0

    def nlm_request(self, msg, msg_type, msg_flags):
        self.requests += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return iter(answer)

    def close(self):
        pass


class Msg(dict):
    def __init__(self, flags, event='RTM_NEWLINK'):
        super(Msg, self).__init__(header={'flags': flags}, event=event)


def adapter(answers, monkeypatch):
    monkeypatch.setattr(_netlink, 'DUMP_RETRY_DELAY', 0)
    nl = _netlink.Netlink.__new__(_netlink.Netlink)
    nl.netns, nl._names, nl.ipr = 'x', None, FakeSocket(answers)
    return nl


# pyroute2 0.7 raises NetlinkDumpInterrupted(-1, 'dump interrupted') at the end of a dump whose
# messages carry NLM_F_DUMP_INTR (0x10); 0.9 hands the flagged messages on.
INTR_07 = _pyroute2.NetlinkDumpInterrupted()
INTR_09 = [Msg(0x2 | 0x10), Msg(0x2 | 0x10)]
WHOLE = [Msg(0x2), Msg(0x2), Msg(0x2, 'NLMSG_DONE')]


@pytest.mark.parametrize('torn', [INTR_07, INTR_09], ids=['pyroute2-0.7', 'pyroute2-0.9'])
def test_interrupted_dump_is_read_again(monkeypatch, torn):
    nl = adapter([torn, torn, WHOLE], monkeypatch)
    assert len(nl._dump(None, 18, 'listing links')) == 2 and nl.ipr.requests == 3


@pytest.mark.parametrize('torn', [INTR_07, INTR_09], ids=['pyroute2-0.7', 'pyroute2-0.9'])
def test_dump_interrupted_every_time_gives_a_clear_message(monkeypatch, torn):
    nl = adapter([torn] * 5 + [WHOLE], monkeypatch)
    with pytest.raises(NetlinkFailure) as err:
        nl._dump(None, 18, 'listing links')
    assert nl.ipr.requests == _netlink.DUMP_ATTEMPTS == 5
    assert "listing links in namespace 'x' failed: the kernel interrupted the dump 5 times" in err.value.msg
    assert 'Unknown error' not in err.value.msg
