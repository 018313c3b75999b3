"""Faust hosts the worker: one batch agent, the tick timer and the fetch task.

Records reach the agent a fetched batch at a time, grouped by partition, through
an in-memory Faust channel: the framework's work is per batch, not per event.
Faust's own web pages are off; the worker serves ``/metrics``, ``/healthz`` and
``/readyz`` itself (``ccpulse.stream.web``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import faust

from ccpulse.state.connect import connect
from ccpulse.state.redis_store import RedisStore
from ccpulse.stream.config import WorkerConfig
from ccpulse.stream.processor import Processor
from ccpulse.stream.topics import ensure_all, wait_for_broker
from ccpulse.stream.web import check_free
from ccpulse.stream.worker import Batch, Fatal, FoldWorker
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.registry import Registry

log = logging.getLogger(__name__)


class KeptChannel(faust.Channel):  # type: ignore[misc]
    """An in-memory channel whose queue a rebalance of Faust's own group does not empty.

    Faust clears a channel's buffered items when it resumes after a rebalance; a batch
    dropped that way would leave its sender waiting forever. Here the batch waits for the
    rebalance to end and is then folded."""

    _queue: Any

    @property
    def queue(self) -> Any:
        if self._queue is None:
            maxsize = self.maxsize or self.app.conf.stream_buffer_maxsize
            self._queue = self.app.FlowControlQueue(maxsize=maxsize, clear_on_resume=False)
        return self._queue


def create_app(config: WorkerConfig, datadir: Path) -> faust.App:
    kafka = config.kafka
    credentials: Any = None
    if kafka.security_protocol.startswith("SASL"):
        options = kafka.client_options()
        credentials = faust.SASLCredentials(
            username=kafka.username, password=kafka.password,
            mechanism=kafka.sasl_mechanism, ssl_context=options.get("ssl_context"))
    elif kafka.tls:
        credentials = faust.SSLCredentials(kafka.client_options()["ssl_context"])
    return faust.App(
        config.app_id,
        broker=";".join(f"kafka://{h}" for h in kafka.servers()),
        broker_credentials=credentials,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=config.partitions,
        topic_replication_factor=1,
        store="memory://",
        datadir=str(datadir),
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        producer_linger_ms=5,
        broker_session_timeout=config.session_timeout_s,
        broker_heartbeat_interval=min(1.0, config.session_timeout_s / 4),
        broker_rebalance_timeout=max(30.0, config.session_timeout_s),
        # with static membership, Faust's own group is static too: a restart waits for
        # neither group to notice the old member gone
        consumer_group_instance_id=(None if config.instance_id is None
                                    else f"{config.instance_id}-faust"),
    )


def install(app: faust.App, config: WorkerConfig, registry: Registry) -> FoldWorker:
    """Declare the agent, the fetch task and the timer on ``app``; returns the worker."""
    client = connect(config.redis)
    store = RedisStore(client, registry, config.redis_prefix)
    batches = KeptChannel(app)
    topics = config.topics.inputs(registry.topics())

    async def dispatch(batch: Batch) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await batches.send(value=(batch, done))
        await done

    worker: FoldWorker

    def highwater(topic: str, partition: int) -> int | None:
        return worker.highwater(topic, partition)

    processor = Processor(registry, store, clock_factory(config.clock), config.processor,
                          highwater)
    worker = FoldWorker(config, processor, topics, dispatch=dispatch)

    @app.agent(batches, name="ccpulse.fold")
    async def fold(stream: faust.StreamT[Any]) -> None:
        async for batch, done in stream.noack():
            try:
                await worker.fold_and_save(batch)
            except Exception as exc:  # handed back to the fetch loop, which decides
                done.set_exception(exc)
            else:
                done.set_result(None)

    @app.task
    async def fetch() -> None:
        await worker.start()
        try:
            await worker.run()
        except Fatal:
            os.kill(os.getpid(), signal.SIGTERM)  # a clean stop of everything else
        finally:
            await worker.stop()

    @app.timer(config.tick_s)
    async def tick() -> None:
        try:
            await worker.tick()
        except Exception as exc:
            worker.fatal = exc
            log.critical("the worker stops: %s: %s", type(exc).__name__, exc, exc_info=exc)
            os.kill(os.getpid(), signal.SIGTERM)

    _ = (fold, fetch, tick)
    return worker


def run_worker(config: WorkerConfig, registry: Registry, build: str) -> None:
    """Run a worker until it is stopped; exits 1 if it stopped because of a failure."""
    log.info("per-event path: %s", build)
    check_free(config.web_host, config.web_port)
    asyncio.run(wait_for_broker(config.kafka))  # Faust itself gives up when it is not there
    asyncio.run(ensure_all(config.kafka, config.topics, registry.topics(), config.partitions))
    datadir = Path(config.datadir) if config.datadir else Path(
        tempfile.mkdtemp(prefix=f"ccpulse-{config.app_id}-"))
    app = create_app(config, datadir)
    worker = install(app, config, registry)
    try:
        faust.Worker(app, loglevel="INFO", quiet=True).execute_from_commandline()
    except SystemExit as exc:
        if worker.fatal is not None:
            raise SystemExit(1) from None
        raise exc from None
    finally:
        if not config.datadir:
            shutil.rmtree(datadir, ignore_errors=True)
