"""The ticket families: reply, resolution and wait times in calendar and business time,
counts per queue, channel and priority; volume per category; and the records and
histograms the tickets domain keeps. Durations are in ms (``_bms``: business ms)."""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec

TICKET_FIELDS: Final = (
    "created", "solved", "reopened", "finals", "one_touch",
    "first_replies", "first_reply_ms", "first_reply_bms",
    "next_replies", "next_reply_ms", "next_reply_bms",
    "first_resolution_ms", "first_resolution_bms", "full_resolution_ms", "full_resolution_bms",
    "requester_wait_ms", "requester_wait_bms", "agent_wait_ms", "agent_wait_bms",
    "on_hold_ms", "on_hold_bms",
    "agent_replies", "customer_replies", "bot_replies", "internal_notes",
    "first_resolutions",
)
CREATED: Final = 0
SOLVED: Final = 1  # every solve (a reopened ticket solved again counts again)
REOPENED: Final = 2
FINALS: Final = 3  # tickets resolved for good: closed, or solved and not reopened in time
ONE_TOUCH: Final = 4
FIRST_REPLIES: Final = 5
FIRST_REPLY_MS: Final = 6
FIRST_REPLY_BMS: Final = 7
NEXT_REPLIES: Final = 8
NEXT_REPLY_MS: Final = 9
NEXT_REPLY_BMS: Final = 10
FIRST_RESOLUTION_MS: Final = 11
FIRST_RESOLUTION_BMS: Final = 12
FULL_RESOLUTION_MS: Final = 13
FULL_RESOLUTION_BMS: Final = 14
REQUESTER_WAIT_MS: Final = 15
REQUESTER_WAIT_BMS: Final = 16
AGENT_WAIT_MS: Final = 17
AGENT_WAIT_BMS: Final = 18
ON_HOLD_MS: Final = 19
ON_HOLD_BMS: Final = 20
AGENT_REPLIES: Final = 21
CUSTOMER_REPLIES: Final = 22
BOT_REPLIES: Final = 23
INTERNAL_NOTES: Final = 24
FIRST_RESOLUTIONS: Final = 25
assert TICKET_FIELDS.index("first_resolutions") == FIRST_RESOLUTIONS

CATEGORY_FAMILY: Final = "ticket_category"
CATEGORY_FIELDS: Final = ("created", "solved")
CATEGORY_CREATED: Final = 0
CATEGORY_SOLVED: Final = 1

SLA_FAMILY: Final = "ticket_sla"  # per queue, priority and target
SLA_FIELDS: Final = ("met", "breached")
SLA_MET: Final = 0
SLA_BREACHED: Final = 1

TICKET_LABELS: Final = ("queue", "channel", "priority")
FIRST_REPLY: Final = "ticket_first_reply"  # histogram names; label clock
NEXT_REPLY: Final = "ticket_next_reply"
RESOLUTION: Final = "ticket_resolution"  # full resolution, when the ticket is final
CALENDAR: Final = "calendar"
BUSINESS: Final = "business"
STANDARD_TICKET_BOUNDS_S: Final = (300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600,
                                   24 * 3600, 2 * 86_400, 3 * 86_400, 7 * 86_400,
                                   14 * 86_400, 30 * 86_400)

TICKET_RECORDS = RecordSpec(
    "ticket", 1, ("queue", "channel", "priority", "category", "created_ms", "status",
                  "status_ms", "clock_ms", "run_ms", "replied", "agent_replies", "reopened",
                  "first_solved_ms", "last_solved_ms", "spells", "touched_ms", "event_ids"))


def ticket_windows(days: int) -> tuple[str, ...]:
    """Tickets are slow: the current interval, today and the multi-day window (no sliding
    ones, which would multiply series by queue, channel and priority for little)."""
    return ("interval", "today", f"{days}d", "total")


TICKET_FAMILY: Final = "ticket"


def ticket_family(days: int) -> FamilySpec:
    return FamilySpec(TICKET_FAMILY, 1, TICKET_FIELDS, TICKET_LABELS, ticket_windows(days))


def category_family(days: int) -> FamilySpec:
    return FamilySpec(CATEGORY_FAMILY, 1, CATEGORY_FIELDS, ("queue", "category"),
                      ticket_windows(days))


def sla_family(days: int) -> FamilySpec:
    return FamilySpec(SLA_FAMILY, 1, SLA_FIELDS, ("queue", "priority", "target"),
                      ticket_windows(days))


def ticket_histograms(bounds_ms: tuple[int, ...]) -> tuple[HistogramSpec, ...]:
    labels = (*TICKET_LABELS, "clock")
    return tuple(HistogramSpec(name, labels, bounds_ms)
                 for name in (FIRST_REPLY, NEXT_REPLY, RESOLUTION))
