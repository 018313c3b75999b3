"""The voice domain: ``call.*`` events, contacts that wait in a queue for an agent.

Despite the name it serves any channel whose contacts queue (voice, callback,
video, or chats sent as ``call.*``); the chat domain adds messages on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.event import decode_contact
from ccpulse.windows.contacts.family import CONTACT, contact_records, wait_histograms
from ccpulse.windows.contacts.metrics import METRICS
from ccpulse.windows.contacts.tracker import REASONS, ContactTracker
from ccpulse.windows.domain import Context, EventType
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec

CALLS_TOPIC = "calls"


def _call(kind: str) -> EventType:
    return EventType(f"call.{kind}", kind, CALLS_TOPIC, "contact_id")


class VoiceDomain:
    name = "voice"
    types = tuple(_call(k) for k in ("queued", "answered", "abandoned", "transferred", "ended"))
    families: tuple[FamilySpec, ...] = (CONTACT,)
    records: tuple[RecordSpec, ...] = (contact_records("call"),)
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.histograms: tuple[HistogramSpec, ...] = wait_histograms(config.wait_bounds_ms())

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str,
               ts_ms: int) -> Event:
        return decode_contact(doc, etype.type, etype.kind, event_id, ts_ms, etype.key)

    def new_state(self, ctx: Context) -> ContactTracker:
        return ContactTracker("call", ctx, self.config.policies, self.config.voice,
                              self.config.limits)
