"""Asterisk ``queue_log`` lines as ccpulse events.

Each line is ``epoch|callid|queue|agent|EVENT|data...``. What each event means is
Asterisk's (see its queue_log documentation):

=================  =====================================  ======================
EVENT              data                                   ccpulse event
=================  =====================================  ======================
ENTERQUEUE         url|callerid[|position]                call.queued
CONNECT            holdtime|bridged uniqueid|ringtime     call.answered
ABANDON            position|origposition|waittime         call.abandoned (caller hung up)
EXITWITHTIMEOUT    position|origposition|waittime         call.abandoned (queue timeout)
EXITWITHKEY        key|position|origposition|waittime     call.abandoned (left with a key)
EXITEMPTY          position|origposition|waittime         call.abandoned (no agents)
COMPLETECALLER     holdtime|calltime|origposition         call.ended (talk = calltime)
COMPLETEAGENT      holdtime|calltime|origposition         call.ended
TRANSFER,          extension|context|holdtime|calltime    call.ended: the agent passed the
BLINDTRANSFER      |origposition                          call on; if it enters another
ATTENDEDTRANSFER   method|...|holdtime|calltime|origpos.  queue, ENTERQUEUE follows
RINGNOANSWER       ringtime                               nothing: the caller still waits
ADDMEMBER,         (queue named)                          agent.login
AGENTLOGIN
REMOVEMEMBER,      (queue named, or NONE for all)         agent.logout
AGENTLOGOFF
PAUSE, PAUSEALL    reason                                 agent.pause (NONE/PAUSEALL: all queues)
UNPAUSE,           reason                                 agent.unpause
UNPAUSEALL
=================  =====================================  ======================

Other events (QUEUESTART, CONFIGRELOAD, DID, INFO, RINGCANCELED, ...) carry no
queue figures and are counted as ignored. Event ids are derived from the line, so
reading a file twice produces the same ids and the worker drops the repeats.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from ccpulse.sources.adapters import Unusable, non_negative

ABANDONS = {"ABANDON": "caller_hangup", "EXITWITHTIMEOUT": "timeout", "EXITWITHKEY": "key",
            "EXITEMPTY": "empty"}
ENDS = ("COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
AGENT_EVENTS = {"ADDMEMBER": "agent.login", "AGENTLOGIN": "agent.login",
                "REMOVEMEMBER": "agent.logout", "AGENTLOGOFF": "agent.logout",
                "AGENTCALLBACKLOGOFF": "agent.logout", "PAUSE": "agent.pause",
                "PAUSEALL": "agent.pause", "UNPAUSE": "agent.unpause",
                "UNPAUSEALL": "agent.unpause"}
NO_QUEUE = ("", "NONE")


def _calltime(event: str, data: list[str]) -> float:
    if event in ("COMPLETECALLER", "COMPLETEAGENT"):
        index = 1
    elif event in ("TRANSFER", "BLINDTRANSFER"):
        index = 3
    else:  # ATTENDEDTRANSFER: the last three are holdtime|calltime|origposition
        index = len(data) - 2
    if not 0 <= index < len(data):
        raise Unusable("missing_field", f"{event} has no calltime in {data}")
    return non_negative(data[index], "calltime", float)


def parse_line(line: str) -> list[dict[str, Any]]:
    """The events of one queue_log line (none for an event without queue figures)."""
    fields = line.rstrip("\r\n").split("|")
    if len(fields) < 5:
        raise Unusable("malformed_line", f"{len(fields)} fields, expected at least 5")
    stamp, callid, queue, agent, event, *data = fields
    try:
        ts_ms = round(float(stamp) * 1000)
    except ValueError:
        raise Unusable("bad_timestamp", f"{stamp!r} is not epoch seconds") from None
    line_id = hashlib.blake2b(line.strip().encode(), digest_size=6).hexdigest()
    base: dict[str, Any] = {"event_id": f"ast-{line_id}", "ts": ts_ms, "channel": "voice"}

    if event in AGENT_EVENTS:
        if agent in NO_QUEUE:
            raise Unusable("missing_field", f"{event} names no agent")
        all_queues = queue in NO_QUEUE or event.endswith("ALL")
        if AGENT_EVENTS[event] == "agent.login" and all_queues:
            return []  # a login with no queue named adds the agent to none
        return [{**base, "type": AGENT_EVENTS[event], "agent_id": agent,
                 "queue": "*" if all_queues else queue}]

    contact = {**base, "contact_id": callid, "queue": queue}
    if event == "ENTERQUEUE":
        return [{**contact, "type": "call.queued"}]
    if event == "CONNECT":
        return [{**contact, "type": "call.answered",
                 "agent_id": None if agent in NO_QUEUE else agent}]
    if event in ABANDONS:
        return [{**contact, "type": "call.abandoned", "exit_reason": ABANDONS[event]}]
    if event in ENDS:
        return [{**contact, "type": "call.ended", "talk_s": _calltime(event, data),
                 "agent_id": None if agent in NO_QUEUE else agent}]
    return []


class QueueLogConverter:
    """Converts lines and keeps count of what happened to them."""

    def __init__(self) -> None:
        self.lines = 0
        self.events = 0
        self.ignored: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()

    def convert(self, line: str) -> list[dict[str, Any]]:
        if not line.strip():
            return []
        self.lines += 1
        try:
            events = parse_line(line)
        except Unusable as exc:
            self.rejected[exc.reason] += 1
            raise
        if not events:
            fields = line.split("|")
            self.ignored[fields[4] if len(fields) > 4 else "?"] += 1
        self.events += len(events)
        return events

    def summary(self) -> str:
        return (f"{self.lines} lines: {self.events} events, ignored {dict(self.ignored)}, "
                f"rejected {dict(self.rejected)}")
