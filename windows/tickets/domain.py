"""The tickets domain: ``ticket.*`` events, tickets that live for hours or weeks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.domain import Context, EventType, LiveKey, RecordKey
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.fields import FieldSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.tickets import family as f
from ccpulse.windows.tickets.event import (
    COMMON,
    TICKET_TYPES,
    TICKETS_TOPIC,
    TicketEvent,
    decode_ticket,
)
from ccpulse.windows.tickets.lifecycle import TicketTracker
from ccpulse.windows.tickets.metrics import ticket_metrics

REASONS = {
    "not_created": "a ticket event for a ticket whose ticket.created was never seen (or "
                   "was forgotten: final for a day, or untouched for CCPULSE_TICKET_MAX_OPEN_DAYS)",
    "ticket_exists": "a second ticket.created for a ticket already open",
}


def _ticket(kind: str, description: str, extra: tuple[FieldSpec, ...],
            example: dict[str, Any]) -> EventType:
    doc = {"event_id": f"e-ticket-{kind}", "type": f"ticket.{kind}", "ts": example["ts"],
           "ticket_id": "t-5521", **example}
    return EventType(f"ticket.{kind}", kind, TICKETS_TOPIC, "ticket_id", (*COMMON, *extra),
                     description, doc)


class TicketDomain:
    name = "tickets"
    types = tuple(_ticket(*spec) for spec in TICKET_TYPES)
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        days = config.tickets.days
        self.families: tuple[FamilySpec, ...] = (f.ticket_family(days), f.category_family(days),
                                                 f.sla_family(days))
        self.records: tuple[RecordSpec, ...] = (f.TICKET_RECORDS,)
        self.metrics = ticket_metrics(days)
        self.histograms: tuple[HistogramSpec, ...] = f.ticket_histograms(
            config.ticket_bounds_ms())

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_ticket(doc, etype.type, etype.kind, etype.fields, event_id, ts_ms)

    def new_state(self, ctx: Context) -> TicketState:
        return TicketState(ctx, self.config)


class TicketState:
    def __init__(self, ctx: Context, config: EngineConfig) -> None:
        self.tracker = TicketTracker(ctx, config.tickets, config.calendars, config.limits)

    def apply(self, event: Event) -> str:
        assert isinstance(event, TicketEvent)
        return self.tracker.apply(event)

    def advance(self, now_ms: int) -> None:
        self.tracker.advance(now_ms)

    def live_changes(self) -> dict[LiveKey, Any]:
        return self.tracker.live_changes()

    def live_all(self) -> dict[LiveKey, Any]:
        return self.tracker.live_all()

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        return self.tracker.record_changes()

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        self.tracker.restore(records)
