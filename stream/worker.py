"""The fold worker: consumes batches, has them folded and saved, and keeps going.

The worker is an object with ``start``, ``run`` and ``stop``. An aiokafka
consumer in the group ``APP_ID-fold`` fetches whole batches; each is handed to
``dispatch`` (in production the Faust agent, see ``ccpulse.stream.app``), which
folds it, sends its dead letters and derived events, and saves the touched
partitions before the next batch is fetched, so no batch is in flight while the
group rebalances. Where a partition resumes is its last checkpoint in Redis;
partitions given up are checkpointed first. The Kafka commit of each batch's
offsets, made while the next batch is folded, only keeps lag tools informed.

Errors carry their policy:

- Redis or the broker not there: retried with capped exponential backoff and
  jitter, one log line when it starts and one when it ends; what was folded but
  not saved is dropped and taken up again from Redis;
- a record that makes a domain raise: isolated by the processor (dead letter
  ``processing_error``), the rest goes on;
- any other error (a bug outside any one record): the worker stops with one clear
  message and a non-zero exit code, rather than retrying the same batch forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError, MessageSizeTooLargeError, RecordTooLargeError

from ccpulse.errors import Backoff
from ccpulse.runtime import tune_gc
from ccpulse.state.connect import UNAVAILABLE
from ccpulse.stream import fetch
from ccpulse.stream.batches import BatchSender, Sent
from ccpulse.stream.config import WorkerConfig
from ccpulse.stream.kafka import (
    DEAD_LETTER_MAX_BYTES,
    PRODUCE_BATCH_BYTES,
    TRUNCATED_DEAD_LETTER_BYTES,
)
from ccpulse.stream.metrics import FOLD, PUBLISH, SAVE, WorkerMetrics
from ccpulse.stream.processor import (
    DeadLetter,
    Folded,
    PackEntry,
    Pending,
    Processor,
    RecordLike,
)
from ccpulse.stream.web import WorkerWeb
from ccpulse.windows.domain import Derived

log = logging.getLogger(__name__)

Batch = Mapping[tuple[str, int], Sequence[RecordLike]]


class Fatal(Exception):
    """The worker cannot go on: a failure that retrying would only repeat."""


def pid_of(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


def tp_of(pid: str) -> TopicPartition:
    topic, _, partition = pid.rpartition(":")
    return TopicPartition(topic, int(partition))


def retriable(exc: BaseException) -> bool:
    """Whether the failure is one of a store or broker that is not there right now."""
    if isinstance(exc, UNAVAILABLE):
        return True
    return isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))


class Ownership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Checkpoints and drops revoked partitions; resumes assigned ones where Redis says."""

    def __init__(self, worker: FoldWorker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pids = [pid_of(tp) for tp in revoked]
        async with self.worker.lock:
            if self.worker.fatal is None:
                try:
                    await self.worker.settle()
                    await asyncio.to_thread(self.worker.processor.checkpoint, pids)
                # the next owner folds again from the last checkpoint (a save left undone
                # fences off the later ones of the partitions kept: see ``settle``)
                except (*UNAVAILABLE, KafkaError) as exc:
                    log.warning("could not checkpoint revoked partitions (%s)", exc)
            self.worker.processor.forget(pids)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        async with self.worker.lock:
            try:
                for tp in assigned:
                    await self.worker.resume(tp)
                self.worker.metrics.assigned_at.set(time.time())
            except UNAVAILABLE as exc:
                log.warning("could not load assigned partitions (%s); will retry", exc)
                self.worker.lost_state = True


class FoldWorker:
    def __init__(self, config: WorkerConfig, processor: Processor, input_topics: list[str],
                 metrics: WorkerMetrics | None = None,
                 dispatch: Callable[[Batch], Awaitable[None]] | None = None) -> None:
        """``dispatch`` hands a batch to whatever folds it (by default ``fold_and_save``
        directly; the Faust app routes it through its agent)."""
        self.config = config
        self.processor = processor
        self.input_topics = input_topics
        self.metrics = metrics or WorkerMetrics()
        self.dispatch = dispatch or self.fold_and_save
        self.lock = asyncio.Lock()
        self.lost_state = False  # memory no longer matches Redis: take it up again from there
        self.fatal: BaseException | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.sender = BatchSender()  # for derived events
        self.store_backoff = Backoff("Redis", log)
        self.broker_backoff = Backoff("the Kafka broker", log)
        self.web = WorkerWeb(self.metrics, self.not_ready, config.web_host, config.web_port)
        self._stopping = False
        self._saving: tuple[Pending, asyncio.Task[list[bool]]] | None = None
        self._commit_due: dict[TopicPartition, int] = {}  # for the next commit
        self._committing: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the web server, then the producer and consumer (waiting for the broker)."""
        await self.web.start()
        kafka = self.config.kafka
        options = kafka.client_options()
        fetch.install()
        while not self._stopping:
            self.producer = AIOKafkaProducer(**options, linger_ms=5,
                                             max_batch_size=PRODUCE_BATCH_BYTES,
                                             max_request_size=DEAD_LETTER_MAX_BYTES + (64 << 10))
            self.consumer = AIOKafkaConsumer(
                **options,
                group_id=self.config.group_id,
                group_instance_id=self.config.instance_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                key_deserializer=fetch.key_as_is,  # records fetched lean (see stream.fetch)
                max_partition_fetch_bytes=4 * 1024 * 1024,
                fetch_max_bytes=32 * 1024 * 1024,
                fetch_max_wait_ms=round(self.config.batch_within_s * 1000),
                session_timeout_ms=round(self.config.session_timeout_s * 1000),
                heartbeat_interval_ms=round(min(1.0, self.config.session_timeout_s / 4) * 1000),
            )
            try:
                await self.producer.start()
                self.consumer.subscribe(self.input_topics, listener=Ownership(self))
                await self.consumer.start()
            except KafkaError as exc:
                await self._close_clients()
                self.metrics.broker_up.set(0)
                await asyncio.sleep(self.broker_backoff.failed(exc))
                continue
            self.broker_backoff.succeeded()
            self.metrics.broker_up.set(1)
            self.metrics.store_up.set(1)
            tune_gc()
            return

    async def stop(self) -> None:
        """Checkpoint what is owned (unless the worker failed), then close the clients."""
        self._stopping = True
        if self.consumer is not None and self.fatal is None and not self.lost_state:
            async with self.lock:
                try:  # a clean stop leaves nothing to fold again
                    await self.settle()
                    await asyncio.to_thread(self.processor.checkpoint,
                                            list(self.processor.states))
                except (*UNAVAILABLE, KafkaError) as exc:
                    log.warning("could not checkpoint on the way out (%s)", exc)
        if self.consumer is not None and self.fatal is None:
            await self._committed()
            self._commit()  # what fell due while it was under way
        await self._committed()
        await self._close_clients()
        await self.web.stop()

    async def _close_clients(self) -> None:
        if self._committing is not None:
            self._committing.cancel()  # (lag tools only)
            self._committing = None
        for client in (self.consumer, self.producer):
            if client is not None:
                try:
                    await client.stop()
                except KafkaError as exc:
                    log.debug("closing a Kafka client: %s", exc)
        self.consumer = self.producer = None

    def not_ready(self) -> str | None:
        if self.fatal is not None:
            return f"failed: {self.fatal}"
        if self.consumer is None:
            return "not connected to Kafka yet"
        if self.store_backoff.failing:
            return "Redis unavailable"
        return None

    # -- the loop ----------------------------------------------------------------------------
    async def run(self) -> None:
        """Fetch, fold and save until stopped; raises :class:`Fatal` on an unexpected error."""
        assert self.consumer is not None
        consumer = self.consumer
        while not self._stopping:
            if self.lost_state:
                await self._recover()
                continue
            try:
                fetched = await consumer.getmany(
                    timeout_ms=round(self.config.batch_within_s * 1000),
                    max_records=self.config.batch_size)
                if not fetched:
                    await self._idle()
                    continue
                batch = {(tp.topic, tp.partition): records for tp, records in fetched.items()}
                await self.dispatch(batch)
            except Exception as exc:
                if not retriable(exc):
                    self.fatal = exc
                    log.critical("the worker stops: %s: %s (a failure that retrying would "
                                 "repeat)", type(exc).__name__, exc, exc_info=exc)
                    raise Fatal(str(exc)) from exc
                self._unavailable(exc)
                continue
            self._available()
            offsets = {tp: self.processor.states[pid_of(tp)].offset + 1 for tp in fetched
                       if pid_of(tp) in self.processor.states and tp in consumer.assignment()}
            if offsets:
                self._commit(offsets)

    def _commit(self, offsets: dict[TopicPartition, int] | None = None) -> None:
        """Commit the offsets folded, for lag tools, while the next batch is folded; what
        falls due while a commit is under way goes with the next one."""
        self._commit_due.update(offsets or {})
        if self._commit_due and (self._committing is None or self._committing.done()):
            due, self._commit_due = self._commit_due, {}
            self._committing = asyncio.create_task(self._commit_now(due))

    async def _commit_now(self, offsets: dict[TopicPartition, int]) -> None:
        consumer = self.consumer
        if consumer is None:
            return
        owned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
        try:
            if offsets:
                await consumer.commit(offsets)
        except KafkaError as exc:  # lag tools only; the next commit catches up
            log.debug("commit failed: %s", exc)
        except Exception as exc:  # (nothing waits for this task to raise)
            log.warning("commit failed: %s: %s", type(exc).__name__, exc)

    async def _committed(self, timeout_s: float = 5.0) -> None:
        """Let the commit under way finish before the clients close (a broker that does
        not answer in time leaves it undone: lag tools only)."""
        committing, self._committing = self._committing, None
        if committing is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(committing, timeout_s)

    def _unavailable(self, exc: BaseException) -> None:
        """What was folded but not saved is gone from memory: take it up again from Redis."""
        if self._saving is not None:
            self._saving[1].cancel()  # its thread finishes on its own; nothing waits for it
            self._saving = None
        backoff = self.store_backoff if isinstance(exc, UNAVAILABLE) else self.broker_backoff
        backoff.failed(exc)
        (self.metrics.store_up if backoff is self.store_backoff else self.metrics.broker_up).set(0)
        self.processor.forget(list(self.processor.states))
        self.lost_state = True

    def _available(self) -> None:
        self.store_backoff.succeeded()
        self.broker_backoff.succeeded()
        self.metrics.store_up.set(1)
        self.metrics.broker_up.set(1)

    async def _recover(self) -> None:
        """Forget what is in memory; resume every partition from what Redis holds."""
        assert self.consumer is not None
        backoff = self.store_backoff
        await asyncio.sleep(backoff.failed("still unavailable") if backoff.failing else 0)
        async with self.lock:
            self.processor.forget(list(self.processor.states))
            try:
                for tp in self.consumer.assignment():
                    await self.resume(tp)
            except UNAVAILABLE as exc:
                backoff.failed(exc)
                return
        self.lost_state = False

    async def resume(self, tp: TopicPartition) -> None:
        """Consume the partition from just after its checkpoint."""
        assert self.consumer is not None
        state = await asyncio.to_thread(self.processor.state, pid_of(tp))
        self.consumer.seek(tp, state.offset + 1)  # 0 when nothing was applied yet

    # -- one batch -------------------------------------------------------------------------------
    async def fold_and_save(self, batch: Batch) -> None:
        """Fold a batch, send what it produced, and start saving it; the store works while
        the next batch is fetched and folded (saves stay in order: each waits for the one
        before it). The save also waits for the broker to acknowledge the batch's derived
        events, so that a crash cannot lose them, but the next batch need not."""
        started = time.perf_counter()
        async with self.lock:
            with self._cpu(FOLD):
                folded = self.processor.fold(batch)
            sent = await self._send(folded.dead, folded.derived)
            if folded.dead:  # (seldom) a batch with dead letters is sent whole before its
                # save, so that folding it again in this process cannot send them twice
                await self._acknowledged(sent)
                sent = sent._replace(futures=[], events=0)
                self.processor.sent(folded)
            # catching up (a full batch, or a batch's worth more waiting in the partitions
            # owned): publish once a second, not per batch; but a batch that sent dead
            # letters is saved now, so that a crash cannot make them be sent again
            # (derived events are recognised downstream anyway). Else only partitions
            # with more to come are held likewise: those with records waiting, and those
            # this worker just sent derived events to (the next fetches bring them; each
            # publication in between would write the partition again)
            size = self.config.batch_size
            backlog = self._backlog()
            catching_up = (sum(len(records) for records in batch.values()) >= size
                           or sum(backlog.values()) >= size)
            holding = None if catching_up else self._owned(sent.partitions | backlog.keys())
            hold = (catching_up or bool(holding)) and not folded.dead
            with self._cpu(PUBLISH):
                pending = self.processor.prepare(
                    hold_s=self.config.publish_hold_s if hold else 0.0, holding=holding)
            await self.settle()
            self._saving = (pending, asyncio.create_task(self._save(pending, sent, folded)))
            await self._consume_again(folded.resume)
        self.metrics.batches.inc()
        self.metrics.records.inc(sum(len(records) for records in batch.values()))
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        self.metrics.held.set(self.processor.held())

    async def _save(self, pending: Pending, sent: Sent, folded: Folded) -> list[bool]:
        """Once the broker has acknowledged what ``folded`` sent, save ``pending``."""
        await self._acknowledged(sent)
        self.processor.sent(folded)
        return await asyncio.to_thread(self._execute, pending)

    def _execute(self, pending: Pending) -> list[bool]:
        """Write a prepared save to Redis (on a thread of its own)."""
        with self._cpu(SAVE):
            return self.processor.execute(pending)

    def _save_now(self, partition_ids: list[str]) -> list[str]:
        """Publish these partitions (on a thread of its own); returns those fenced off."""
        with self._cpu(PUBLISH):
            pending = self.processor.prepare(partition_ids)
        return self.processor.settle(pending, self._execute(pending))

    @contextlib.contextmanager
    def _cpu(self, step: str) -> Iterator[None]:
        """Count the CPU time the block takes on its thread as ``step``'s (a block that
        awaits nothing: no other task runs on the thread meanwhile)."""
        started = time.thread_time()
        try:
            yield
        finally:
            self.metrics.step_cpu.labels(step).inc(time.thread_time() - started)

    def _owned(self, partitions: set[tuple[str, int]]) -> set[str]:
        """The ids of those partitions that this worker consumes."""
        consumer = self.consumer
        if consumer is None or not partitions:
            return set()
        assigned = consumer.assignment()
        return {pid_of(tp) for topic, number in partitions
                if (tp := TopicPartition(topic, number)) in assigned}

    def _backlog(self) -> dict[tuple[str, int], int]:
        """Of the partitions owned, those with records not yet folded, and how many, by
        the high-water marks the broker last reported (a catch-up fetches one or two
        partitions at a time: the batch's own partitions may well be read to their end
        while others wait)."""
        consumer = self.consumer
        if consumer is None:
            return {}
        states = self.processor.states
        next_offsets: dict[tuple[str, int], int] = {}
        for tp in consumer.assignment():
            state = states.get(pid_of(tp))
            if state is not None:
                next_offsets[(tp.topic, tp.partition)] = state.offset + 1
        return backlog(next_offsets, self.highwater)

    def highwater(self, topic: str, partition: int) -> int | None:
        """The partition's high-water mark as the broker last reported it (None: not
        known, or the partition is no longer assigned)."""
        consumer = self.consumer
        if consumer is None:
            return None
        try:
            mark = consumer.highwater(TopicPartition(topic, partition))
        except AssertionError:  # no longer assigned
            return None
        return None if mark is None else int(mark)

    async def _idle(self) -> None:
        """Nothing to fold: see how the last save went, and publish what batches held."""
        self._commit()  # what fell due while a commit was under way
        if self._saving is not None and self._saving[1].done():
            async with self.lock:
                await self.settle()
        if self.processor.touched and self._saving is None:
            async with self.lock:
                with self._cpu(PUBLISH):
                    pending = self.processor.prepare()
                self._saving = (pending, asyncio.create_task(
                    asyncio.to_thread(self._execute, pending)))

    async def settle(self) -> None:
        """Wait for the save under way, if any (its failure is raised here: the broker's,
        acknowledging its derived events, or the store's). A save left undone makes the
        next save of its partitions find another offset published than it expects: they
        are dropped as fenced off, and taken up again from their checkpoint."""
        saving, self._saving = self._saving, None
        if saving is not None:
            pending, task = saving
            fenced = self.processor.settle(pending, await task)
            await self._consume_again(fenced)

    async def _consume_again(self, partition_ids: list[str]) -> None:
        for pid in partition_ids:  # from the checkpoint: taken over, or a record raised
            tp = tp_of(pid)
            if self.consumer is not None and tp in self.consumer.assignment():
                await self.resume(tp)

    async def tick(self) -> None:
        """Move time on for the owned partitions and publish them (windows roll without
        events), but for those with records waiting: the batches that fold them move
        their time and publish them. While the worker catches up, those the batches
        published less than ``publish_hold_s`` ago wait too (as the batches hold them)."""
        if self.consumer is None or self.lost_state or self.fatal is not None:
            return
        owned = [pid_of(tp) for tp in self.consumer.assignment()]
        self.metrics.partitions.set(len(owned))
        async with self.lock:
            try:
                await self.settle()
                waiting = self._backlog()
                due = without_backlog(owned, waiting)
                if sum(waiting.values()) >= self.config.batch_size:  # catching up
                    lately = self.processor.published_within(self.config.publish_hold_s)
                    due = [pid for pid in due if pid not in lately]
                with self._cpu(FOLD):
                    derived = self.processor.tick(due)
                await self._acknowledged(await self._send([], derived))
                fenced = await asyncio.to_thread(self._save_now, due)
                await self._consume_again(fenced)
            except Exception as exc:
                if not retriable(exc):
                    raise
                self._unavailable(exc)

    async def _send(self, dead: Sequence[DeadLetter], derived: Sequence[Derived]) -> Sent:
        """Send the dead letters, acknowledged before this returns, and queue the derived
        events; returns their batches' futures (see ``_acknowledged``) and the partitions
        (topic name, number) they go to."""
        if dead:
            await self._send_dead_letters(dead)
        if not derived:
            return Sent([], set(), 0)
        assert self.producer is not None
        return await self.sender.send(self.producer, derived, self.config.topics.name)

    async def _acknowledged(self, sent: Sent) -> None:
        """Wait until the broker has acknowledged every batch; raises the first failure."""
        for result in await asyncio.gather(*sent.futures, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
        if sent.events:
            self.metrics.derived.inc(sent.events)

    async def _send_dead_letters(self, dead: Sequence[DeadLetter]) -> None:
        """Send each dead letter and wait for the broker to acknowledge it (one too large
        for the topic goes again, cut)."""
        letters = [(item, await self._send_dead(item, DEAD_LETTER_MAX_BYTES)) for item in dead]
        results = await asyncio.gather(*(sent for _, sent in letters), return_exceptions=True)
        for (item, _), result in zip(letters, results, strict=True):
            if isinstance(result, MessageSizeTooLargeError | RecordTooLargeError):
                await (await self._send_dead(item, TRUNCATED_DEAD_LETTER_BYTES))
            elif isinstance(result, BaseException):
                raise result
            self.metrics.deadlettered.labels(item.reason).inc()

    async def _send_dead(self, item: DeadLetter, limit: int) -> asyncio.Future[Any]:
        """Send one dead letter with its original bytes, or cut to ``limit`` bytes (with
        headers ``truncated``, ``original_bytes`` and ``original_sha256``) when larger."""
        assert self.producer is not None
        rec = item.record
        value = rec.value
        headers = [("reason", item.reason.encode()), ("detail", item.detail.encode()),
                   ("source", f"{item.topic}:{item.partition}:{rec.offset}".encode()),
                   ("topic", item.topic.encode()), ("partition", str(item.partition).encode()),
                   ("offset", str(rec.offset).encode())]
        if isinstance(rec, PackEntry):  # one event of a pack: its own bytes
            headers.append(("entry", str(rec.index).encode()))
        if value is not None and len(value) > limit:
            headers += [("truncated", b"true"), ("original_bytes", str(len(value)).encode()),
                        ("original_sha256", hashlib.sha256(value).hexdigest().encode())]
            value = value[:limit]
        try:
            sent: asyncio.Future[Any] = await self.producer.send(
                self.config.topics.deadletter, value, rec.key, headers=headers)
            return sent
        except MessageSizeTooLargeError:  # refused before it left: larger than the client takes
            if limit <= TRUNCATED_DEAD_LETTER_BYTES:
                raise
            return await self._send_dead(item, TRUNCATED_DEAD_LETTER_BYTES)


def backlog(next_offsets: Mapping[tuple[str, int], int],
            highwater: Callable[[str, int], int | None]) -> dict[tuple[str, int], int]:
    """How many records the broker holds from each partition's next offset to fold on,
    given each partition's high-water mark (the offset after its newest record; None: not
    known), for the partitions that have any."""
    out: dict[tuple[str, int], int] = {}
    for (topic, partition), next_offset in next_offsets.items():
        mark = highwater(topic, partition)
        if mark is not None and mark > next_offset:
            out[(topic, partition)] = mark - next_offset
    return out


def without_backlog(partition_ids: Sequence[str],
                    waiting: Mapping[tuple[str, int], int]) -> list[str]:
    """Those of the partitions (ids) that have no records waiting (see ``backlog``)."""
    busy = {pid_of(TopicPartition(topic, partition)) for topic, partition in waiting}
    return [pid for pid in partition_ids if pid not in busy]
