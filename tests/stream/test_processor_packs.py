"""Records that hold a pack of events fold exactly as their events would one by one,
through stops and take-ups; each refused event is dead-lettered alone with its own
bytes, an event that raises is isolated alone, and the event-time guard sees a pack
as one record."""

from __future__ import annotations

import random

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ccpulse.stream.codec import MAX_PACK_EVENTS
from ccpulse.stream.processor import DeadLetter, PackEntry, Processor, ProcessorConfig
from ccpulse.windows.agents.domain import AgentsDomain
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.voice import VoiceDomain
from ccpulse.windows.registry import Registry
from ccpulse.windows.store import MemoryStore
from tests.stream.test_processor import PID, T0, BrittleDomain, records, run, script

HOUR = 3_600_000


def packed(values: list[bytes], seed: int) -> list[bytes]:
    """The same events, runs of one to six JSON objects packed into one record each (what
    is not an object stays a record of its own)."""
    rng = random.Random(seed)
    out: list[bytes] = []
    run_: list[bytes] = []
    for value in values:
        try:
            is_object = isinstance(orjson.loads(value), dict)
        except orjson.JSONDecodeError:
            is_object = False
        if not is_object:
            out.extend([b"[" + b",".join(run_) + b"]"] if run_ else [])
            out.append(value)
            run_ = []
            continue
        run_.append(value)
        if len(run_) >= rng.randint(1, 6):
            out.append(b"[" + b",".join(run_) + b"]")
            run_ = []
    out.extend([b"[" + b",".join(run_) + b"]"] if run_ else [])
    return out


def letters(dead: list[DeadLetter]) -> list[tuple[bytes | None, str]]:
    """Dead letters as what a reader of the dead-letter topic gets: bytes and reason."""
    return [(d.record.value, d.reason) for d in dead]


@settings(max_examples=30, deadline=None)
@example(seed=1101, contacts=2, batch=1, stops={})  # an agent's time corrected
@given(seed=st.integers(0, 10_000), contacts=st.integers(1, 60), batch=st.integers(1, 20),
       stops=st.dictionaries(st.integers(0, 40), st.booleans(), max_size=4))
def test_packed_events_fold_as_they_would_one_by_one(seed: int, contacts: int, batch: int,
                                                     stops: dict[int, bool]) -> None:
    """(With no jump ahead in time for the event-time guard to hold: it sees a pack as one
    record, tested below.)"""
    values = script(seed, contacts)
    alone, in_packs = MemoryStore(), MemoryStore()
    steady = ProcessorConfig(jump_tolerance_ms=4 * HOUR)  # the script spans three hours
    dead_alone = run(alone, records(values), batch, {}, config=steady)
    dead_packed = run(in_packs, records(packed(values, seed)), batch, stops, config=steady)
    expected, got = alone.view(PID), in_packs.view(PID)
    assert (got.totals, got.live, got.counters) == (expected.totals, expected.live,
                                                   expected.counters)
    assert sorted(letters(dead_packed)) == sorted(
        (orjson.dumps(orjson.loads(value)) if value.startswith(b"{") and b"not json" not in value
         else value, reason) for value, reason in letters(dead_alone))


def call(event_id: str, ts: int, kind: str = "queued", **extra: object) -> dict[str, object]:
    return {"event_id": event_id, "type": f"call.{kind}", "ts": ts, "contact_id": event_id,
            "queue": "sales", "channel": "voice", **extra}


def fold(values: list[bytes], registry: Registry | None = None
         ) -> tuple[list[DeadLetter], MemoryStore]:
    store = MemoryStore()
    dead = run(store, records(values), 1000, {}, registry or
               Registry(EngineConfig(), [VoiceDomain(EngineConfig()), AgentsDomain()]))
    return dead, store


def test_a_refused_event_of_a_pack_is_dead_lettered_alone_with_its_own_bytes() -> None:
    bad = call("c2", T0 + 1, queue=None)
    dead, store = fold([orjson.dumps([call("c1", T0), bad, call("c3", T0 + 2)])])
    [letter] = dead
    assert isinstance(letter.record, PackEntry)
    assert (letter.reason, letter.record.index, letter.record.offset) == ("missing_field", 1, 0)
    assert letter.record.value == orjson.dumps(bad)
    assert store.view(PID).counters["processed"] == 2


def test_an_empty_or_too_long_pack_is_one_dead_letter() -> None:
    too_long = orjson.dumps([1] * (MAX_PACK_EVENTS + 1))
    dead, store = fold([b"[]", too_long, orjson.dumps([call("c1", T0)])])
    assert [(d.record.value, d.reason) for d in dead] == [(b"[]", "bad_pack"),
                                                          (too_long, "bad_pack")]
    assert store.view(PID).counters["processed"] == 1


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_an_event_of_a_pack_that_raises_is_isolated_alone(batch: int) -> None:
    config = EngineConfig()
    brittle = Registry(config, [VoiceDomain(config), AgentsDomain(), BrittleDomain()])
    boom = {"event_id": "b", "type": "test.boom", "ts": T0, "contact_id": "x"}
    before = [orjson.dumps(call(f"c{i}", T0 + i)) for i in range(3)]
    after = [orjson.dumps(call(f"d{i}", T0 + 10 + i)) for i in range(3)]
    pack = [call("p1", T0 + 5), boom, call("p2", T0 + 6)]
    store, reference = MemoryStore(), MemoryStore()
    dead = run(store, records([*before, orjson.dumps(pack), *after]), batch, {}, brittle)
    run(reference, records([*before, orjson.dumps([pack[0], {"type": "x"}, pack[2]]),
                            *after]), batch, {}, brittle)
    assert [(d.reason, getattr(d.record, "index", None), d.record.value) for d in dead] == \
        [("processing_error", 1, orjson.dumps(boom))]
    got, expected = store.view(PID), reference.view(PID)
    assert got.counters.pop("rejected:processing_error") == 1
    assert expected.counters.pop("rejected:unknown_type") == 1
    assert got == expected


def guarded(values: list[bytes]) -> tuple[list[DeadLetter], MemoryStore]:
    """The records folded in one batch on the event clock (the guard's defaults)."""
    store = MemoryStore()
    processor = Processor(Registry(EngineConfig(), [VoiceDomain(EngineConfig())]), store,
                          clock_factory("event"))
    folded = processor.fold({("calls", 0): records(values)})
    processor.save()
    return folded.dead, store


def test_a_pack_far_ahead_is_held_as_one_record_until_later_records_confirm_it() -> None:
    later = T0 + 24 * HOUR  # a quiet night: the partition's time moves on a day
    values = [orjson.dumps(call(f"c{i}", T0 + i * 1000)) for i in range(5)]
    values.append(orjson.dumps([call("p1", later), call("p2", later + 1000),
                                call("p3", later + 2000)]))  # its own events do not vote
    dead, store = guarded(values)
    assert dead == [] and store.view(PID).counters["processed"] == 5
    values += [orjson.dumps(call(f"d{i}", later + 3000 + i * 1000)) for i in range(2)]
    dead, store = guarded(values)
    assert dead == [] and store.view(PID).counters["processed"] == 5 + 3 + 2


def test_a_pack_far_ahead_and_refuted_loses_only_its_events_far_ahead() -> None:
    """On the event clock a pack is one record to the guard, at its newest event's time:
    held when that is far ahead, and when the records after it refute the jump, its events
    within the tolerance of the partition's time are applied, the others refused."""
    near, far = call("n", T0 + 61_000), call("f", T0 + 24 * HOUR)
    values = [orjson.dumps(call(f"c{i}", T0 + i * 1000)) for i in range(5)]
    values.append(orjson.dumps([near, far]))
    values += [orjson.dumps(call(f"d{i}", T0 + 60_000 + i * 1000)) for i in range(5)]
    dead, store = guarded(values)
    assert [(d.reason, getattr(d.record, "index", None)) for d in dead] == [("ts_in_future", 1)]
    assert dead[0].record.value == orjson.dumps(far)
    assert store.view(PID).counters["processed"] == 10 + 1  # the calls, and the near event


def test_an_event_too_deep_to_write_again_is_dead_lettered_as_the_whole_pack() -> None:
    deep = b"[" + b"[" * 1000 + b"]" * 1000 + b"]"  # within what the reader takes
    dead, _ = fold([deep])
    [letter] = dead
    assert (letter.reason, letter.record.value) == ("not_an_object", deep)
