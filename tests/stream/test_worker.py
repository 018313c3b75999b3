"""The fold worker's error policy, in process, against the real broker and Redis: a record
that makes a domain raise is dead-lettered and the rest goes on; any other unexpected
failure stops the worker with a clear message instead of retrying forever."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson
import pytest
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ccpulse.devtools.embedded import Service, free_port
from ccpulse.state.connect import RedisConfig
from ccpulse.state.redis_store import RedisStore
from ccpulse.stream.batches import Sent
from ccpulse.stream.config import WorkerConfig
from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.metrics import STEPS
from ccpulse.stream.processor import Processor
from ccpulse.stream.topics import ensure_all
from ccpulse.stream.worker import Fatal, FoldWorker, backlog, without_backlog
from ccpulse.windows.agents.domain import AgentsDomain
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.voice import VoiceDomain
from ccpulse.windows.registry import Registry
from tests.stream.test_processor import T0, BrittleDomain, script

_names = itertools.count()
CONFIG = EngineConfig()
REGISTRY = Registry(CONFIG, [VoiceDomain(CONFIG), AgentsDomain(), BrittleDomain()])


def worker_for(broker: Service, redis_server: Service, store_class: type[RedisStore] = RedisStore
               ) -> tuple[FoldWorker, WorkerConfig, redis.Redis]:
    name = f"w{next(_names)}x{free_port()}"
    config = WorkerConfig(kafka=KafkaConfig(f"127.0.0.1:{broker.port}"),
                          redis=RedisConfig(f"redis://127.0.0.1:{redis_server.port}/0"),
                          topics=Topics(name), app_id=name, redis_prefix=name, partitions=2,
                          clock="event", batch_size=7, session_timeout_s=4,
                          web_port=free_port())
    client = redis.Redis(port=redis_server.port)
    store = store_class(client, REGISTRY, name)
    processor = Processor(REGISTRY, store, clock_factory("event"))
    inputs = config.topics.inputs(REGISTRY.topics())
    return FoldWorker(config, processor, inputs), config, client


async def produce(config: WorkerConfig, values: list[bytes]) -> None:
    await ensure_all(config.kafka, config.topics, REGISTRY.topics(), config.partitions)
    producer = AIOKafkaProducer(bootstrap_servers=config.kafka.servers())
    await producer.start()
    try:
        for value in values:
            await producer.send(config.topics.name("calls"), value, key=b"k", partition=0)
        await producer.flush()
    finally:
        await producer.stop()


async def deadletters(config: WorkerConfig, expected: int) -> list[Any]:
    consumer = AIOKafkaConsumer(config.topics.deadletter, bootstrap_servers=config.kafka.servers(),
                                auto_offset_reset="earliest")
    await consumer.start()
    found: list[Any] = []
    try:
        async with asyncio.timeout(20):
            while len(found) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(records)
    finally:
        await consumer.stop()
    return found


def meta(client: redis.Redis, config: WorkerConfig) -> dict[str, int]:
    raw = client.hgetall(f"{config.redis_prefix}:{{{config.topics.name('calls')}:0}}:meta")
    return {k.decode(): int(v) for k, v in raw.items()}


def accounted(client: redis.Redis, config: WorkerConfig) -> int:
    """Records applied, dropped as duplicates or rejected, as published."""
    return sum(v for k, v in meta(client, config).items()
               if k in ("processed", "duplicates") or k.startswith("rejected:"))


def rejected(client: redis.Redis, config: WorkerConfig) -> int:
    return sum(v for k, v in meta(client, config).items() if k.startswith("rejected:"))


@contextlib.asynccontextmanager
async def folded(worker: FoldWorker, config: WorkerConfig, client: redis.Redis,
                 values: list[bytes]) -> AsyncIterator[None]:
    """Produce ``values`` and run the worker until it has accounted for all of them; stop
    it on the way out."""
    await produce(config, values)
    await worker.start()
    task = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(60):
            while accounted(client, config) < len(values):
                await asyncio.sleep(0.2)
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.stop()


async def fold_all(worker: FoldWorker, config: WorkerConfig, client: redis.Redis,
                   values: list[bytes]) -> list[Any]:
    """Fold ``values`` (see ``folded``); returns the dead letters the worker sent."""
    async with folded(worker, config, client, values):
        return await deadletters(config, rejected(client, config))


@pytest.mark.integration
def test_a_record_that_raises_goes_to_the_dead_letter_topic_and_the_rest_goes_on(
        broker: Service, redis_server: Service) -> None:
    worker, config, client = worker_for(broker, redis_server)
    calls = script(11, 30)
    boom = orjson.dumps({"event_id": "b", "type": "test.boom", "ts": 1_700_000_000_000,
                         "contact_id": "x"})
    values = [*calls[:20], boom, *calls[20:]]
    dead = asyncio.run(fold_all(worker, config, client, values))
    boom_letters = [d for d in dead if dict(d.headers)["reason"] == b"processing_error"]
    assert [d.value for d in boom_letters] == [boom]
    headers = dict(boom_letters[0].headers)
    assert b"RuntimeError: a bug" in headers["detail"]
    topic = config.topics.name("calls")  # where it came from: its batch's topic and partition
    assert (headers["topic"], headers["partition"], headers["offset"]) == (topic.encode(), b"0",
                                                                         b"20")
    assert headers["source"] == f"{topic}:0:20".encode()
    published = meta(client, config)
    assert published["rejected:processing_error"] == 1
    assert "half_done" not in published
    assert len(dead) == rejected(client, config), "each dead letter sent once"


class FailingSave(RedisStore):
    def execute(self, prepared: list[tuple[str, list[str], list[Any]]]) -> list[bool]:
        raise ValueError("a bug in saving")


@pytest.mark.integration
def test_an_unexpected_failure_stops_the_worker_with_one_clear_message(
        broker: Service, redis_server: Service, caplog: pytest.LogCaptureFixture) -> None:
    worker, config, _ = worker_for(broker, redis_server, FailingSave)

    async def scenario() -> None:
        await produce(config, script(3, 5))
        await worker.start()
        try:
            async with asyncio.timeout(60):
                await worker.run()
        finally:
            await worker.stop()

    with caplog.at_level(logging.CRITICAL), pytest.raises(Fatal, match="a bug in saving"):
        asyncio.run(scenario())
    stops = [r for r in caplog.records if "the worker stops" in r.getMessage()]
    assert len(stops) == 1
    assert worker.not_ready() == "failed: a bug in saving"


@pytest.mark.integration
def test_a_dead_letter_too_large_to_send_whole_goes_out_cut_with_its_size_and_hash(
        broker: Service, redis_server: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ccpulse.stream.worker.DEAD_LETTER_MAX_BYTES", 1000)
    worker, config, client = worker_for(broker, redis_server)
    big = b"{" + b"x" * 5000  # unreadable, and larger than a dead letter may be
    values = [*script(12, 5), big]
    dead = asyncio.run(fold_all(worker, config, client, values))
    letter = next(d for d in dead if dict(d.headers)["reason"] == b"malformed_json")
    headers = dict(letter.headers)
    assert letter.value == big[:1000] and headers["truncated"] == b"true"
    assert headers["original_bytes"] == b"5001"
    assert headers["original_sha256"] == hashlib.sha256(big).hexdigest().encode()


@pytest.mark.integration
def test_a_worker_says_when_its_partitions_were_assigned_before_it_folded_them(
        broker: Service, redis_server: Service) -> None:
    """``ccpulse_worker_last_assignment_timestamp_seconds``: after the worker starts and
    before its first batch is folded (the bench times a catch-up from it)."""
    worker, config, client = worker_for(broker, redis_server)
    values = script(3, 5)
    first_batch: list[float] = []

    def assigned_at() -> float | None:
        return worker.metrics.registry.get_sample_value(
            "ccpulse_worker_last_assignment_timestamp_seconds")

    fold_and_save = worker.fold_and_save

    async def dispatch(batch: dict[tuple[str, int], list[Any]]) -> None:
        if not first_batch:
            first_batch.append(assigned_at() or 0.0)
        await fold_and_save(batch)

    worker.dispatch = dispatch
    started = time.time()

    async def scenario() -> None:
        async with folded(worker, config, client, values):
            pass

    asyncio.run(scenario())
    assert assigned_at() == first_batch[0]  # one assignment: the start
    assert started <= first_batch[0] <= time.time()


@pytest.mark.integration
def test_a_worker_counts_the_cpu_time_of_its_steps(
        broker: Service, redis_server: Service) -> None:
    """``ccpulse_worker_cpu_seconds_total{step}``: each step at 0 before anything is
    consumed; after a script, folding, publishing and saving each took some CPU, and
    together no more than the process used meanwhile (``process_cpu_seconds_total``,
    served beside them)."""
    worker, config, client = worker_for(broker, redis_server)

    def step_cpu() -> dict[str, float]:
        return {step: worker.metrics.registry.get_sample_value(
            "ccpulse_worker_cpu_seconds_total", {"step": step}) or 0.0 for step in STEPS}

    def process_cpu() -> float:
        return worker.metrics.registry.get_sample_value("process_cpu_seconds_total") or 0.0

    assert step_cpu() == {step: 0.0 for step in STEPS}
    started = process_cpu()

    async def scenario() -> None:
        async with folded(worker, config, client, script(40, 5)):
            pass

    asyncio.run(scenario())
    used = step_cpu()
    assert all(used[step] > 0 for step in STEPS), used
    # (the process's CPU is counted in clock ticks: a tick's worth of slack)
    assert sum(used.values()) <= process_cpu() - started + 0.01


@pytest.mark.integration
def test_a_partition_not_assigned_has_no_high_water_mark_rather_than_an_error(
        broker: Service, redis_server: Service) -> None:
    """A batch can hold a partition revoked since its fetch: asked for that partition's
    mark, the worker says "not known" (aiokafka's consumer asserts)."""
    worker, config, client = worker_for(broker, redis_server)
    values = script(3, 5)

    async def scenario() -> tuple[int | None, int | None]:
        async with folded(worker, config, client, values):
            return (worker.highwater(config.topics.name("calls"), 0),
                    worker.highwater(config.topics.name("elsewhere"), 0))

    assert asyncio.run(scenario()) == (len(values), None)
    assert worker.highwater(config.topics.name("calls"), 0) is None  # stopped: no consumer

@pytest.mark.integration
def test_a_worker_counts_what_waits_in_every_partition_it_owns_not_only_the_batchs(
        broker: Service, redis_server: Service) -> None:
    """A catch-up fetches a partition or two at a time: the batch's own partitions can be
    read to their end while others wait. What waits is counted over every partition
    owned, so that the worker knows it is catching up."""
    worker, config, _ = worker_for(broker, redis_server)  # batches of 7
    values = script(5, 12)[:40]
    seen: list[tuple[int, int]] = []  # (what the worker says waits, what does), per batch
    fold_and_save = worker.fold_and_save

    async def dispatch(batch: dict[tuple[str, int], list[Any]]) -> None:
        await fold_and_save(batch)
        folded_count = sum(state.offset + 1 for state in worker.processor.states.values())
        seen.append((sum(worker._backlog().values()), 2 * len(values) - folded_count))

    worker.dispatch = dispatch

    async def scenario() -> None:
        await ensure_all(config.kafka, config.topics, REGISTRY.topics(), config.partitions)
        producer = AIOKafkaProducer(bootstrap_servers=config.kafka.servers())
        await producer.start()
        try:
            for partition in (0, 1):
                for value in values:
                    await producer.send(config.topics.name("calls"), value, partition=partition)
            await producer.flush()
        finally:
            await producer.stop()
        await worker.start()
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(60):
                while not seen or seen[-1][1] > 0:
                    await asyncio.sleep(0.1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.stop()

    asyncio.run(scenario())
    assert seen[0] == (2 * len(values) - 7, 2 * len(values) - 7)  # one batch of 7 folded
    assert all(said == waits for said, waits in seen)


@pytest.mark.integration
def test_a_worker_holds_the_partitions_it_just_sent_derived_events_to_until_they_are_back(
        broker: Service, redis_server: Service) -> None:
    """A partition folded in a batch that also sends it derived events (this worker's
    own) is not published with that batch, but for its first publication: the next
    fetch brings the events, and it is published once they are folded and nothing more
    is on its way. The calls and agent states come in three waves, as they would live."""
    worker, config, client = worker_for(broker, redis_server)
    worker.config = dataclasses.replace(config, batch_size=1_000, publish_hold_s=3_600.0)
    agents_topic = config.topics.name("agents")
    waves = [[(agents_topic, f"a{a}", {"event_id": f"w{wave}-a{a}", "type": "agent.state",
                                       "ts": T0 + wave * 2_000_000, "agent_id": f"a{a}",
                                       "state": "available", "queues": ["sales"]})
              for a in range(9)]
             + [(config.topics.name("calls"), "k", {
                 "event_id": f"w{wave}-c{c}-{kind}", "type": f"call.{kind}",
                 "ts": T0 + wave * 2_000_000 + 1_000 + c * 20_000 + step * 5_000,
                 "contact_id": f"w{wave}-c{c}", "queue": "sales", "channel": "voice",
                 "agent_id": f"a{c % 9}", "talk_s": 5})
                for c in range(30) for step, kind in enumerate(("queued", "answered", "ended"))]
             for wave in range(3)]
    # per batch: the partitions it folded, those it sent derived events to, those it
    # published, and when each partition had been published before it
    batches: list[tuple[set[str], set[str], set[str], dict[str, float]]] = []
    sent_to: set[str] = set()
    send, fold_and_save = worker._send, worker.fold_and_save

    async def recording_send(*args: Any) -> Sent:
        sent = await send(*args)
        sent_to.update(worker._owned(sent.partitions))
        return sent

    async def dispatch(batch: dict[tuple[str, int], list[Any]]) -> None:
        sent_to.clear()
        before = dict(worker.processor._published_at)
        await fold_and_save(batch)
        after = worker.processor._published_at
        batches.append(({f"{topic}:{number}" for topic, number in batch}, set(sent_to),
                         {pid for pid, at in after.items() if before.get(pid) != at}, before))

    worker._send = recording_send  # type: ignore[method-assign]
    worker.dispatch = dispatch

    def agents(pids: Iterable[str]) -> set[str]:
        return {pid for pid in pids if pid.rpartition(":")[0] == agents_topic}

    def derived_folded(states: int) -> bool:
        """Whether the agents partitions have published every event derived so far, and
        ``states`` agent states."""
        folded = 0
        for pid in agents(worker.processor.states):
            raw = client.hgetall(f"{config.redis_prefix}:{{{pid}}}:meta")
            folded += sum(int(v) for k, v in raw.items()
                          if k in (b"processed", b"duplicates") or k.startswith(b"rejected:"))
        return folded == meta(client, config).get("derived", 0) + states

    async def scenario() -> None:
        await ensure_all(config.kafka, config.topics, REGISTRY.topics(), config.partitions)
        await worker.start()
        task = asyncio.create_task(worker.run())
        producer = AIOKafkaProducer(bootstrap_servers=config.kafka.servers())
        await producer.start()
        try:
            async with asyncio.timeout(60):
                assert worker.consumer is not None
                while not worker.consumer.assignment():
                    await asyncio.sleep(0.1)
                for number, wave in enumerate(waves, 1):
                    # each wave in one batch: the worker fetches nothing until all of it is in
                    worker.consumer.pause(*worker.consumer.assignment())
                    for topic, key, doc in wave:  # (the calls on partition 0, see ``meta``)
                        await producer.send(topic, orjson.dumps(doc), key=key.encode(),
                                            partition=0 if topic != agents_topic else None)
                    await producer.flush()
                    worker.consumer.resume(*worker.consumer.assignment())
                    while (accounted(client, config) < 90 * number
                           or not derived_folded(9 * number)):
                        await asyncio.sleep(0.2)
        finally:
            await producer.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.stop()

    asyncio.run(scenario())
    held = 0
    for folded, targets, published, before in batches:
        assert targets == agents(targets)
        for pid in folded & targets:
            if before.get(pid, -math.inf) != -math.inf:  # (a first publication is not held)
                assert pid not in published
                held += 1
    assert held > 0


class GatedSender:
    """The worker's batch sender, but the broker's acknowledgements of what it sends are
    handed on only once ``gate`` is set."""

    def __init__(self, sender: Any, gate: asyncio.Event) -> None:
        self.sender = sender
        self.gate = gate

    async def send(self, *args: Any) -> Sent:
        sent: Sent = await self.sender.send(*args)

        async def acknowledged() -> None:
            await asyncio.gather(*sent.futures)
            await self.gate.wait()

        return Sent([asyncio.ensure_future(acknowledged())], sent.partitions, sent.events)


@pytest.mark.integration
def test_a_batch_is_saved_once_its_derived_events_are_acknowledged_while_the_next_is_folded(
        broker: Service, redis_server: Service) -> None:
    """Calls answered derive agent activity. Until the broker acknowledges it, the batch
    of the calls is not published (a crash then would fold them again and derive it
    again), but the worker goes on folding: here, the derived events themselves."""
    worker, config, client = worker_for(broker, redis_server)
    worker.config = dataclasses.replace(config, batch_size=1_000)
    calls = [orjson.dumps({"event_id": f"c{c}-{kind}", "type": f"call.{kind}",
                           "ts": T0 + c * 1_000 + step * 500, "contact_id": f"c{c}",
                           "queue": "sales", "channel": "voice", "agent_id": f"a{c}"})
             for c in range(20) for step, kind in enumerate(("queued", "answered"))]
    agents_topic = config.topics.name("agents")

    def derived_folded() -> int:
        """Derived events the worker has applied in memory."""
        return sum(state.counters.get("processed", 0)
                   for pid, state in worker.processor.states.items()
                   if pid.rpartition(":")[0] == agents_topic)

    async def scenario() -> tuple[int, int]:
        gate = asyncio.Event()
        worker.sender = GatedSender(worker.sender, gate)  # type: ignore[assignment]
        await produce(config, calls)
        await worker.start()
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(60):
                while derived_folded() < 20:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)  # time enough for a save that does not wait
                published_before = accounted(client, config)
                gate.set()
                while accounted(client, config) < len(calls) or derived_folded() < 20:
                    await asyncio.sleep(0.05)
                return published_before, meta(client, config)["derived"]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.stop()

    published_before, derived = asyncio.run(scenario())
    assert published_before == 0
    assert derived == 20


def test_the_records_waiting_are_counted_from_each_partitions_next_offset_to_its_high_water_mark(
        ) -> None:
    next_offsets = {("calls", 0): 10, ("calls", 1): 8, ("agents", 0): 0, ("agents", 1): 4,
                    ("chats", 0): 30}
    marks = {("calls", 0): 10, ("calls", 1): 20, ("agents", 0): 50, ("agents", 1): None,
             ("chats", 0): 25}
    # calls 0 is folded to its end; calls 1 has offsets 8 to 19 to come, agents 0 all of
    # its 50; a mark not known yet, or behind what is folded, counts for nothing
    assert backlog(next_offsets, lambda topic, partition: marks[(topic, partition)]) == {
        ("calls", 1): 12, ("agents", 0): 50}
    assert backlog({}, lambda topic, partition: 100) == {}



def test_a_tick_leaves_the_partitions_with_records_waiting_to_the_batches() -> None:
    owned = ["calls:0", "calls:1", "agents:0", "agents:1"]
    waiting = {("calls", 1): 12, ("agents", 0): 3, ("chats", 0): 5}  # (chats:0: not owned)
    assert without_backlog(owned, waiting) == ["calls:0", "agents:1"]
    assert without_backlog(owned, {}) == owned

@pytest.mark.integration
def test_the_offsets_folded_are_committed_for_lag_tools_up_to_the_last_batch(
        broker: Service, redis_server: Service) -> None:
    """Commits go out while the next batch is folded, one at a time; what falls due
    meanwhile goes with the next one, and a stop commits what is still due. Each commit
    here takes 0.3 s longer, so that offsets fall due while one is under way."""
    worker, config, client = worker_for(broker, redis_server)  # batches of 7
    values = script(7, 12)[:61]
    calls = TopicPartition(config.topics.name("calls"), 0)
    committed: list[int] = []  # the offset of calls:0 in each commit, as it is made

    async def scenario() -> int | None:
        await produce(config, values)
        await worker.start()
        assert worker.consumer is not None
        commit = worker.consumer.commit

        async def slow_commit(offsets: dict[TopicPartition, int]) -> None:
            await asyncio.sleep(0.3)
            await commit(offsets)
            committed.append(offsets[calls])

        worker.consumer.commit = slow_commit  # type: ignore[method-assign]
        task = asyncio.create_task(worker.run())
        try:
            async with asyncio.timeout(60):
                while accounted(client, config) < len(values):
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await worker.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=config.kafka.servers(),
                                    group_id=config.group_id, enable_auto_commit=False)
        await consumer.start()
        try:
            return await consumer.committed(calls)
        finally:
            await consumer.stop()

    assert asyncio.run(scenario()) == len(values)
    assert committed == sorted(committed) and len(committed) < 61 // 7  # fewer than batches
