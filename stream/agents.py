"""The Faust agents: thin glue between consumed batches and the processor."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import faust
import redis
from faust.types import TP
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ccpulse.settings import Settings
from stream.processor import DeadLetter, Processor, Record
from stream.redis_store import RedisStore
from windows.clock import clock_factory

log = logging.getLogger(__name__)


class WorkerMetrics:
    """The worker's own health, served at the worker's ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.batches = Counter("ccpulse_worker_batches", "Batches folded and saved",
                               registry=self.registry)
        self.records = Counter("ccpulse_worker_records", "Records consumed by this worker",
                               registry=self.registry)
        self.deadlettered = Counter("ccpulse_worker_deadlettered",
                                    "Records sent to the dead-letter topic",
                                    ["reason"], registry=self.registry)
        self.batch_seconds = Histogram("ccpulse_worker_batch_seconds",
                                       "Time to fold and save one batch",
                                       buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5),
                                       registry=self.registry)
        self.partitions = Gauge("ccpulse_worker_partitions", "Input partitions this worker owns",
                                registry=self.registry)


def install(app: faust.App, settings: Settings) -> Processor:
    """Declare the topics, agent, timer and rebalance hooks on ``app``."""
    client = redis.Redis.from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
    store = RedisStore(client, settings.redis_prefix)
    inputs = set(settings.input_topics)

    def highwater(topic: str, partition: int) -> int | None:
        try:
            return int(app.consumer.highwater(TP(topic, partition)))
        except Exception:  # not assigned, or no fetch yet
            return None

    processor = Processor(settings.engine_config(), store, clock_factory(settings.clock),
                          round(settings.future_tolerance_s * 1000), highwater)
    metrics = WorkerMetrics()
    lock = asyncio.Lock()
    topic = app.topic(*settings.input_topics, partitions=settings.partitions)
    deadletter = app.topic(settings.deadletter_topic, partitions=settings.partitions)

    async def send_deadletters(dead: Sequence[DeadLetter]) -> None:
        pending = []
        for item in dead:
            rec = item.record
            headers = [("reason", item.reason.encode()), ("detail", item.detail.encode()),
                       ("source", f"{rec.topic}:{rec.partition}:{rec.offset}".encode())]
            pending.append(await app.producer.send(
                settings.deadletter_topic, rec.key, rec.value, None, None, headers))
            metrics.deadlettered.labels(item.reason).inc()
        if pending:
            await asyncio.gather(*pending)

    async def fold_and_save(records: list[Record]) -> None:
        started = time.perf_counter()
        async with lock:
            dead = processor.fold(records)
            await send_deadletters(dead)
            await asyncio.to_thread(processor.save)
        metrics.batches.inc()
        metrics.records.inc(len(records))
        metrics.batch_seconds.observe(time.perf_counter() - started)

    @app.agent(topic, name="ccpulse.fold")
    async def fold(stream: faust.StreamT[Any]) -> None:
        async for events in stream.take_events(settings.batch_size, settings.batch_within_s):
            await fold_and_save([
                Record(e.message.topic, e.message.partition, e.message.offset,
                       e.message.key, e.message.value)
                for e in events
            ])

    @app.timer(settings.tick_s)
    async def tick() -> None:
        owned = [f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment()
                 if tp.topic in inputs]
        metrics.partitions.set(len(owned))
        async with lock:
            processor.tick(owned)
            await asyncio.to_thread(processor.save)

    @app.on_partitions_revoked.connect
    async def on_revoked(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        async with lock:
            processor.forget(f"{tp.topic}:{tp.partition}" for tp in revoked)

    @app.page("/metrics")
    async def worker_metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry),
                         content_type="text/plain; version=0.0.4")

    _ = (deadletter, fold, tick, on_revoked, worker_metrics)
    return processor


def run_worker(settings: Settings) -> None:
    from stream.app import create_app

    app = create_app(settings)
    install(app, settings)
    worker = faust.Worker(app, loglevel="INFO", quiet=True)
    worker.execute_from_commandline()
