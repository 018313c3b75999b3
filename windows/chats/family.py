"""The ``chat`` family: response times and message counts of conversations, per queue and
channel; and the records and histograms the chats domain keeps. Durations are in ms."""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

CHAT = FamilySpec(
    name="chat",
    version=1,
    fields=("first_responses", "first_response_ms", "first_responses_within", "responses",
            "response_ms", "responses_within", "customer_messages", "agent_messages",
            "bot_messages", "internal_notes", "handoffs", "reopens", "unresponded"),
    labels=("queue", "channel"),
    windows=tuple(w.name for w in CONTACT_WINDOWS),
)
FIRST_RESPONSES: Final = 0
FIRST_RESPONSE_MS: Final = 1
FIRST_RESPONSES_WITHIN: Final = 2
RESPONSES: Final = 3
RESPONSE_MS: Final = 4
RESPONSES_WITHIN: Final = 5
CUSTOMER_MESSAGES: Final = 6
AGENT_MESSAGES: Final = 7
BOT_MESSAGES: Final = 8
INTERNAL_NOTES: Final = 9
HANDOFFS: Final = 10
REOPENS: Final = 11
UNRESPONDED: Final = 12
assert CHAT.fields.index("unresponded") == UNRESPONDED

FIRST_RESPONSE: Final = "first_response"  # histogram names
RESPONSE: Final = "response"
STANDARD_RESPONSE_BOUNDS_S: Final = (10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800,
                                     3600)

CONVERSATION_RECORDS = RecordSpec(
    "conversation", 1, ("queue", "channel", "clock_ms", "run_ms", "human", "touched_ms",
                        "event_ids", "ended", "responded"))


def response_histograms(bounds_ms: tuple[int, ...]) -> tuple[HistogramSpec, HistogramSpec]:
    """First responses and responses, per queue and channel."""
    return (HistogramSpec(FIRST_RESPONSE, ("queue", "channel"), bounds_ms),
            HistogramSpec(RESPONSE, ("queue", "channel"), bounds_ms))
