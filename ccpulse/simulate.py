"""Producing simulated traffic to Kafka in real time."""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from aiokafka import AIOKafkaProducer

from ccpulse.settings import Settings
from ccpulse.simulation import QueueModel, Simulation
from stream.topics import ensure_topics

log = logging.getLogger(__name__)


async def simulate(settings: Settings, queues: tuple[QueueModel, ...], calls_per_s: float,
                   seed: int, duration_s: float | None = None) -> int:
    """Send events as their simulated time comes; returns how many were sent."""
    await ensure_topics(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20)
    await producer.start()
    start_s = time.time()
    sent = 0
    try:
        for at_s, doc in Simulation(queues, calls_per_s, seed, start_s):
            if duration_s is not None and at_s - start_s > duration_s:
                break
            delay = at_s - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            key = doc.get("contact_id") or doc["agent_id"]
            await producer.send(settings.calls_topic, orjson.dumps(doc), key=key.encode())
            sent += 1
            if sent % 5000 == 0:
                log.info("simulator: %d events sent", sent)
        await producer.flush()
    finally:
        await producer.stop()
    return sent
