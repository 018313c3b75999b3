"""The Faust side: a batch fetcher task, the folding agent, timers and rebalance hooks.

Records reach the agent a fetched batch at a time, grouped by partition, through
an in-memory Faust channel: the framework's work is per batch, not per event.
The fetcher is an aiokafka consumer in the group ``APP_ID-fold``; each batch is
folded and published before the next is fetched, so no batch is in flight while
the group rebalances. Where a partition resumes is its last checkpoint in Redis
(see ``stream.processor``); partitions given up are checkpointed first. The Kafka
commit that follows each save only keeps lag tools informed.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import faust
import redis
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ccpulse.settings import Settings
from stream.processor import DeadLetter, Processor, RecordLike
from stream.redis_store import RedisStore
from windows.clock import clock_factory

log = logging.getLogger(__name__)

Batch = Mapping[tuple[str, int], Sequence[RecordLike]]
GC_YOUNG_THRESHOLD = 50_000  # allocations between young collections (default 700)


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


def pid_of(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


class Ownership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Drops revoked partitions' state; resumes assigned ones where Redis says."""

    def __init__(self, processor: Processor, lock: asyncio.Lock) -> None:
        self.processor = processor
        self.lock = lock
        self.consumer: AIOKafkaConsumer | None = None

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pids = [pid_of(tp) for tp in revoked]
        async with self.lock:
            try:
                await asyncio.to_thread(self.processor.checkpoint, pids)
            except redis.RedisError as exc:  # the next owner folds again from the last one
                log.warning("could not checkpoint revoked partitions (%s)", exc)
            self.processor.forget(pids)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        async with self.lock:
            for tp in assigned:
                self.resume(tp)

    def resume(self, tp: TopicPartition) -> None:
        assert self.consumer is not None
        state = self.processor.state(pid_of(tp))
        self.consumer.seek(tp, state.offset + 1)  # 0 when nothing was applied yet


def install(app: faust.App, settings: Settings) -> Processor:
    """Declare the fetcher, agent, timer and worker metrics on ``app``."""
    client = redis.Redis.from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
    store = RedisStore(client, settings.redis_prefix)
    metrics = WorkerMetrics()
    lock = asyncio.Lock()
    lost_state = asyncio.Event()  # memory no longer matches Redis: resume from Redis
    consumer_box: list[AIOKafkaConsumer] = []

    def highwater(topic: str, partition: int) -> int | None:
        try:
            mark = consumer_box[0].highwater(TopicPartition(topic, partition))
        except (IndexError, AssertionError):  # no consumer yet, or no longer assigned
            return None
        return None if mark is None else int(mark)

    processor = Processor(settings.engine_config(), store, clock_factory(settings.clock),
                          round(settings.future_tolerance_s * 1000), highwater,
                          settings.checkpoint_s)
    ownership = Ownership(processor, lock)
    batches = app.channel()

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

    async def fold_and_save(batch: Batch) -> None:
        started = time.perf_counter()
        async with lock:
            dead = processor.fold(batch)
            await send_deadletters(dead)
            fenced = await asyncio.to_thread(processor.save)
            for pid in fenced:  # consume again from what the new owner stored
                topic, _, partition = pid.rpartition(":")
                tp = TopicPartition(topic, int(partition))
                if consumer_box and tp in consumer_box[0].assignment():
                    ownership.resume(tp)
        metrics.batches.inc()
        metrics.records.inc(sum(len(records) for records in batch.values()))
        metrics.batch_seconds.observe(time.perf_counter() - started)

    @app.agent(batches, name="ccpulse.fold")
    async def fold(stream: faust.StreamT[Any]) -> None:
        async for batch, done in stream.noack():
            try:
                await fold_and_save(batch)
            except Exception as exc:  # handed to the fetcher, which recovers
                done.set_exception(exc)
            else:
                done.set_result(None)

    async def recover(consumer: AIOKafkaConsumer) -> None:
        """Forget what is in memory; resume every partition from what Redis holds."""
        while True:
            await asyncio.sleep(1.0)
            async with lock:
                processor.forget(list(processor.states))
                try:
                    for tp in consumer.assignment():
                        ownership.resume(tp)
                    return
                except redis.RedisError as exc:
                    log.warning("Redis still unavailable (%s); retrying", exc)

    @app.task
    async def fetch() -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=f"{settings.app_id}-fold",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_bytes=32 * 1024 * 1024,
            fetch_max_wait_ms=round(settings.batch_within_s * 1000),
            session_timeout_ms=round(settings.session_timeout_s * 1000),
            heartbeat_interval_ms=round(min(1.0, settings.session_timeout_s / 4) * 1000),
        )
        ownership.consumer = consumer
        consumer.subscribe(list(settings.input_topics), listener=ownership)
        await consumer.start()
        consumer_box.append(consumer)
        tune_gc()
        loop = asyncio.get_running_loop()
        try:
            while True:
                if lost_state.is_set():
                    await recover(consumer)
                    lost_state.clear()
                fetched = await consumer.getmany(timeout_ms=round(settings.batch_within_s * 1000),
                                                 max_records=settings.batch_size)
                if not fetched:
                    continue
                batch = {(tp.topic, tp.partition): records for tp, records in fetched.items()}
                done: asyncio.Future[None] = loop.create_future()
                await batches.send(value=(batch, done))
                try:
                    await done
                except Exception:
                    log.exception("a batch could not be saved; reloading state from Redis")
                    await recover(consumer)
                    continue
                offsets = {tp: processor.states[pid_of(tp)].offset + 1 for tp in fetched
                           if pid_of(tp) in processor.states and tp in consumer.assignment()}
                if offsets:
                    await consumer.commit(offsets)
        finally:
            consumer_box.clear()
            async with lock:
                try:  # a clean stop leaves nothing to fold again
                    await asyncio.to_thread(processor.checkpoint, list(processor.states))
                except redis.RedisError as exc:
                    log.warning("could not checkpoint on the way out (%s)", exc)
            await consumer.stop()

    @app.timer(settings.tick_s)
    async def tick() -> None:
        owned = [pid_of(tp) for tp in consumer_box[0].assignment()] if consumer_box else []
        metrics.partitions.set(len(owned))
        async with lock:
            try:
                processor.tick(owned)
                await asyncio.to_thread(processor.save)
            except redis.RedisError as exc:
                # what was drained but not saved is gone from memory: reload it all
                log.warning("tick could not reach Redis (%s); state will be reloaded", exc)
                processor.forget(list(processor.states))
                lost_state.set()

    @app.page("/metrics")
    async def worker_metrics(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(metrics.registry),
                         content_type="text/plain; version=0.0.4")

    _ = (fold, fetch, tick, worker_metrics)
    return processor


def tune_gc() -> None:
    """Fewer, later garbage collections once the worker is up.

    A batch keeps its records and events alive until it is folded, so with the
    default threshold (700 allocations) they survive several young collections and
    are promoted, which then triggers full collections over every contact held.
    Objects created at start-up are frozen out of collection altogether."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 100)


def run_worker(settings: Settings) -> None:
    from ccpulse.native import describe
    from stream.app import create_app

    log.info("per-event path: %s", describe())
    app = create_app(settings)
    install(app, settings)
    worker = faust.Worker(app, loglevel="INFO", quiet=True)
    worker.execute_from_commandline()
