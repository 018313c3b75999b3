"""A validated event, as the engine consumes it (``stream.events`` decodes and checks
the raw message into one)."""

from __future__ import annotations


class Event:
    """A validated event. A plain class with ``__slots__`` rather than a dataclass:
    one is built per event, and this is the cheapest kind to build, compiled or not."""

    __slots__ = ("agent_id", "channel", "contact_id", "event_id", "handle_ms", "kind",
                 "queue", "to_queue", "ts_ms", "type")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, contact_id: str,
                 queue: str, channel: str, agent_id: str | None = None,
                 to_queue: str | None = None, handle_ms: int = 0) -> None:
        self.event_id = event_id
        self.type = type_
        self.kind = kind
        self.ts_ms = ts_ms
        self.contact_id = contact_id
        self.queue = queue
        self.channel = channel
        self.agent_id = agent_id
        self.to_queue = to_queue
        self.handle_ms = handle_ms

    def __repr__(self) -> str:
        return (f"Event({self.type} {self.event_id} contact={self.contact_id} "
                f"queue={self.queue} channel={self.channel} ts_ms={self.ts_ms})")
