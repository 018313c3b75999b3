"""Ticket events: the event class, its decoder and the declared fields of every type."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.events import CHANNELS, Event
from ccpulse.windows.fields import CHOICE, QUEUE, FieldSpec, check, name_field

TICKETS_TOPIC: Final = "tickets"
CREATED: Final = "created"
REPLIED: Final = "replied"
STATUS_CHANGED: Final = "status_changed"
ASSIGNED: Final = "assigned"
REOPENED: Final = "reopened"
PRIORITY_CHANGED: Final = "priority_changed"
CATEGORY_CHANGED: Final = "category_changed"

CUSTOMER: Final = "customer"
AGENT: Final = "agent"
BOT: Final = "bot"
INTERNAL: Final = "internal"

NEW: Final = "new"
OPEN: Final = "open"
PENDING: Final = "pending"
ON_HOLD: Final = "on_hold"
SOLVED: Final = "solved"
CLOSED: Final = "closed"
STATUSES: Final = (NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED)
PRIORITIES: Final = ("low", "normal", "high", "urgent")
DEFAULT_PRIORITY: Final = "normal"
DEFAULT_CHANNEL: Final = "email"

TICKET_ID = name_field("ticket_id", "The ticket; its Kafka key, so that all of one "
                       "ticket's events stay in order.")
CHANNEL = FieldSpec("channel", CHOICE, False, "The channel the ticket came in by (default "
                    "`email`).", tuple(sorted(CHANNELS)), reason="unknown_channel")
PRIORITY = FieldSpec("priority", CHOICE, False, "`low`, `normal` (default), `high` or "
                     "`urgent`.", PRIORITIES)
CATEGORY = name_field("category", "What the ticket is about (the recurring questions); "
                      "beyond CCPULSE_MAX_CATEGORIES per queue they count as `other`.",
                      required=False)
OPENED_BY = FieldSpec("opened_by", CHOICE, False, "`customer` (default) or `agent`: a "
                      "ticket an agent opened with a message to the customer; its "
                      "first-reply clock starts at the customer's first reply.",
                      (CUSTOMER, AGENT))
AUTHOR = FieldSpec("author", CHOICE, True, "Who wrote it: `customer`, `agent` or `bot`.",
                   (CUSTOMER, AGENT, BOT))
VISIBILITY = FieldSpec("visibility", CHOICE, False, "`public` (default) or `internal` (a "
                       "note between agents).", ("public", INTERNAL))
STATUS = FieldSpec("status", CHOICE, True, "`new`, `open`, `pending` (waiting for the "
                   "customer), `on_hold` (waiting for a third party), `solved` or "
                   "`closed` (final).", STATUSES, reason="unknown_status")
AGENT_ID = name_field("agent_id", "The agent who writes (a reply) or takes the ticket "
                      "(ticket.assigned).", required=False)
COMMON = (TICKET_ID, name_field("customer_id", "The customer, for repeat contacts.",
                                required=False))


class TicketEvent(Event):
    __slots__ = ("agent_id", "author", "category", "channel", "opened_by_agent", "priority",
                 "public", "queue", "status", "ticket_id")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, ticket_id: str,
                 queue: str | None = None, channel: str = DEFAULT_CHANNEL,
                 priority: str | None = None, category: str | None = None,
                 author: str = "", public: bool = True, status: str = "",
                 agent_id: str | None = None, opened_by_agent: bool = False) -> None:
        super().__init__(event_id, type_, kind, ts_ms, 0)
        self.ticket_id = ticket_id
        self.queue = queue
        self.channel = channel
        self.priority = priority
        self.category = category
        self.author = author
        self.public = public
        self.status = status
        self.agent_id = agent_id
        self.opened_by_agent = opened_by_agent


def decode_ticket(doc: dict[str, Any], type_: str, kind: str, fields: tuple[FieldSpec, ...],
                  event_id: str, ts_ms: int) -> TicketEvent:
    """A ticket event, every declared field checked (raises ``Rejected`` naming the fault)."""
    values = check(doc, fields)
    return TicketEvent(event_id, type_, kind, ts_ms, values["ticket_id"], values.get("queue"),
                       values.get("channel") or DEFAULT_CHANNEL, values.get("priority"),
                       values.get("category"), values.get("author") or "",
                       values.get("visibility") != INTERNAL, values.get("status") or "",
                       values.get("agent_id"), values.get("opened_by") == AGENT)


# (kind, description, fields beyond the common ones, example fields)
TICKET_TYPES: tuple[tuple[str, str, tuple[FieldSpec, ...], dict[str, Any]], ...] = (
    (CREATED, "A ticket is opened (status `new`): its first-reply and resolution clocks "
     "start.", (QUEUE.described("The queue (group) the ticket is in."), CHANNEL,
                PRIORITY, CATEGORY, OPENED_BY,
                name_field("requester", "Who asked (an address or handle).",
                           required=False)),
     {"ts": "2026-11-22T09:00:00+01:00", "queue": "billing", "channel": "email",
      "priority": "high", "category": "refund", "customer_id": "c-981",
      "requester": "ana@example.com"}),
    (REPLIED, "A comment on the ticket: from the customer, an agent or a bot, public or "
     "an internal note.", (AUTHOR, VISIBILITY, AGENT_ID),
     {"ts": "2026-11-22T09:40:00+01:00", "author": "agent", "visibility": "public",
      "agent_id": "a-12"}),
    (STATUS_CHANGED, "The ticket's status changes (solved: resolved; closed: final, no "
     "reopen).", (STATUS,), {"ts": "2026-11-22T09:41:00+01:00", "status": "pending"}),
    (ASSIGNED, "An agent takes the ticket (with `queue`: moved to that queue).",
     (AGENT_ID.described("The agent who takes the ticket.").optional(),
      QUEUE.described("The queue the ticket moves to (optional).").optional()),
     {"ts": "2026-11-22T09:35:00+01:00", "agent_id": "a-12"}),
    (REOPENED, "A solved ticket is opened again (the customer wrote back).", (),
     {"ts": "2026-11-23T11:00:00+01:00"}),
    (PRIORITY_CHANGED, "The ticket's priority changes; later measures count under the new "
     "one.", (FieldSpec("priority", CHOICE, True, "The new priority.", PRIORITIES),),
     {"ts": "2026-11-22T09:10:00+01:00", "priority": "urgent"}),
    (CATEGORY_CHANGED, "The ticket is filed under another category.",
     (name_field("category", "The new category."),),
     {"ts": "2026-11-22T09:12:00+01:00", "category": "billing-error"}),
)
