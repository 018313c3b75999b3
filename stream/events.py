"""The event model: decoding and validating contact events from raw bytes.

Decoding never raises anything but :class:`Rejected`, whose ``reason`` is one of
a small fixed set (it becomes a metric label) and whose ``detail`` says exactly
what was wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from windows.agents import AGENT_KINDS, LOGIN, LOGOUT, PAUSE, UNPAUSE
from windows.errors import CcpulseError

TYPES: dict[str, str] = {
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
CHANNELS = frozenset({"voice", "chat", "email", "ticket", "sms", "social", "video", "callback"})
MAX_NAME_LENGTH = 200
MAX_TS_MS = 2**53



class Rejected(CcpulseError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class Event:  # not frozen: a frozen dataclass costs ~1 µs more per event to build
    event_id: str
    type: str
    kind: str
    ts_ms: int
    contact_id: str
    queue: str
    channel: str
    agent_id: str | None = None
    to_queue: str | None = None
    handle_ms: int = 0


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
    """Validate an already-parsed event document."""
    if not isinstance(doc, dict):
        raise Rejected("not_an_object", f"an event is a JSON object, got {_type(doc)}")
    type_ = _text(doc, "type")
    kind = TYPES.get(type_)
    if kind is None:
        raise Rejected("unknown_type", f"type {type_!r} is not one of {sorted(TYPES)}")
    if "ts" not in doc:
        raise Rejected("missing_field", "ts is required")
    ts_ms = parse_ts_ms(doc["ts"])
    if ts_ms > now_ms + future_tolerance_ms:
        ahead_s = (ts_ms - now_ms) / 1000
        raise Rejected("ts_in_future", f"ts is {ahead_s:.0f} s ahead of the clock")
    channel = _text(doc, "channel")
    if channel not in CHANNELS:
        raise Rejected("unknown_channel", f"channel {channel!r} is not one of {sorted(CHANNELS)}")
    if kind in AGENT_KINDS:
        agent_id: str | None = _text(doc, "agent_id")
        contact_id = str(doc.get("contact_id") or agent_id)
    else:
        agent_id = doc.get("agent_id")
        if agent_id is not None and not isinstance(agent_id, str):
            raise Rejected("wrong_type", f"agent_id must be a string, got {_type(agent_id)}")
        contact_id = _text(doc, "contact_id")
    return Event(
        event_id=_text(doc, "event_id"),
        type=type_,
        kind=kind,
        ts_ms=ts_ms,
        contact_id=contact_id,
        queue=_text(doc, "queue"),
        channel=channel,
        agent_id=agent_id,
        to_queue=_text(doc, "to_queue") if kind == "transferred" else None,
        handle_ms=_handle_ms(doc) if kind == "ended" else 0,
    )


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
    total = 0.0
    for name in ("talk_s", "hold_s", "wrap_s"):
        value = doc.get(name, 0)
        if name == "talk_s" and name not in doc:
            raise Rejected("missing_field", "talk_s is required on call.ended")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected("wrong_type", f"{name} must be a number, got {_type(value)}")
        if not math.isfinite(value):
            raise Rejected("wrong_type", f"{name} must be finite")
        if value < 0:
            raise Rejected("negative_duration", f"{name} is {value}")
        total += value
    return round(total * 1000)


def _type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)
