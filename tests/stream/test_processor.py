"""The processor against itself, on the in-memory store and on a real Redis: however often
a run is stopped and taken up again from its last checkpoint, it ends with the same
published view as a run never stopped, and sends each dead letter once. A record that
makes a domain raise is isolated and the rest is exact."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.state.redis_store import RedisStore
from ccpulse.stream.batches import packs
from ccpulse.stream.processor import DeadLetter, Processor, ProcessorConfig, Record
from ccpulse.windows.agents.domain import AgentsDomain
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.voice import VoiceDomain
from ccpulse.windows.domain import Context, EventType, LiveKey, RecordKey
from ccpulse.windows.events import Event
from ccpulse.windows.fields import name_field
from ccpulse.windows.registry import Registry, build_registry
from ccpulse.windows.store import MemoryStore, PartitionStore, View

T0 = 1_700_000_000_000
PID = "calls:0"
PATHS = (("queued", "answered", "ended"), ("queued", "abandoned"),
         ("queued", "transferred", "answered", "ended"), ("answered",), ("queued", "ended"))
REGISTRY = build_registry(EngineConfig())
_prefixes = itertools.count()


def script(seed: int, contacts: int) -> list[bytes]:
    """Calls over a few hours, with duplicates, agents, impossible and unreadable events."""
    rng = random.Random(seed)
    timed: list[tuple[int, bytes]] = []
    for c in range(contacts):
        t = T0 + rng.randrange(3 * 3_600_000)
        queue = rng.choice(["sales", "support"])
        for i, kind in enumerate(rng.choice(PATHS)):
            t += rng.randrange(60_000)
            doc: dict[str, object] = {"event_id": f"c{c}-{i}", "type": f"call.{kind}",
                                      "ts": t, "contact_id": f"c{c}", "queue": queue,
                                      "channel": rng.choice(["voice", "voice", "chat"])}
            if kind == "transferred":
                doc["to_queue"] = queue = "general"
            if kind == "ended" and rng.random() < 0.7:
                doc["talk_s"] = rng.randrange(600)
            timed.append((t, orjson.dumps(doc)))
            if rng.random() < 0.05:
                timed.append((t + 1, orjson.dumps(doc)))  # a duplicate
        if rng.random() < 0.05:
            timed.append((t, b"{not json"))
        if rng.random() < 0.1:
            timed.append((t, orjson.dumps({"event_id": f"a{c}", "type": "agent.login", "ts": t,
                                           "agent_id": f"a{c % 7}", "queue": queue,
                                           "channel": "voice"})))
    timed.sort(key=lambda item: item[0])
    return [value for _, value in timed]


def records(values: Sequence[bytes]) -> list[Record]:
    return [Record("calls", 0, offset, None, value) for offset, value in enumerate(values)]


def run(store: PartitionStore, log: list[Record], batch: int, stops: Mapping[int, bool],
        registry: Registry = REGISTRY, hold: bool = False,
        config: ProcessorConfig | None = None) -> list[DeadLetter]:
    """Fold the log in batches as a worker would (seeking back where the processor asks);
    before batch ``i`` in ``stops``, stop (after a checkpoint if its value is True) and take
    up again with a new processor, as a restart would. With ``hold``, publish as a worker
    catching up does: only the first batch after a take-up, then at the end."""
    dead: list[DeadLetter] = []

    def processor() -> Processor:
        return Processor(registry, store, clock_factory("event"), config)

    current = processor()
    position = current.state(PID).offset + 1
    i = 0
    while position < len(log):
        if i in stops:
            if stops[i]:
                current.checkpoint([PID])
            current = processor()
            position = current.state(PID).offset + 1  # where the consumer is sent
        chunk = log[position:position + batch]
        folded = current.fold({("calls", 0): chunk})
        dead.extend(folded.dead)
        current.sent(folded)
        pending = current.prepare(hold_s=3600.0 if hold and not folded.dead else 0.0)
        assert current.settle(pending, current.execute(pending)) == []
        position += len(chunk)
        if PID in folded.resume:
            position = current.state(PID).offset + 1
        i += 1
    assert current.save() == []
    return dead


def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(params=["memory", "redis"])
def new_store(request: pytest.FixtureRequest) -> Callable[[], PartitionStore]:
    """A maker of empty stores: in memory, or in a real Redis under a fresh prefix."""
    if request.param == "memory":
        return memory_store
    client: redis.Redis = request.getfixturevalue("redis_client")
    return lambda: RedisStore(client, REGISTRY, f"t{next(_prefixes)}")


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), contacts=st.integers(1, 100), batch=st.integers(1, 40),
       stops=st.dictionaries(st.integers(0, 60), st.booleans(), max_size=6), hold=st.booleans())
def test_stopping_and_taking_up_again_changes_nothing(
        new_store: Callable[[], PartitionStore], seed: int, contacts: int, batch: int,
        stops: dict[int, bool], hold: bool) -> None:
    log = records(script(seed, contacts))
    straight, interrupted = new_store(), new_store()
    dead_straight = run(straight, log, batch, {})
    dead_interrupted = run(interrupted, log, batch, stops, hold=hold)
    assert interrupted.view(PID) == straight.view(PID)
    assert [(d.record.offset, d.reason) for d in dead_interrupted] == \
        [(d.record.offset, d.reason) for d in dead_straight]


def test_the_memory_and_redis_stores_publish_the_same_view(
        redis_client: redis.Redis) -> None:
    log = records(script(3, 80))
    memory, in_redis = MemoryStore(), RedisStore(redis_client, REGISTRY, "same")
    run(memory, log, 7, {3: True, 9: False})
    run(in_redis, log, 7, {3: True, 9: False})
    assert in_redis.view(PID) == memory.view(PID)


def test_a_stop_after_a_checkpoint_folds_nothing_again() -> None:
    store = MemoryStore()
    log = records(script(1, 50))
    processor = Processor(REGISTRY, store, clock_factory("event"))
    processor.fold({("calls", 0): log[:40]})
    processor.save()  # the first save after taking up a partition is a checkpoint
    processor.fold({("calls", 0): log[40:]})
    processor.save()
    again = Processor(REGISTRY, store, clock_factory("event"))
    assert again.state(PID).offset == 39 and again.replaying(PID)  # folds 40.. again
    processor.checkpoint([PID])
    again = Processor(REGISTRY, store, clock_factory("event"))
    assert again.state(PID).offset == len(log) - 1 and not again.replaying(PID)


def test_nothing_is_published_while_folding_again() -> None:
    store = MemoryStore()
    log = records(script(2, 60))
    first = Processor(REGISTRY, store, clock_factory("event"))
    first.fold({("calls", 0): log[:10]})
    first.save()
    first.fold({("calls", 0): log[10:]})
    first.save()
    published = store.view(PID)
    second = Processor(REGISTRY, store, clock_factory("event"))
    second.fold({("calls", 0): log[10:20]})
    second.save()
    assert store.view(PID) == published and published.offset == len(log) - 1


# -- a record that makes a domain raise ------------------------------------------------------
class BrittleDomain:
    """A domain with a bug: ``test.boom`` raises halfway through being applied."""

    name = "brittle"
    types = (EventType("test.boom", "boom", "calls", "contact_id",
                       (name_field("contact_id"),)),)
    families = ()
    histograms = ()
    records = ()
    metrics = ()
    reasons: Mapping[str, str] = {}

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return Event(event_id, etype.type, etype.kind, ts_ms, 0)

    def new_state(self, ctx: Context) -> BrittleState:
        return BrittleState(ctx)


class BrittleState:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def apply(self, event: Event) -> str:
        self.ctx.count("half_done")  # a partial effect, which must not survive
        raise RuntimeError("a bug")

    def advance(self, now_ms: int) -> None:
        return None

    def live_changes(self) -> dict[LiveKey, Any]:
        return {}

    def live_all(self) -> dict[LiveKey, Any]:
        return {}

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        return {}

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        return None


@pytest.mark.parametrize("batch", [1, 5, 1000])
def test_a_record_that_raises_is_dead_lettered_and_the_rest_is_exact(batch: int) -> None:
    config = EngineConfig()
    brittle = Registry(config, [VoiceDomain(config), AgentsDomain(), BrittleDomain()])
    calls = script(5, 40)
    boom = orjson.dumps({"event_id": "b", "type": "test.boom", "ts": T0, "contact_id": "x"})
    middle = len(calls) // 2
    with_boom = records([*calls[:middle], boom, *calls[middle:]])
    without = records([*calls[:middle], b'{"type": "nothing"}', *calls[middle:]])
    store, reference = MemoryStore(), MemoryStore()
    dead = run(store, with_boom, batch, {}, brittle, hold=True)
    run(reference, without, batch, {}, brittle)
    assert [(d.record.offset, d.reason) for d in dead if d.reason == "processing_error"] == \
        [(middle, "processing_error")]
    assert "RuntimeError: a bug" in next(d.detail for d in dead if d.record.offset == middle)
    got, expected = store.view(PID), reference.view(PID)
    assert got.counters.pop("rejected:processing_error") == 1
    assert expected.counters.pop("rejected:unknown_type") == 1
    assert "half_done" not in got.counters
    assert got == expected


def test_checkpoint_interval_is_respected() -> None:
    store = MemoryStore()
    processor = Processor(REGISTRY, store, clock_factory("event"))
    log = records(script(4, 30))
    processor.fold({("calls", 0): log[:10]})
    processor.save()
    assert store.checkpoints[PID][0].offset == 9  # the first save is a checkpoint
    processor.fold({("calls", 0): log[10:20]})
    processor.save()
    assert store.checkpoints[PID][0].offset == 9  # 5 s have not passed
    assert math.isfinite(processor.config.checkpoint_s)


def test_records_that_skip_past_the_state_are_consumed_again_from_it() -> None:
    """A consumer left at the group's committed offset after a rebalance, not where the
    state was loaded from: nothing is folded, the partition is sent back to its state."""
    store = MemoryStore()
    log = records(script(5, 60))
    straight = MemoryStore()
    run(straight, log, 10, {})
    processor = Processor(REGISTRY, store, clock_factory("event"))
    processor.fold({("calls", 0): log[:20]})
    skipped = processor.fold({("calls", 0): log[30:40]})
    assert skipped.resume == [PID] and not skipped.dead
    assert processor.state(PID).offset == 19
    processor.fold({("calls", 0): log[20:]})
    processor.save()
    assert store.view(PID) == straight.view(PID)


def test_records_deleted_before_they_were_folded_are_passed_over_on_the_second_try(
        caplog: pytest.LogCaptureFixture) -> None:
    processor = Processor(REGISTRY, MemoryStore(), clock_factory("event"))
    log = records(script(5, 60))
    processor.fold({("calls", 0): log[:20]})
    assert processor.fold({("calls", 0): log[30:40]}).resume == [PID]
    again = processor.fold({("calls", 0): log[30:40]})  # the broker starts there again
    assert again.resume == []
    assert processor.state(PID).offset == 39
    assert "offsets 20 to 29 are no longer in the topic" in caplog.text


def _calls_with_agents() -> list[bytes]:
    """Calls answered and ended by two agents: each derives ``agent.assigned`` and
    ``agent.released`` for the agents' partition."""
    docs: list[dict[str, object]] = []
    for c in range(12):
        t = T0 + c * 20_000
        agent = f"a{c % 2}"
        for i, (kind, at) in enumerate([("queued", t), ("answered", t + 5_000),
                                         ("ended", t + 65_000)]):
            docs.append({"event_id": f"c{c}-{i}", "type": f"call.{kind}", "ts": at,
                         "contact_id": f"c{c}", "queue": "sales", "channel": "voice",
                         **({"agent_id": agent} if kind != "queued" else {}),
                         **({"talk_s": 60} if kind == "ended" else {})})
    docs.sort(key=lambda d: int(str(d["ts"])))
    return [orjson.dumps(d) for d in docs]


def _agents_after(crash: bool) -> View:
    """The agents' partition after the calls are folded in two batches, each batch's derived
    events folded there once sent. With ``crash``, the worker dies after the agents'
    partition has published the second batch's derived events, before the calls' partition
    is saved: the restarted worker folds the calls again and sends them again."""
    store = MemoryStore()
    calls = records(_calls_with_agents())
    agents = [Record("agents", 0, a, None, orjson.dumps(
        {"event_id": f"s{a}", "type": "agent.state", "ts": T0, "agent_id": f"a{a}",
         "state": "available", "queues": ["sales"]})) for a in range(2)]
    processor = Processor(REGISTRY, store, clock_factory("event"))

    def save(pid: str) -> None:
        pending = processor.prepare([pid])
        assert processor.settle(pending, processor.execute(pending)) == []

    def fold_calls(chunk: list[Record]) -> None:
        folded = processor.fold({("calls", 0): chunk})
        for pack in packs([derived.doc for derived in folded.derived]):  # as a worker sends
            agents.append(Record("agents", 0, len(agents), None, pack))  # them, folded there
        processor.sent(folded)
        processor.fold({("agents", 0): agents[processor.state("agents:0").offset + 1:]})
        save("agents:0")

    half = len(calls) // 2
    fold_calls(calls[:half])
    save("calls:0")
    fold_calls(calls[half:])
    if crash:
        processor = Processor(REGISTRY, store, clock_factory("event"))
        fold_calls(calls[processor.state("calls:0").offset + 1:])
    save("calls:0")
    return store.view("agents:0")


def test_derived_agent_events_sent_again_after_a_crash_are_counted_once() -> None:
    once, again = _agents_after(crash=False), _agents_after(crash=True)
    assert again.totals == once.totals
    assert again.live == once.live
    assert again.counters["processed"] == once.counters["processed"]
    assert "duplicates" not in once.counters and again.counters["duplicates"] > 0


def test_a_hold_limited_to_some_partitions_publishes_the_others_now() -> None:
    """A worker holds only the partitions with more to come: the others are published
    at once, and the held ones at the next save without a hold."""
    processor = Processor(REGISTRY, MemoryStore(), clock_factory("event"))
    values = script(5, 20)

    def fold(start: int, stop: int) -> None:
        processor.fold({("calls", p): [Record("calls", p, offset, None, values[offset])
                                       for offset in range(start, stop)] for p in (0, 1)})

    def published(**options: Any) -> list[str]:
        pending = processor.prepare(**options)
        assert processor.settle(pending, processor.execute(pending)) == []
        return [write.partition_id for write in pending.writes]

    fold(0, 10)
    assert published() == ["calls:0", "calls:1"]
    fold(10, 20)
    assert published(hold_s=3600.0, holding={"calls:1"}) == ["calls:0"]
    assert published() == ["calls:1"]
    fold(20, 30)
    assert published(hold_s=3600.0) == []  # (no ``holding``: every touched partition)
    assert published() == ["calls:0", "calls:1"]


def test_a_tick_moves_and_publishes_only_the_partitions_it_is_given() -> None:
    """The worker ticks the partitions with nothing waiting: the others keep their time
    and what a batch held back, for the batches to come."""
    processor = Processor(REGISTRY, MemoryStore(), clock_factory("event"))
    values = script(6, 20)

    def fold_and_publish(start: int, stop: int, **options: Any) -> None:
        processor.fold({("calls", p): [Record("calls", p, offset, None, values[offset])
                                       for offset in range(start, stop)] for p in (0, 1)})
        pending = processor.prepare(**options)
        assert processor.settle(pending, processor.execute(pending)) == []

    fold_and_publish(0, 10)
    fold_and_publish(10, 20, hold_s=3600.0, holding={"calls:1"})  # calls:1 held
    before = {pid: processor.states[pid].now_ms for pid in ("calls:0", "calls:1")}
    for pid, now_ms in before.items():  # time moves on for both
        processor.clocks[pid].observe(now_ms + 60_000)
    assert processor.tick(["calls:0"]) == []
    assert processor.states["calls:0"].now_ms > before["calls:0"]
    assert processor.states["calls:1"].now_ms == before["calls:1"]
    published = processor.save(["calls:0"])
    assert published == []  # nothing fenced
    assert processor.touched  # calls:1 is still to be published
    pending = processor.prepare()
    assert [write.partition_id for write in pending.writes] == ["calls:1"]
    # a worker catching up asks which were published lately: its tick leaves them to
    # the batches (calls:2, taken up but not yet published, is not one of them)
    processor.state("calls:2")
    assert processor.published_within(3600.0) == {"calls:0", "calls:1"}
    assert processor.published_within(0.0) == set()
