"""Producing simulated traffic to Kafka in real time."""

from __future__ import annotations

import asyncio
import logging
import time

from ccpulse.sources.producer import EventProducer
from ccpulse.sources.simulation import QueueModel, Simulation

log = logging.getLogger(__name__)


async def simulate(producer: EventProducer, queues: tuple[QueueModel, ...], calls_per_s: float,
                   seed: int, duration_s: float | None = None) -> int:
    """Send events as their simulated time comes; returns how many were sent."""
    start_s = time.time()
    sent = 0
    async with producer:
        for at_s, doc in Simulation(queues, calls_per_s, seed, start_s):
            if duration_s is not None and at_s - start_s > duration_s:
                break
            delay = at_s - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send(doc)
            sent += 1
            if sent % 5000 == 0:
                log.info("simulator: %d events sent", sent)
    return sent
