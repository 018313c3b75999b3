"""The outcomes domain: ``contact.*`` events, how each contact ended for the customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.domain import Context, EventType, TrackedState
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.outcomes import family as f
from ccpulse.windows.outcomes.customers import CustomerTracker
from ccpulse.windows.outcomes.event import (
    CUSTOMERS_TOPIC,
    FIELDS,
    OUTCOME_TYPES,
    decode_outcome,
)
from ccpulse.windows.outcomes.metrics import METRICS


def _outcome(kind: str, description: str) -> EventType:
    doc = {"event_id": f"e-contact-{kind}", "type": f"contact.{kind}",
           "ts": "2026-11-22T09:16:40+01:00", "customer_id": "cu-4411", "contact_id": "c-1001",
           "queue": "sales", "channel": "voice", "matter": "order-7781"}
    if kind != "self_served":
        doc["agent_id"] = "a-12"
    return EventType(f"contact.{kind}", kind, CUSTOMERS_TOPIC, "customer_id", FIELDS,
                     description, doc)


class OutcomeDomain:
    name = "outcomes"
    types = tuple(_outcome(*spec) for spec in OUTCOME_TYPES)
    families: tuple[FamilySpec, ...] = (f.OUTCOME,)
    records: tuple[RecordSpec, ...] = (f.CUSTOMER_RECORDS,)
    histograms: tuple[HistogramSpec, ...] = ()
    metrics = METRICS
    reasons: Mapping[str, str] = {}

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_outcome(doc, etype.type, etype.kind, event_id, ts_ms)

    def new_state(self, ctx: Context) -> TrackedState:
        config = self.config
        return TrackedState(CustomerTracker(ctx, config.repeat_window_ms,
                                            config.limits.max_contacts))

