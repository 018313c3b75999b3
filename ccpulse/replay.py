"""Replaying recorded events into Kafka, as fast as possible or N times real time.

Run the worker with ``CCPULSE_CLOCK=event`` so that windows follow the data's own
time rather than today's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from ccpulse.settings import Settings
from stream.events import Rejected, parse_ts_ms
from stream.topics import ensure_topics

log = logging.getLogger(__name__)
PROGRESS_EVERY = 20_000


@dataclass(frozen=True, slots=True)
class Recorded:
    """One recorded event as it will be sent: key, bytes and (if readable) its time."""

    key: bytes | None
    value: bytes
    ts_ms: int | None


def from_document(doc: dict[str, Any]) -> Recorded:
    return Recorded(str(doc["contact_id"]).encode(), orjson.dumps(doc), int(doc["ts"]))


def from_line(raw: bytes) -> Recorded:
    """A JSON line as recorded; an unreadable one is still sent, to be dead-lettered."""
    value = raw.rstrip(b"\r\n")
    try:
        doc = orjson.loads(value)
        key = str(doc["contact_id"]).encode()
        ts_ms: int | None = parse_ts_ms(doc["ts"])
    except (orjson.JSONDecodeError, KeyError, TypeError, Rejected):
        return Recorded(None, value, None)
    return Recorded(key, value, ts_ms)


async def replay(settings: Settings, records: Sequence[Recorded], speed: float | None) -> int:
    """Send records in order; with ``speed`` N, keep N times their original pace."""
    if not records:
        return 0
    await ensure_topics(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20,
                                max_batch_size=256 * 1024)
    await producer.start()
    first_ms = next((r.ts_ms for r in records if r.ts_ms is not None), 0)
    started = time.monotonic()
    try:
        for sent, record in enumerate(records, start=1):
            if speed and record.ts_ms is not None:
                due = (record.ts_ms - first_ms) / 1000 / speed
                delay = due - (time.monotonic() - started)
                if delay > 0:
                    await asyncio.sleep(delay)
            await producer.send(settings.calls_topic, record.value, key=record.key)
            if sent % PROGRESS_EVERY == 0:
                elapsed = time.monotonic() - started
                log.info("replay: %d of %d events sent (%.0f/s)", sent, len(records),
                         sent / elapsed)
        await producer.flush()
    finally:
        await producer.stop()
    log.info("replay: all %d events sent in %.1f s", len(records), time.monotonic() - started)
    return len(records)
