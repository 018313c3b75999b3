"""The event model: decoding and validating contact events from raw bytes.

Decoding never raises anything but :class:`Rejected`, whose ``reason`` is one of
a small fixed set (it becomes a metric label) and whose ``detail`` says exactly
what was wrong.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Final

import orjson

from windows.agents import AGENT_KINDS, LOGIN, LOGOUT, PAUSE, UNPAUSE
from windows.errors import CcpulseError
from windows.event import Event

__all__ = ["Event", "Rejected", "decode", "from_document", "parse_ts_ms"]

TYPES: Final[dict[str, str]] = {
    "call.queued": "queued",
    "call.answered": "answered",
    "call.abandoned": "abandoned",
    "call.transferred": "transferred",
    "call.ended": "ended",
    "agent.login": LOGIN,
    "agent.logout": LOGOUT,
    "agent.pause": PAUSE,
    "agent.unpause": UNPAUSE,
}
CHANNELS: Final = frozenset({"voice", "chat", "email", "ticket", "sms", "social", "video",
                             "callback"})
MAX_NAME_LENGTH: Final = 200
MAX_TS_MS: Final = 2**53
MAX_DURATION_S: Final = 1e12  # finite, and far beyond any real talk, hold or wrap time


class Rejected(CcpulseError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_ts_ms(value: object) -> int:
    """Epoch milliseconds from an integer, or from ISO-8601 text with an offset."""
    if isinstance(value, bool):
        raise Rejected("bad_timestamp", "ts must be epoch milliseconds or ISO-8601, not a boolean")
    if isinstance(value, int):
        if not 0 <= value < MAX_TS_MS:
            raise Rejected("bad_timestamp", f"ts {value} is out of range for epoch milliseconds")
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Rejected("bad_timestamp", f"ts {value!r} is not ISO-8601") from None
        if parsed.tzinfo is None:
            raise Rejected("bad_timestamp", f"ts {value!r} has no UTC offset")
        return round(parsed.timestamp() * 1000)
    raise Rejected("bad_timestamp", f"ts must be an integer or a string, got {_type(value)}")


def decode(raw: bytes | None, now_ms: int, future_tolerance_ms: int) -> Event:
    """Decode one event, or raise :class:`Rejected` with the exact reason."""
    if raw is None:
        raise Rejected("malformed_json", "the message has no value")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Rejected("malformed_json", str(exc)) from None
    return from_document(doc, now_ms, future_tolerance_ms)


def from_document(doc: object, now_ms: int, future_tolerance_ms: int) -> Event:
    """Validate an already-parsed event document.

    The common case (integer ``ts``, short printable names) is checked inline; any
    doubt falls back to the field-by-field checks that name the exact fault."""
    if not isinstance(doc, dict):
        raise Rejected("not_an_object", f"an event is a JSON object, got {_type(doc)}")
    type_: Any = doc.get("type")  # values are checked below, so typed as Any
    kind = TYPES.get(type_) if type(type_) is str else None
    if kind is None:
        raise Rejected("unknown_type", f"type {_text(doc, 'type')!r} is not one of {sorted(TYPES)}")
    ts_ms: Any = doc.get("ts")
    if type(ts_ms) is not int or not 0 <= ts_ms < MAX_TS_MS:
        if "ts" not in doc:
            raise Rejected("missing_field", "ts is required")
        ts_ms = parse_ts_ms(ts_ms)
    if ts_ms > now_ms + future_tolerance_ms:
        ahead_s = (ts_ms - now_ms) / 1000
        raise Rejected("ts_in_future", f"ts is {ahead_s:.0f} s ahead of the clock")
    channel: Any = doc.get("channel")
    if type(channel) is not str or channel not in CHANNELS:
        raise Rejected("unknown_channel",
                       f"channel {_text(doc, 'channel')!r} is not one of {sorted(CHANNELS)}")
    event_id: Any = doc.get("event_id")
    queue: Any = doc.get("queue")
    agent_id: Any = doc.get("agent_id")
    contact_id: Any
    if kind in AGENT_KINDS:
        agent_id = _text(doc, "agent_id")
        contact_id = str(doc.get("contact_id") or agent_id)
    else:
        if agent_id is not None and type(agent_id) is not str:
            raise Rejected("wrong_type", f"agent_id must be a string, got {_type(agent_id)}")
        contact_id = doc.get("contact_id")
    if not (type(event_id) is str and type(contact_id) is str and type(queue) is str
            and 0 < len(event_id) <= MAX_NAME_LENGTH and 0 < len(contact_id) <= MAX_NAME_LENGTH
            and 0 < len(queue) <= MAX_NAME_LENGTH
            and (event_id + contact_id + queue).isprintable()):
        event_id = _text(doc, "event_id")
        if kind not in AGENT_KINDS:  # an agent event's contact id is its agent's
            contact_id = _text(doc, "contact_id")
        queue = _text(doc, "queue")
    return Event(event_id, type_, kind, ts_ms, contact_id, queue, channel, agent_id,
                 _text(doc, "to_queue") if kind == "transferred" else None,
                 _handle_ms(doc) if kind == "ended" else 0)


def _text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if type(value) is str and 0 < len(value) <= MAX_NAME_LENGTH and value.isprintable():
        return value  # the common case, checked in one go
    if value is None:
        raise Rejected("missing_field", f"{name} is required")
    if not isinstance(value, str):
        raise Rejected("wrong_type", f"{name} must be a string, got {_type(value)}")
    if not value or len(value) > MAX_NAME_LENGTH or not value.isprintable():
        raise Rejected("wrong_type",
                       f"{name} must be 1 to {MAX_NAME_LENGTH} printable characters")
    return value


def _handle_ms(doc: dict[str, Any]) -> int:
    talk: Any = doc.get("talk_s")
    hold: Any = doc.get("hold_s", 0)
    wrap: Any = doc.get("wrap_s", 0)
    if _duration(talk) and _duration(hold) and _duration(wrap):
        total: float = talk + hold + wrap
        if total <= MAX_DURATION_S:
            return round(total * 1000)
    for name in ("talk_s", "hold_s", "wrap_s"):  # say what is wrong
        value = doc.get(name, 0)
        if name == "talk_s" and name not in doc:
            raise Rejected("missing_field", "talk_s is required on call.ended")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected("wrong_type", f"{name} must be a number, got {_type(value)}")
        if not math.isfinite(value):
            raise Rejected("wrong_type", f"{name} must be finite")
        if value < 0:
            raise Rejected("negative_duration", f"{name} is {value}")
    raise Rejected("wrong_type", f"talk_s + hold_s + wrap_s must be at most {MAX_DURATION_S:g}")


def _duration(value: object) -> bool:
    """A plain (not boolean) finite number of seconds, not negative."""
    if type(value) is int:
        return 0 <= value <= MAX_DURATION_S
    return type(value) is float and 0 <= value <= MAX_DURATION_S


def _type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)
