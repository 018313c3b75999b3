"""The chats domain: ``chat.*`` events, conversations that queue for an agent and the
messages that answer (or fail to answer) their customers.

A conversation's queue figures (offered, answered, service level, waiting) are those
of any queued contact: the contact tracker counts them in the ``contact`` family
with the conversation's channel. Its messages go to the response tracker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.agents.work import AgentWork
from ccpulse.windows.chats import family as f
from ccpulse.windows.chats.event import (
    AUTHOR,
    CHAT_FIELDS,
    CHATS_TOPIC,
    HANDOFF,
    MESSAGE,
    MESSAGE_ID,
    REOPENED,
    TO_QUEUE,
    VISIBILITY,
    ChatEvent,
    decode_chat,
)
from ccpulse.windows.chats.metrics import METRICS
from ccpulse.windows.chats.responses import ResponseTracker
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.event import ABANDONED, ENDED, QUEUED, TRANSFERRED
from ccpulse.windows.contacts.family import contact_records
from ccpulse.windows.contacts.tracker import REASONS, WAITING, ContactTracker
from ccpulse.windows.domain import Context, EventType, LiveKey, RecordKey
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.fields import FieldSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.outcome import APPLIED, DUPLICATE

CHAT_TYPES: tuple[tuple[str, str, tuple[FieldSpec, ...], dict[str, Any]], ...] = (
    ("queued", "The conversation enters a human queue and waits for an agent; its "
     "first-response clock starts.", (), {"ts": "2026-11-22T09:00:00+01:00"}),
    ("answered", "An agent joins: the wait ends.", (),
     {"ts": "2026-11-22T09:00:25+01:00", "agent_id": "a-12"}),
    ("abandoned", "The customer leaves before an agent joins.", (),
     {"ts": "2026-11-22T09:03:00+01:00", "conversation_id": "ch-78"}),
    ("transferred", "The conversation leaves the queue (waiting or in service) for "
     "another, at once waiting there.", (TO_QUEUE,),
     {"ts": "2026-11-22T09:04:00+01:00", "conversation_id": "ch-79", "to_queue": "billing"}),
    ("message", "A message: from the customer, an agent or a bot, public or an internal "
     "note.", (AUTHOR, VISIBILITY, MESSAGE_ID),
     {"ts": "2026-11-22T09:00:40+01:00", "author": "agent", "visibility": "public",
      "agent_id": "a-12", "message_id": "m-1042"}),
    ("handoff", "A bot hands the conversation to a human queue: it waits there, and its "
     "first-response clock starts (send this or chat.queued, not both).", (),
     {"ts": "2026-11-22T08:59:30+01:00", "conversation_id": "ch-80"}),
    ("ended", "The conversation ends; handle time is its time with the agent (ended "
     "while waiting for an agent: an abandon).", (),
     {"ts": "2026-11-22T09:12:00+01:00", "agent_id": "a-12"}),
    ("reopened", "The customer comes back to an ended conversation: its first-response "
     "clock starts again.", (), {"ts": "2026-11-22T10:30:00+01:00"}),
)


def _chat(kind: str, description: str, extra: tuple[FieldSpec, ...],
          example: dict[str, Any]) -> EventType:
    doc = {"event_id": f"e-chat-{kind}", "type": f"chat.{kind}", "ts": example["ts"],
           "conversation_id": "ch-77", "queue": "sales", "channel": "chat", **example}
    return EventType(f"chat.{kind}", kind, CHATS_TOPIC, "conversation_id",
                     (*CHAT_FIELDS, *extra), description, doc)


class ChatDomain:
    name = "chats"
    types = tuple(_chat(*spec) for spec in CHAT_TYPES)
    families: tuple[FamilySpec, ...] = (f.CHAT,)
    records: tuple[RecordSpec, ...] = (contact_records("chat"), f.CONVERSATION_RECORDS)
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.histograms: tuple[HistogramSpec, ...] = f.response_histograms(
            config.response_bounds_ms())

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_chat(doc, etype.type, etype.kind, etype.fields, event_id, ts_ms, plain)

    def new_state(self, ctx: Context) -> ChatState:
        return ChatState(ctx, self.config)


class ChatState:
    def __init__(self, ctx: Context, config: EngineConfig) -> None:
        work = AgentWork(ctx, config.per_agent, config.derive_agent_activity)
        self.contacts = ContactTracker("chat", ctx, config.policies, config.voice,
                                       config.limits, work)
        self.responses = ResponseTracker(ctx, config.policies, config.voice, config.limits,
                                         work)

    def apply(self, event: Event) -> str:
        assert isinstance(event, ChatEvent)
        kind = event.kind
        responses = self.responses
        if kind in (MESSAGE, REOPENED):
            if responses.seen(event):
                return DUPLICATE
            queue = self.contacts.queues.queue(event.queue)
            if queue is None:
                return "queue_not_allowed"
            event.queue = queue
            if kind == MESSAGE:
                return responses.message(event)
            return responses.entered(event, restart=True, counted=f.REOPENS)
        if kind in (HANDOFF, QUEUED):
            if responses.full_for(event.contact_id):
                return "entity_limit"
            event.kind = QUEUED  # to the contact tracker, a handoff is a queue entry
        elif kind == ENDED:
            record = self.contacts.record(event.contact_id)
            if record is not None and record.stage == WAITING:
                event.kind = ABANDONED  # closed before an agent joined: abandoned
        outcome = self.contacts.apply(event)
        if outcome != APPLIED:
            return outcome
        if kind == QUEUED:
            return responses.entered(event, restart=False, counted=None)
        if kind == HANDOFF:
            return responses.entered(event, restart=False, counted=f.HANDOFFS)
        if kind == TRANSFERRED:
            responses.moved(event)
        elif kind in (ENDED, ABANDONED):  # the customer is gone: nothing awaits
            responses.ended(event)
        return APPLIED

    def advance(self, now_ms: int) -> None:
        self.contacts.advance(now_ms)
        self.responses.advance(now_ms)

    def live_changes(self) -> dict[LiveKey, Any]:
        return {**self.contacts.live_changes(), **self.responses.live_changes()}

    def live_all(self) -> dict[LiveKey, Any]:
        return {**self.contacts.live_all(), **self.responses.live_all()}

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        return {**self.contacts.record_changes(), **self.responses.record_changes()}

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        self.contacts.restore(records)
        self.responses.restore(records)
