"""The ``contact`` family: queue figures of contacts that wait in a queue for an agent.

Voice calls and chats (and any channel sent as ``call.*`` events) credit it per
queue and channel. Durations are in milliseconds.
"""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

CONTACT = FamilySpec(
    name="contact",
    version=2,
    fields=("offered", "answered", "abandoned", "transferred", "answered_within",
            "abandoned_within", "short_abandoned", "answer_wait_ms", "abandon_wait_ms",
            "handled", "handle_ms"),
    labels=("queue", "channel"),
    windows=tuple(w.name for w in CONTACT_WINDOWS),
)
OFFERED: Final = 0
ANSWERED: Final = 1
ABANDONED: Final = 2
TRANSFERRED: Final = 3
ANSWERED_WITHIN: Final = 4
ABANDONED_WITHIN: Final = 5
SHORT_ABANDONED: Final = 6
ANSWER_WAIT_MS: Final = 7
ABANDON_WAIT_MS: Final = 8
HANDLED: Final = 9
HANDLE_MS: Final = 10
assert CONTACT.fields.index("handle_ms") == HANDLE_MS

ANSWER_WAIT: Final = "answer_wait"  # histogram names
ABANDON_WAIT: Final = "abandon_wait"


def contact_records(name: str) -> RecordSpec:
    """The record of one tracked contact (``name``: ``call`` or ``chat``)."""
    return RecordSpec(name, 1, ("queue", "channel", "queued_ms", "stage", "touched_ms",
                                "event_ids", "left_ms", "agent"))


def wait_histograms(bounds_ms: tuple[int, ...]) -> tuple[HistogramSpec, HistogramSpec]:
    """Waits of answered and of abandoned contacts, per queue and channel."""
    return (HistogramSpec(ANSWER_WAIT, ("queue", "channel"), bounds_ms),
            HistogramSpec(ABANDON_WAIT, ("queue", "channel"), bounds_ms))
