"""The one producer helper: which topic an event goes to, and its key.

Every source (the simulator, replays, the Asterisk feed, the benchmark) sends
through :class:`EventProducer`, which asks the registry for the event type's
topic and key field: a contact's events are keyed by contact id and an agent's
by agent id, so all of one entity's events stay in order on one partition. A
document that cannot be routed (unreadable, unknown type, no key) still goes to
the first input topic, without a key, so that the worker dead-letters it with
its reason rather than it vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.topics import ensure_all
from ccpulse.windows.registry import Registry


@dataclass(frozen=True, slots=True)
class Routed:
    """One event as it will be sent."""

    topic: str  # suffix, such as "calls"
    key: bytes | None
    value: bytes
    ts_ms: int | None  # its time, if readable (for pacing and time filters)


def route(registry: Registry, value: bytes, doc: Any = None) -> Routed:
    """Where ``value`` goes; ``doc`` is its parsed form, if already at hand."""
    if doc is None:
        try:
            doc = orjson.loads(value)
        except orjson.JSONDecodeError:
            doc = None
    if not isinstance(doc, dict):
        return Routed(registry.topics()[0], None, value, None)
    topic, key = registry.route(doc)
    try:
        ts_ms: int | None = registry_ts(doc)
    except ValueError:
        ts_ms = None
    return Routed(topic, None if key is None else key.encode(), value, ts_ms)


def registry_ts(doc: dict[str, Any]) -> int:
    from ccpulse.windows.events import Rejected, parse_ts_ms

    try:
        return parse_ts_ms(doc.get("ts"))
    except Rejected as exc:
        raise ValueError(exc.detail) from None


def routed(registry: Registry, doc: dict[str, Any]) -> Routed:
    return route(registry, orjson.dumps(doc), doc)


class EventProducer:
    """An aiokafka producer that knows where each event goes."""

    def __init__(self, kafka: KafkaConfig, topics: Topics, registry: Registry,
                 partitions: int = 4, linger_ms: int = 20,
                 max_batch_size: int = 256 * 1024) -> None:
        self.kafka = kafka
        self.topics = topics
        self.registry = registry
        self.partitions = partitions
        self.options = {**kafka.client_options(), "linger_ms": linger_ms,
                        "max_batch_size": max_batch_size}
        self._producer: AIOKafkaProducer | None = None

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the producer is not started")
        return self._producer

    async def start(self, create_topics: bool = True) -> None:
        """Create the topics that are missing, then connect (within the running loop)."""
        if create_topics:
            await ensure_all(self.kafka, self.topics, self.registry.topics(), self.partitions)
        self._producer = AIOKafkaProducer(**self.options)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def __aenter__(self) -> EventProducer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.producer.flush()
        finally:
            await self.stop()

    async def send(self, doc: dict[str, Any]) -> None:
        await self.send_routed(routed(self.registry, doc))

    async def send_routed(self, event: Routed) -> None:
        await self.producer.send(self.topics.name(event.topic), event.value, key=event.key)

    async def send_all(self, events: Iterable[Routed]) -> int:
        sent = 0
        for event in events:
            await self.send_routed(event)
            sent += 1
        await self.producer.flush()
        return sent

    async def flush(self) -> None:
        await self.producer.flush()
