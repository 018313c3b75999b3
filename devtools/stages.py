"""What one worker's per-event path costs, stage by stage, measured in process.

The catch-up rounds of ``ccpulse bench`` time whole workers against the raw consumer;
this folds the same mix in the bench's own process (the same build, no broker), in
batches as a worker catching up reads them (see :class:`Logs`), and times each stage
on one thread, per input event:

- ``parse_us``: ``orjson.loads`` of each record, which the raw consumer does too;
- ``validate_us``: the registry decoding the parsed event: its envelope, its fields
  and the event object;
- ``apply_us``: the fold's remainder: the domains and the windows applying the
  events, and decoding and applying the events they derive (packed per agents
  partition, as a worker sends them, at the end of that partition's log);
- ``publish_us``: preparing publications and checkpoints for the save script, at
  the cadence of a worker catching up (a partition at most once a second); the saves
  themselves go to Redis outside the timed stages.

Their sum is the CPU a worker spends on an event besides consuming it and sending
what it derives, to read against the raw consumer's whole cost per event
(``raw_us``).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import orjson
import redis
from aiokafka.partitioner import DefaultPartitioner

from ccpulse.devtools.embedded import start_redis
from ccpulse.runtime import GC_THRESHOLDS
from ccpulse.sources.producer import Routed
from ccpulse.state.redis_store import RedisStore
from ccpulse.stream.batches import packs
from ccpulse.stream.codec import Rejected, decode_record
from ccpulse.stream.config import WorkerConfig
from ccpulse.stream.processor import Processor, ProcessorConfig, Record, RecordLike
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.registry import Registry

CHUNK_RECORDS = 10_000  # of one partition in a batch (a worker's catching up: ~10,600)
TOLERANCE_MS = ProcessorConfig().future_tolerance_ms


@contextmanager
def worker_gc() -> Iterator[None]:
    """Garbage collection tuned as a worker tunes it, for the duration."""
    before = gc.get_threshold()
    gc.collect()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Logs:
    """Partition logs read as a catching-up worker reads its topics: a batch is up to
    ``batch_size`` records, taken from the partitions in turn (each batch starting one
    partition further on), up to ``chunk`` records each (about what one fetch of a
    partition holds)."""

    def __init__(self, batch_size: int, chunk: int = CHUNK_RECORDS) -> None:
        self.batch_size = batch_size
        self.chunk = chunk
        self.records: dict[tuple[str, int], list[RecordLike]] = defaultdict(list)
        self.positions: dict[tuple[str, int], int] = defaultdict(int)  # next to fetch
        self.turn = 0

    def append(self, topic: str, partition: int, key: bytes | None, value: bytes) -> None:
        log = self.records[(topic, partition)]
        log.append(Record(topic, partition, len(log), key, value))

    def fetch(self) -> dict[tuple[str, int], list[RecordLike]]:
        """The next batch (empty: every record is fetched)."""
        batch: dict[tuple[str, int], list[RecordLike]] = {}
        room = self.batch_size
        order = list(self.records)
        self.turn = (self.turn + 1) % max(len(order), 1)
        for tp in order[self.turn:] + order[:self.turn]:
            at = self.positions[tp]
            take = min(self.chunk, room, len(self.records[tp]) - at)
            if take > 0:
                batch[tp] = self.records[tp][at:at + take]
                self.positions[tp] = at + take
                room -= take
        return batch


class Stages:
    """One fold of the mix, with per-stage thread CPU seconds. The input is in the
    topics before it starts, so what it derives lands at the end of the agents
    partitions' logs."""

    def __init__(self, registry: Registry, store: RedisStore, partitions: int,
                 batch_size: int) -> None:
        self.numbers = list(range(partitions))
        self.partitioner = DefaultPartitioner()  # the producers' (derived events: the same)
        self.processor = Processor(registry, store, clock_factory("event"))
        self.logs = Logs(batch_size)
        self.fold_s = 0.0
        self.publish_s = 0.0
        self.derived = 0

    def partition_of(self, key: bytes) -> int:
        return int(self.partitioner(key, self.numbers, self.numbers))

    def fold_all(self) -> None:
        """Fold every record, and every pack of events derived from them."""
        while batch := self.logs.fetch():
            started = time.thread_time()
            folded = self.processor.fold(batch)
            self.fold_s += time.thread_time() - started
            self.derived += len(folded.derived)
            targets: dict[tuple[str, int], list[dict[str, object]]] = defaultdict(list)
            for derived in folded.derived:
                target = (derived.topic, self.partition_of(derived.key.encode()))
                targets[target].append(derived.doc)
            for (topic, partition), docs in targets.items():
                for value in packs(docs):
                    self.logs.append(topic, partition, None, value)
            self.publish(WorkerConfig.publish_hold_s)
        self.publish(0.0)  # what the last batches held back

    def publish(self, hold_s: float) -> None:
        """Prepare what is due (timed), then save it in Redis (not timed)."""
        started = time.thread_time()
        pending = self.processor.prepare(hold_s=hold_s)
        self.publish_s += time.thread_time() - started
        self.processor.settle(pending, self.processor.execute(pending))


def measure(events: Sequence[Routed], registry: Registry, client: redis.Redis,
            prefix: str, partitions: int,
            batch_size: int = WorkerConfig.batch_size) -> dict[str, float]:
    """Microseconds of CPU per input event, by stage (see the module's docstring), and
    the events derived per input event."""
    n = len(events)
    values = [event.value for event in events]
    now_ms = int(time.time() * 1000)
    stages = Stages(registry, RedisStore(client, registry, prefix), partitions, batch_size)
    for event in events:
        stages.logs.append(event.topic, stages.partition_of(event.key or b""), event.key,
                           event.value)
    with worker_gc():
        started = time.thread_time()
        for value in values:
            orjson.loads(value)
        parse_s = time.thread_time() - started
        started = time.thread_time()
        for value in values:
            try:
                decode_record(value, registry, now_ms, TOLERANCE_MS)
            except Rejected:  # (the fold dead-letters it)
                continue
        decode_s = time.thread_time() - started
        stages.fold_all()
    per_event = 1e6 / max(n, 1)
    return {"parse_us": parse_s * per_event,
            "validate_us": (decode_s - parse_s) * per_event,
            "apply_us": (stages.fold_s - decode_s) * per_event,
            "publish_us": stages.publish_s * per_event,
            "fold_and_publish_us": (stages.fold_s + stages.publish_s) * per_event,
            "derived_per_event": stages.derived / max(n, 1)}


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ccpulse.devtools.stages``: the bench's stage measurement alone, on an
    embedded Redis, one JSON line per round. Under ``valgrind --tool=callgrind`` (see
    BENCHMARKS.md) it counts the instructions of the fold and publication."""
    from ccpulse.devtools import bench  # (which imports this module)

    parser = argparse.ArgumentParser(prog="python -m ccpulse.devtools.stages")
    parser.add_argument("--events", type=int, default=200_000, help="events of the mix")
    parser.add_argument("--rounds", type=int, default=1, help="folds of the same events")
    args = parser.parse_args(argv)
    events = bench.route_all(bench.realistic_mix(args.events, time.time() - 2 * 3_600))
    server = start_redis()
    try:
        client = redis.Redis(port=server.port)
        for i in range(args.rounds):
            figures = measure(events, bench.REGISTRY, client, f"stages{i}", bench.PARTITIONS)
            print(json.dumps({"events": len(events), **figures}), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
