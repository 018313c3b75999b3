"""The processor against itself: however often a run is stopped and taken up again from
its last checkpoint, it ends with the same published view as a run never stopped, and
sends each dead letter once."""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Sequence

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from stream.processor import DeadLetter, Processor, Record
from windows.clock import clock_factory
from windows.partition import EngineConfig
from windows.store import MemoryStore, View

T0 = 1_700_000_000_000
PID = "calls:0"
PATHS = (("queued", "answered", "ended"), ("queued", "abandoned"),
         ("queued", "transferred", "answered", "ended"), ("answered",), ("queued", "ended"))


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
                                      "channel": "voice"}
            if kind == "transferred":
                doc["to_queue"] = queue = "general"
            if kind == "ended":
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


def run(store: MemoryStore, log: list[Record], batch: int,
        stops: dict[int, bool]) -> list[DeadLetter]:
    """Fold the log in batches; before batch ``i`` in ``stops``, stop (after a checkpoint
    if its value is True) and take up again with a new processor, as a restart would."""
    dead: list[DeadLetter] = []
    processor = Processor(EngineConfig(), store, clock_factory("event"), checkpoint_s=math.inf)
    position = 0
    i = 0
    while position < len(log):
        if i in stops:
            if stops[i]:
                processor.checkpoint([PID])
            processor = Processor(EngineConfig(), store, clock_factory("event"),
                                  checkpoint_s=math.inf)
            position = processor.state(PID).offset + 1  # where the consumer is sent
        chunk = log[position:position + batch]
        dead.extend(processor.fold({("calls", 0): chunk}))
        assert processor.save() == []
        position += len(chunk)
        i += 1
    return dead


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), contacts=st.integers(1, 120), batch=st.integers(1, 40),
       stops=st.dictionaries(st.integers(0, 60), st.booleans(), max_size=6))
def test_stopping_and_taking_up_again_changes_nothing(seed: int, contacts: int, batch: int,
                                                      stops: dict[int, bool]) -> None:
    log = records(script(seed, contacts))
    straight, interrupted = MemoryStore(), MemoryStore()
    dead_straight = run(straight, log, batch, {})
    dead_interrupted = run(interrupted, log, batch, stops)
    assert interrupted.views[PID] == straight.views[PID]
    assert [(d.record.offset, d.reason) for d in dead_interrupted] == \
        [(d.record.offset, d.reason) for d in dead_straight]


def test_a_stop_after_a_checkpoint_folds_nothing_again() -> None:
    store = MemoryStore()
    log = records(script(1, 50))
    processor = Processor(EngineConfig(), store, clock_factory("event"), checkpoint_s=math.inf)
    processor.fold({("calls", 0): log[:40]})
    processor.save()  # the first save after taking up a partition is a checkpoint
    processor.fold({("calls", 0): log[40:]})
    processor.save()
    again = Processor(EngineConfig(), store, clock_factory("event"))
    assert again.state(PID).offset == 39 and again.replaying(PID)  # folds 40.. again
    processor.checkpoint([PID])
    again = Processor(EngineConfig(), store, clock_factory("event"))
    assert again.state(PID).offset == len(log) - 1 and not again.replaying(PID)


def test_nothing_is_published_while_folding_again() -> None:
    store = MemoryStore()
    log = records(script(2, 60))
    first = Processor(EngineConfig(), store, clock_factory("event"), checkpoint_s=math.inf)
    first.fold({("calls", 0): log[:10]})
    first.save()
    first.fold({("calls", 0): log[10:]})
    first.save()
    published: View = copy.deepcopy(store.views[PID])
    second = Processor(EngineConfig(), store, clock_factory("event"))
    second.fold({("calls", 0): log[10:20]})
    second.save()
    assert store.views[PID] == published and published.offset == len(log) - 1
