"""The agents' families: time in each state per queue and for the site, and work per agent.

``agent_time`` (per queue) and ``agent_site`` (the site, each agent once) hold
milliseconds of agent time, credited minute by minute as it passes; ``agent_work``
(per agent) is credited by the contact domains when a contact ends or a reply is
sent, so that it adds up across partitions.
"""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

WINDOWS = tuple(w.name for w in CONTACT_WINDOWS)
TIME_FIELDS = ("staffed_ms", "available_ms", "busy_ms", "after_contact_work_ms", "away_ms",
               "ready_ms", "occupied_ms", "slot_ms", "used_slot_ms")
AGENT_TIME = FamilySpec("agent_time", 1, TIME_FIELDS, ("queue",), WINDOWS)
AGENT_SITE = FamilySpec("agent_site", 1, TIME_FIELDS, (), WINDOWS)
STAFFED: Final = 0
AVAILABLE: Final = 1
BUSY: Final = 2
AFTER_CONTACT_WORK: Final = 3
AWAY: Final = 4
READY: Final = 5
OCCUPIED: Final = 6
SLOT: Final = 7
USED_SLOT: Final = 8
STATE_FIELD: Final = {"available": AVAILABLE, "busy": BUSY,
                      "after_contact_work": AFTER_CONTACT_WORK, "away": AWAY}

# per agent, the current interval and today only: a few minutes of one agent's work are a
# handful of contacts, and sliding windows would keep a minute bucket per agent, contact
# partition and minute (about a quarter of a worker's time on a site of 10,000 agents)
AGENT_WORK_WINDOWS = ("interval", "today")
AGENT_WORK = FamilySpec("agent_work", 1, ("handled", "handle_ms", "first_responses",
                                          "first_response_ms", "responses", "response_ms"),
                        ("agent",), AGENT_WORK_WINDOWS)
HANDLED: Final = 0
HANDLE_MS: Final = 1
FIRST_RESPONSES: Final = 2
FIRST_RESPONSE_MS: Final = 3
RESPONSES: Final = 4
RESPONSE_MS: Final = 5

AGENT_RECORDS = RecordSpec("agent", 3, ("queues", "paused", "state", "reason", "since_ms",
                                        "capacity", "contacts", "accrued_ms", "last_event",
                                        "released"))
# how far the roster's time is credited (one record per partition)
AGENT_CLOCK = RecordSpec("agent_clock", 1, ("accrued_ms",))
