"""From a consumed record's bytes to a validated event, through the registry."""

from __future__ import annotations

from orjson import JSONDecodeError, loads

from ccpulse.windows.events import Event, Rejected
from ccpulse.windows.registry import Registry

__all__ = ["Event", "Rejected", "decode"]


def decode(raw: bytes | None, registry: Registry, now_ms: int, future_tolerance_ms: int,
           max_bytes: int = 1 << 20) -> Event:
    """Decode one event, or raise :class:`Rejected` with the exact reason."""
    if raw is None:
        raise Rejected("malformed_json", "the message has no value")
    if len(raw) > max_bytes:
        raise Rejected("record_too_large", f"{len(raw)} bytes, more than {max_bytes}")
    try:
        doc = loads(raw)  # a name of this module: cheaper than orjson's attribute
    except JSONDecodeError as exc:
        raise Rejected("malformed_json", str(exc)) from None
    return registry.decode(doc, now_ms, future_tolerance_ms)
