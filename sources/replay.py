"""Replaying recorded events into Kafka, as fast as possible or N times real time.

Run the worker with ``CCPULSE_CLOCK=event`` so that windows follow the data's own
time rather than today's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from ccpulse.sources.producer import EventProducer, Routed

log = logging.getLogger(__name__)
PROGRESS_EVERY = 20_000


async def replay(producer: EventProducer, records: Sequence[Routed], speed: float | None) -> int:
    """Send records in order; with ``speed`` N, keep N times their original pace."""
    if not records:
        return 0
    first_ms = next((r.ts_ms for r in records if r.ts_ms is not None), 0)
    started = time.monotonic()
    async with producer:
        for sent, record in enumerate(records, start=1):
            if speed and record.ts_ms is not None:
                due = (record.ts_ms - first_ms) / 1000 / speed
                delay = due - (time.monotonic() - started)
                if delay > 0:
                    await asyncio.sleep(delay)
            await producer.send_routed(record)
            if sent % PROGRESS_EVERY == 0:
                elapsed = time.monotonic() - started
                log.info("replay: %d of %d events sent (%.0f/s)", sent, len(records),
                         sent / elapsed)
    log.info("replay: all %d events sent in %.1f s", len(records), time.monotonic() - started)
    return len(records)
