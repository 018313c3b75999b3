"""From a consumed record's bytes to validated events, through the registry.

A record holds one event (a JSON object) or a *pack*: a JSON list of events, as a
worker sends the events it derives for another partition (one record per target
partition and batch, not one per event). Each event of a pack is decoded, applied
and, if refused, dead-lettered on its own.
"""

from __future__ import annotations

from typing import Any, Final

from orjson import JSONDecodeError, loads

from ccpulse.windows.events import Event, Rejected, control_free
from ccpulse.windows.registry import Registry

__all__ = ["MAX_PACK_EVENTS", "Event", "Pack", "Rejected", "decode", "decode_record"]

MAX_PACK_EVENTS: Final = 10_000  # events in one record; a longer list is refused whole


class Pack:
    """The events of one record that holds a list of them, each decoded or refused."""

    __slots__ = ("docs", "outcomes", "ts_ms")

    def __init__(self, docs: list[Any], outcomes: list[Event | Rejected]) -> None:
        self.docs = docs  # as parsed: a refused one is dead-lettered as itself
        self.outcomes = outcomes
        # its newest event's time (None: every event is refused)
        self.ts_ms: int | None = max([o.ts_ms for o in outcomes if isinstance(o, Event)],
                                     default=None)


def parse(raw: bytes | None, max_bytes: int) -> Any:
    if raw is None:
        raise Rejected("malformed_json", "the message has no value")
    if len(raw) > max_bytes:
        raise Rejected("record_too_large", f"{len(raw)} bytes, more than {max_bytes}")
    try:
        return loads(raw)  # a name of this module: cheaper than orjson's attribute
    except JSONDecodeError as exc:
        raise Rejected("malformed_json", str(exc)) from None


def decode(raw: bytes | None, registry: Registry, now_ms: int, future_tolerance_ms: int,
           max_bytes: int = 1 << 20) -> Event:
    """Decode one event, or raise :class:`Rejected` with the exact reason (a pack too)."""
    doc = parse(raw, max_bytes)
    assert raw is not None  # (parse refuses None)
    return registry.decode(doc, now_ms, future_tolerance_ms, control_free(raw))


def decode_record(raw: bytes | None, registry: Registry, now_ms: int, future_tolerance_ms: int,
                  max_bytes: int = 1 << 20) -> Event | Pack:
    """The record's event, or its pack; raises :class:`Rejected` for the whole record."""
    doc = parse(raw, max_bytes)
    assert raw is not None  # (parse refuses None)
    plain = control_free(raw)  # then no name needs its characters checked
    if type(doc) is not list:
        return registry.decode(doc, now_ms, future_tolerance_ms, plain)
    if not 0 < len(doc) <= MAX_PACK_EVENTS:
        raise Rejected("bad_pack", f"a pack holds 1 to {MAX_PACK_EVENTS} events, this one "
                       f"{len(doc)}")
    outcomes: list[Event | Rejected] = []
    for entry in doc:
        try:
            outcomes.append(registry.decode(entry, now_ms, future_tolerance_ms, plain))
        except Rejected as refused:
            outcomes.append(refused)
    return Pack(doc, outcomes)
