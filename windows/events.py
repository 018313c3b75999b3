"""The event envelope, and the checks every domain's decoder shares.

Every event is a JSON object with ``event_id``, ``type`` and ``ts``; the rest of
it belongs to the domain that owns the type (see ``windows.registry``). Decoding
never raises anything but :class:`Rejected`, whose ``reason`` is one of a fixed
set (see ``windows.outcome``; it becomes a metric label) and whose ``detail``
says exactly what was wrong.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Final

from ccpulse.errors import CcpulseError

MAX_NAME_LENGTH: Final = 200
# the newest time any calendar arithmetic can place: 9999-12-30T00:00:00Z
MAX_TS_MS: Final = 253_402_128_000_000
MAX_DURATION_S: Final = 1e12  # finite, and far beyond any real talk, hold or wrap time
# ISO-8601 text: years 1971 to 9998 (so that every offset stays within 0..MAX_TS_MS),
# fields within their ranges, a fraction of at most 6 digits and a UTC offset
ISO_TS_PATTERN: Final = (
    r"^(197[1-9]|19[89]\d|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])"
    r"-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")
ISO_TS: Final = re.compile(ISO_TS_PATTERN)
CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f]")
CHANNELS: Final = frozenset({"voice", "chat", "email", "ticket", "sms", "social", "video",
                             "callback", "web", "messaging"})


class Rejected(CcpulseError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Event:
    """What every decoded event has. A plain class with ``__slots__`` rather than a
    dataclass: one is built per event, and this is the cheapest kind to build,
    compiled or not. Domains add their own fields in subclasses."""

    __slots__ = ("domain", "event_id", "kind", "ts_ms", "type")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, domain: int) -> None:
        self.event_id = event_id
        self.type = type_
        self.kind = kind
        self.ts_ms = ts_ms
        self.domain = domain  # index of the owning domain in the registry

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type} {self.event_id} ts_ms={self.ts_ms})"


def parse_ts_ms(value: object) -> int:
    """Epoch milliseconds from an integer, or from ISO-8601 text with a UTC offset."""
    if isinstance(value, bool):
        raise Rejected("bad_timestamp", "ts must be epoch milliseconds or ISO-8601, not a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1.7e12 is the integer it spells, as in JSON Schema
    if isinstance(value, int):
        if not 0 <= value <= MAX_TS_MS:
            raise Rejected("bad_timestamp", f"ts {value} is out of range (0 to {MAX_TS_MS})")
        return value
    if isinstance(value, str):
        if ISO_TS.match(value) is None:
            shown = value[:40]
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?", value):
                raise Rejected("bad_timestamp", f"ts {shown!r} has no UTC offset")
            raise Rejected("bad_timestamp", f"ts {shown!r} is not ISO-8601 "
                           "(YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or +HH:MM, years 1971-9998)")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise Rejected("bad_timestamp", f"ts {value!r} is not a real time ({exc})") from None
        ts_ms = round(parsed.timestamp() * 1000)
        if not 0 <= ts_ms <= MAX_TS_MS:
            raise Rejected("bad_timestamp", f"ts {value!r} is out of range")
        return ts_ms
    raise Rejected("bad_timestamp",
                   f"ts must be a whole number or a string, got {type_name(value)}")


def control_free(raw: bytes) -> bool:
    """Whether no string of this JSON text can hold a control character: JSON writes
    U+0000 to U+001F only escaped (after a backslash), and U+007F to U+009F are the
    byte 0x7F and the UTF-8 sequences that start with 0xC2. A record without either is
    *plain*: its names need no character check (see :func:`is_name`)."""
    # needles as ints: a bytes needle is first tried as an int, which raises and is caught
    return 0x5C not in raw and 0x7F not in raw and 0xC2 not in raw  # \\, DEL, C1's lead


def is_name(value: object, max_length: int = MAX_NAME_LENGTH, plain: bool = False) -> bool:
    """A name: 1 to 200 characters, none of them a control character (U+0000 to U+001F,
    U+007F to U+009F); printable text is the common case, checked in one go. ``plain``:
    the value comes from a record that holds no control character (:func:`control_free`),
    so only its type and length are checked."""
    return (type(value) is str and 0 < len(value) <= max_length
            and (plain or value.isprintable() or CONTROL.search(value) is None))


def text(doc: dict[str, Any], name: str) -> str:
    """A required name (see :func:`is_name`)."""
    value = doc.get(name)
    if is_name(value):
        assert isinstance(value, str)
        return value
    if value is None:
        raise Rejected("missing_field", f"{name} is required")
    if not isinstance(value, str):
        raise Rejected("wrong_type", f"{name} must be a string, got {type_name(value)}")
    raise Rejected("wrong_type",
                   f"{name} must be 1 to {MAX_NAME_LENGTH} characters without control characters")


def optional_text(doc: dict[str, Any], name: str) -> str | None:
    if doc.get(name) is None:
        return None
    return text(doc, name)


def choice(doc: dict[str, Any], name: str, allowed: frozenset[str], reason: str = "wrong_type",
           default: str | None = None) -> str:
    value = doc.get(name)
    if type(value) is str and value in allowed:
        return value
    if value is None:
        if default is not None:
            return default
        raise Rejected("missing_field", f"{name} is required")
    shown = value if isinstance(value, str) else type_name(value)
    raise Rejected(reason, f"{name} {shown!r} is not one of {sorted(allowed)}")


def channel(doc: dict[str, Any]) -> str:
    value = doc.get("channel")
    if type(value) is str and value in CHANNELS:
        return value
    if value is None:
        raise Rejected("missing_field", "channel is required")
    shown = value if isinstance(value, str) else type_name(value)
    raise Rejected("unknown_channel", f"channel {shown!r} is not one of {sorted(CHANNELS)}")


def seconds_ms(doc: dict[str, Any], name: str, default: float | None = None) -> int:
    """A duration in seconds (a plain finite number, not negative), as milliseconds."""
    value = doc.get(name)
    if value is None:
        if default is None:
            raise Rejected("missing_field", f"{name} is required")
        return round(default * 1000)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("wrong_type", f"{name} must be a number, got {type_name(value)}")
    if not math.isfinite(value) or value > MAX_DURATION_S:
        raise Rejected("wrong_type", f"{name} must be a finite number up to {MAX_DURATION_S:g}")
    if value < 0:
        raise Rejected("negative_duration", f"{name} is {value}")
    return round(value * 1000)


def integer(doc: dict[str, Any], name: str, low: int, high: int,
            default: int | None = None) -> int:
    value = doc.get(name)
    if value is None and default is not None:
        return default
    if value is None:
        raise Rejected("missing_field", f"{name} is required")
    if type(value) is not int:
        raise Rejected("wrong_type", f"{name} must be an integer, got {type_name(value)}")
    if not low <= value <= high:
        raise Rejected("out_of_range", f"{name} {value} is not between {low} and {high}")
    return value


def boolean(doc: dict[str, Any], name: str, default: bool = False) -> bool:
    value = doc.get(name)
    if value is None:
        return default
    if type(value) is not bool:
        raise Rejected("wrong_type", f"{name} must be true or false, got {type_name(value)}")
    return value


def type_name(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)
