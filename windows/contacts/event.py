"""Contact lifecycle events (``call.*``, and ``chat.*`` queue events): the event class
and its decoder."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.events import (
    MAX_DURATION_S,
    MAX_NAME_LENGTH,
    Event,
    channel,
    optional_text,
    seconds_ms,
    text,
)

QUEUED: Final = "queued"
ANSWERED: Final = "answered"
ABANDONED: Final = "abandoned"
TRANSFERRED: Final = "transferred"
ENDED: Final = "ended"
UNMEASURED: Final = -1  # an end with no durations: handle time is its time in service


class ContactEvent(Event):
    __slots__ = ("agent_id", "channel", "contact_id", "customer_id", "handle_ms", "queue",
                 "to_queue")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, domain: int,
                 contact_id: str, queue: str, channel: str, agent_id: str | None = None,
                 to_queue: str | None = None, handle_ms: int = UNMEASURED,
                 customer_id: str | None = None) -> None:
        super().__init__(event_id, type_, kind, ts_ms, domain)
        self.contact_id = contact_id
        self.queue = queue
        self.channel = channel
        self.agent_id = agent_id
        self.to_queue = to_queue
        self.handle_ms = handle_ms
        self.customer_id = customer_id


def decode_contact(doc: dict[str, Any], type_: str, kind: str, event_id: str, ts_ms: int,
                   key_field: str, plain: bool = False) -> ContactEvent:
    """A contact event; the common case (short printable names) is checked inline, any
    doubt falls back to the field-by-field checks that name the exact fault. ``plain``:
    the record holds no control character, so names need no character check."""
    ch: Any = doc.get("channel")
    if type(ch) is not str or ch not in ("voice", "chat"):
        ch = channel(doc)
    contact_id: Any = doc.get(key_field)
    queue: Any = doc.get("queue")
    if not (type(contact_id) is str and type(queue) is str
            and 0 < len(contact_id) <= MAX_NAME_LENGTH and 0 < len(queue) <= MAX_NAME_LENGTH
            and (plain or (contact_id.isprintable() and queue.isprintable()))):
        contact_id = text(doc, key_field)
        queue = text(doc, "queue")
    agent_id: Any = doc.get("agent_id")
    if agent_id is not None and (type(agent_id) is not str or not 0 < len(agent_id)
                                 <= MAX_NAME_LENGTH or not (plain or agent_id.isprintable())):
        agent_id = text(doc, "agent_id")
    customer_id: str | None = None
    if "customer_id" in doc:
        customer_id = optional_text(doc, "customer_id")
    if "exit_reason" in doc:  # informative only, but checked like any declared field
        optional_text(doc, "exit_reason")
    to_queue: str | None = None
    handle_ms = UNMEASURED
    if kind == TRANSFERRED:
        to_queue = text(doc, "to_queue")
    elif kind == ENDED:
        handle_ms = _handle_ms(doc)
    return ContactEvent(event_id, type_, kind, ts_ms, 0, contact_id, queue, ch, agent_id,
                        to_queue, handle_ms, customer_id)


def _handle_ms(doc: dict[str, Any]) -> int:
    """talk + hold + wrap-up, or UNMEASURED when none of them is given."""
    talk: Any = doc.get("talk_s")
    hold: Any = doc.get("hold_s", 0)
    wrap: Any = doc.get("wrap_s", 0)
    if (type(talk) is int or type(talk) is float) and _plain(hold) and _plain(wrap) \
            and talk >= 0 and hold >= 0 and wrap >= 0:
        total: float = talk + hold + wrap
        if total <= MAX_DURATION_S:
            return round(total * 1000)
    if talk is None and "hold_s" not in doc and "wrap_s" not in doc:
        return UNMEASURED
    total_ms = 0
    for name in ("talk_s", "hold_s", "wrap_s"):  # says exactly what is wrong
        total_ms += seconds_ms(doc, name, 0.0)
    return total_ms


def _plain(value: object) -> bool:
    """A plain (not boolean) number."""
    return type(value) is int or type(value) is float
