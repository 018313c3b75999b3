"""Sending many keyed events at once: grouped by partition into whole record batches.

A worker derives thousands of events per batch it folds. Handing them to the
producer one by one costs a future, a partitioner call and an accumulator lookup
each; here each partition's events go out as a few record batches. Partitions are
chosen as Kafka's default partitioner chooses them for a key (murmur2 of the key
over the topic's partitions), so a derived event lands where its entity's other
events land.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

MAX_CACHED_KEYS = 100_000

Message = tuple[str, bytes, bytes]  # topic, key, value


class BatchSender:
    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}  # key -> its positive murmur2 hash

    def _hash(self, key: bytes) -> int:
        known = self._hashes.get(key)
        if known is None:
            if len(self._hashes) >= MAX_CACHED_KEYS:
                self._hashes.clear()
            known = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return known

    async def send(self, producer: AIOKafkaProducer,
                   messages: Sequence[Message]) -> list[asyncio.Future[Any]]:
        """Queue every message, in order within each partition; returns the futures of
        their batches (each done when the broker has acknowledged it)."""
        partitions: dict[str, list[int]] = {}
        groups: dict[tuple[str, int], list[tuple[bytes, bytes]]] = {}
        for topic, key, value in messages:
            numbers = partitions.get(topic)
            if numbers is None:
                numbers = partitions[topic] = sorted(await producer.partitions_for(topic))
            target = numbers[self._hash(key) % len(numbers)]
            groups.setdefault((topic, target), []).append((key, value))
        futures = []
        for (topic, partition), items in groups.items():
            batch = producer.create_batch()
            for key, value in items:
                if batch.append(key=key, value=value, timestamp=None) is None:  # full
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    if batch.append(key=key, value=value, timestamp=None) is None:
                        raise ValueError(f"a {len(value)}-byte event does not fit in a batch")
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        return futures
