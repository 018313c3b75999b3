"""Contact outcome events: the event class, its decoder and the declared fields."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.events import CHANNELS, Event
from ccpulse.windows.fields import CHOICE, FieldSpec, check, name_field

CUSTOMERS_TOPIC: Final = "customers"
RESOLVED: Final = "resolved"
UNRESOLVED: Final = "unresolved"
SELF_SERVED: Final = "self_served"

CUSTOMER_ID = name_field("customer_id", "The customer; its Kafka key, so that a customer's "
                         "contacts stay in order.")
CONTACT_ID = name_field("contact_id", "The call, conversation or ticket that ended.",
                        required=False)
QUEUE = name_field("queue", "The queue (or self-service entry point) of the contact.")
CHANNEL = FieldSpec("channel", CHOICE, False, "Its channel (default `voice`).",
                    tuple(sorted(CHANNELS)), reason="unknown_channel")
AGENT_ID = name_field("agent_id", "The agent who handled it.", required=False)
MATTER = name_field("matter", "What the contact was about (an order, a case); without it "
                    "every contact of the customer is on one matter.", required=False)
FIELDS: Final[tuple[FieldSpec, ...]] = (CUSTOMER_ID, CONTACT_ID, QUEUE, CHANNEL, AGENT_ID, MATTER)


class OutcomeEvent(Event):
    __slots__ = ("channel", "customer_id", "matter", "queue")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, customer_id: str,
                 queue: str, channel: str, matter: str) -> None:
        super().__init__(event_id, type_, kind, ts_ms, 0)
        self.customer_id = customer_id
        self.queue = queue
        self.channel = channel
        self.matter = matter


def decode_outcome(doc: dict[str, Any], type_: str, kind: str, event_id: str,
                   ts_ms: int) -> OutcomeEvent:
    """An outcome event, every declared field checked (raises ``Rejected``)."""
    values = check(doc, FIELDS)
    return OutcomeEvent(event_id, type_, kind, ts_ms, values["customer_id"], values["queue"],
                        values.get("channel") or "voice", values.get("matter") or "")


OUTCOME_TYPES: tuple[tuple[str, str], ...] = (
    (RESOLVED, "A contact that reached an agent ended with the customer's matter resolved."),
    (UNRESOLVED, "A contact that reached an agent ended without resolving the matter "
                 "(escalated, a call-back promised, the customer gave up)."),
    (SELF_SERVED, "A bot, FAQ or IVR resolved the customer's matter without an agent."),
)
