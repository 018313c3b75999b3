"""The voice domain: ``call.*`` events, contacts that wait in a queue for an agent.

Despite the name it serves any channel whose contacts queue (voice, callback,
video, or chats sent as ``call.*``); the chat domain adds messages on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.agents.work import AgentWork
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.event import decode_contact
from ccpulse.windows.contacts.family import CONTACT, contact_records, wait_histograms
from ccpulse.windows.contacts.metrics import METRICS
from ccpulse.windows.contacts.tracker import REASONS, ContactTracker
from ccpulse.windows.domain import Context, EventType
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.fields import CHANNEL, QUEUE, FieldSpec, name_field, seconds_field
from ccpulse.windows.histograms import HistogramSpec

CALLS_TOPIC = "calls"


CONTACT_ID = name_field("contact_id", "The contact; its Kafka key, so that all of one "
                        "contact's events stay in order.")
CALL_FIELDS = (
    CONTACT_ID,
    QUEUE.described("The queue (on call.transferred: the queue being left)."),
    CHANNEL,
    name_field("agent_id", "Who answered (on call.answered) or served the contact.",
               required=False),
    name_field("customer_id", "Who called, for figures per customer.", required=False),
)
EXIT_REASON = name_field("exit_reason", "Informative only: why an unanswered contact left "
                         "(caller_hangup, timeout, key, empty).", required=False)
CALL_TYPES = (
    ("queued", "The contact joins the queue and waits.", (EXIT_REASON,),
     {"ts": "2026-11-22T09:00:00+01:00"}),
    ("answered", "An agent answers: the wait ends.", (EXIT_REASON,),
     {"ts": "2026-11-22T09:00:14+01:00", "agent_id": "a-12"}),
    ("abandoned", "The caller leaves the queue before an answer.", (EXIT_REASON,),
     {"ts": 1795334460000, "contact_id": "c-78", "exit_reason": "caller_hangup"}),
    ("transferred", "The contact leaves the queue for another one, at once waiting there.",
     (EXIT_REASON, name_field("to_queue", "The queue the contact enters.")),
     {"ts": 1795334470000, "contact_id": "c-79", "to_queue": "general"}),
    ("ended", "Service ends; handle time = talk + hold + wrap-up (a missing one counts 0; "
     "with none of them, the time from answer to end).",
     (EXIT_REASON, seconds_field("talk_s", "Talk time in seconds."),
      seconds_field("hold_s", "Hold time in seconds."),
      seconds_field("wrap_s", "After-call work in seconds.")),
     {"ts": "2026-11-22T09:04:40+01:00", "agent_id": "a-12", "talk_s": 210, "hold_s": 25,
      "wrap_s": 31}),
)


def _call(kind: str, description: str, extra: tuple[FieldSpec, ...],
          example: dict[str, Any]) -> EventType:
    doc = {"event_id": f"e-{kind}", "type": f"call.{kind}", "ts": example["ts"],
           "contact_id": "c-77", "queue": "sales", "channel": "voice", **example}
    return EventType(f"call.{kind}", kind, CALLS_TOPIC, "contact_id", (*CALL_FIELDS, *extra),
                     description, doc)


class VoiceDomain:
    name = "voice"
    types = tuple(_call(*spec) for spec in CALL_TYPES)
    families: tuple[FamilySpec, ...] = (CONTACT,)
    records: tuple[RecordSpec, ...] = (contact_records("call"),)
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.histograms: tuple[HistogramSpec, ...] = wait_histograms(config.wait_bounds_ms())

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_contact(doc, etype.type, etype.kind, event_id, ts_ms, etype.key, plain)

    def new_state(self, ctx: Context) -> ContactTracker:
        work = AgentWork(ctx, self.config.per_agent, self.config.derive_agent_activity)
        return ContactTracker("call", ctx, self.config.policies, self.config.voice,
                              self.config.limits, work)
