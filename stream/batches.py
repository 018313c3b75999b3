"""Sending many keyed events at once: packed per partition, in whole record batches.

A worker derives thousands of events per batch it folds. Each one sent as its own
record would cost its own JSON document, record, future and accumulator lookup,
and its own fetch and decoding where it is consumed. Here the events for one
partition go out as *packs*: records whose value is a JSON list of events (up to
``MAX_PACK_EVENTS`` and about ``MAX_PACK_BYTES`` each, with no key), decoded
event by event where they are consumed (see :mod:`ccpulse.stream.codec`).
Partitions are chosen as Kafka's default partitioner chooses them for a key
(murmur2 of the key over the topic's partitions), so a derived event lands where
its entity's other events land, in the order given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, NamedTuple

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from ccpulse.stream.codec import MAX_PACK_EVENTS
from ccpulse.windows.domain import Derived

MAX_CACHED_KEYS: Final = 100_000
MAX_PACK_BYTES: Final = 128 << 10  # a larger pack is split (an event that large goes alone)


class Packer:
    """Splits events into packs, learning how many fit: each pack is written once at the
    length the events' sizes so far suggest, and again (shorter) only if it came out
    too large, so that each event's JSON is written about once."""

    def __init__(self, max_events: int = MAX_PACK_EVENTS, max_bytes: int = MAX_PACK_BYTES) -> None:
        self.max_events = max_events
        self.max_bytes = max_bytes
        self.size = max_events  # events per pack, as learned

    def packs(self, events: list[dict[str, Any]]) -> Iterator[bytes]:
        """The events as JSON lists, in order: each at most ``max_events`` long and at
        most ``max_bytes`` large (or holding one event)."""
        start = 0
        while start < len(events):
            part = events[start:start + self.size]
            value = orjson.dumps(part)
            fits = len(value) <= self.max_bytes
            if fits or len(part) == 1:
                yield value
                start += len(part)
            # as many events as nine tenths of the limit holds at this pack's bytes per
            # event (a smaller pack, if it did not fit, so that this loop ends)
            estimate = len(part) * self.max_bytes * 9 // (10 * max(len(value), 1))
            if fits:
                if len(part) == self.size:  # a full pack: its size may grow
                    self.size = max(self.size, min(self.max_events, estimate))
            elif len(part) > 1:
                self.size = max(1, min(len(part) - 1, estimate))


def packs(events: list[dict[str, Any]], max_events: int = MAX_PACK_EVENTS,
          max_bytes: int = MAX_PACK_BYTES) -> Iterator[bytes]:
    """The events as JSON lists, in order, within the limits (see :class:`Packer`)."""
    return Packer(max_events, max_bytes).packs(events)


class Sent(NamedTuple):
    futures: list[asyncio.Future[Any]]  # of the batches, each done once acknowledged
    partitions: set[tuple[str, int]]  # (topic name, partition) each event went to
    events: int  # how many


class BatchSender:
    def __init__(self) -> None:
        self._hashes: dict[str, int] = {}  # key -> its positive murmur2 hash
        self._packer = Packer()

    def _hash(self, key: str) -> int:
        known = self._hashes.get(key)
        if known is None:
            if len(self._hashes) >= MAX_CACHED_KEYS:
                self._hashes.clear()
            known = self._hashes[key] = murmur2(key.encode()) & 0x7FFFFFFF
        return known

    async def send(self, producer: AIOKafkaProducer, events: Sequence[Derived],
                   topic_name: Callable[[str], str]) -> Sent:
        """Queue every event, packed, in order within each partition, to the topic
        ``topic_name`` gives its own; returns the futures of their batches (each done
        when the broker has acknowledged it) and the partitions they go to."""
        partitions: dict[str, tuple[str, list[int]]] = {}  # topic -> (its name, partitions)
        groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for event in events:
            known = partitions.get(event.topic)
            if known is None:
                name = topic_name(event.topic)
                known = partitions[event.topic] = (
                    name, sorted(await producer.partitions_for(name)))
            name, numbers = known
            target = (name, numbers[self._hash(event.key) % len(numbers)])
            group = groups.get(target)
            if group is None:
                group = groups[target] = []
            group.append(event.doc)
        futures = []
        for (topic, partition), docs in groups.items():
            batch = producer.create_batch()
            for value in self._packer.packs(docs):
                if batch.append(key=None, value=value, timestamp=None) is None:  # full
                    futures.append(await _send_closed(producer, batch, topic, partition))
                    batch = producer.create_batch()
                    if batch.append(key=None, value=value, timestamp=None) is None:
                        raise ValueError(f"a {len(value)}-byte pack does not fit in a batch")
            futures.append(await _send_closed(producer, batch, topic, partition))
        return Sent(futures, set(groups), len(events))


async def _send_closed(producer: AIOKafkaProducer, batch: Any, topic: str,
                       partition: int) -> asyncio.Future[Any]:
    """Queue a batch that is complete: closed, it goes with the producer's next request
    rather than waiting out the linger time for more records."""
    batch.close()
    future: asyncio.Future[Any] = await producer.send_batch(batch, topic, partition=partition)
    return future
