"""Records fetched lean: against the real broker, a marked consumer gets every record
once, in order, with the offsets, keys and values aiokafka's own path gives, within
``max_records`` and from a position inside a batch; an unmarked consumer is served as
before. The batch walk itself is held to a brute-force reference on random batches."""

from __future__ import annotations

import asyncio
import gc
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer import fetcher
from aiokafka.errors import CorruptRecordException
from hypothesis import given
from hypothesis import strategies as st

from ccpulse.devtools.embedded import Service
from ccpulse.stream import fetch

_names = itertools.count()
PARTITIONS = 3


# -- the batch walk, against a reference -------------------------------------------------
@dataclass
class FakeRecord:
    offset: int


@dataclass
class FakeBatch:
    offsets: list[int]
    next_offset: int
    is_control_batch: bool = False
    crc_ok: bool = True

    def validate_crc(self) -> bool:
        return self.crc_ok

    def __iter__(self) -> Any:
        return iter([FakeRecord(o) for o in self.offsets])


@dataclass
class FakeBatches:
    batches: list[FakeBatch]

    def has_next(self) -> bool:
        return bool(self.batches)

    def next_batch(self) -> FakeBatch:
        return self.batches.pop(0)


@dataclass
class FakePart:
    _records: FakeBatches
    next_fetch_offset: int
    _check_crcs: bool = True


@dataclass
class FakeResult:
    _partition_records: FakePart | None
    _topic_partition: str = "t-0"
    positions: list[int] = field(default_factory=list)

    def _update_position(self) -> None:
        assert self._partition_records is not None
        self.positions.append(self._partition_records.next_fetch_offset)


@st.composite
def partition_logs(draw: st.DrawFn) -> tuple[list[FakeBatch], int]:
    """Batches of ascending offsets (with gaps, as compaction leaves them), some control
    batches, and a fetch position anywhere in the first few."""
    batches, offset = [], draw(st.integers(0, 5))
    for _ in range(draw(st.integers(0, 6))):
        size = draw(st.integers(0, 6))
        offsets = []
        for _ in range(size):
            offset += draw(st.integers(1, 3))
            offsets.append(offset)
        offset += draw(st.integers(1, 2))
        batches.append(FakeBatch(offsets, offset, draw(st.booleans()) and draw(st.booleans())))
    start = draw(st.integers(0, offset))
    return batches, start


@given(log=partition_logs(), rooms=st.lists(st.integers(1, 8), min_size=1, max_size=30))
def test_taking_hands_over_each_record_after_the_position_once_in_order_within_room(
        log: tuple[list[FakeBatch], int], rooms: list[int]) -> None:
    batches, start = log
    expected = [o for b in batches if not b.is_control_batch for o in b.offsets if o >= start]
    part = FakePart(FakeBatches(list(batches)), start)
    result = FakeResult(part)
    got: list[int] = []
    for room in rooms:
        if result._partition_records is None:
            break
        taken = [r.offset for r in fetch.take(result, part, room)]
        assert len(taken) <= room
        got += taken
        if taken:  # the position is past what was handed over, never past what was not
            assert result.positions[-1] > taken[-1]
            assert all(o >= result.positions[-1] for o in expected[len(got):])
    if result._partition_records is not None:  # the rooms ran out first: take the rest
        got += [r.offset for r in fetch.take(result, part, 1 << 30)]
    assert got == expected
    assert result._partition_records is None  # handed over whole: fetched anew


def test_a_batch_whose_crc_fails_raises_and_is_fetched_again() -> None:
    good, bad = FakeBatch([1, 2], 3), FakeBatch([3, 4], 5, crc_ok=False)
    part = FakePart(FakeBatches([good, bad]), 0)
    result = FakeResult(part)
    with pytest.raises(CorruptRecordException):
        fetch.take(result, part, 10)
    assert result.positions == [3]  # at the bad batch, which the next fetch asks for
    assert result._partition_records is None


def test_an_aiokafka_without_what_the_hook_reads_is_left_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Bare:
        def getall(self, max_records: int | None = None) -> list[Any]:
            return []

    monkeypatch.setattr(fetch, "_original_getall", None)
    monkeypatch.setattr(fetcher, "FetchResult", Bare)
    assert fetch.install() is False
    assert Bare.getall is not fetch._getall
    assert fetch._original_getall is None


# -- against the real broker ---------------------------------------------------------------
async def fill(bootstrap: str, count: int, compression: str | None = None) -> str:
    """A topic of ``count`` records in many record batches of uneven sizes, with keys and
    values of every kind (none, empty, binary), compressed as ``compression`` says."""
    topic = f"lean{next(_names)}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_batch_size=2 << 10,
                                linger_ms=2, compression_type=compression)
    await producer.start()
    try:
        sent = []
        for i in range(count):
            key = None if i % 7 == 0 else f"k{i % 11}".encode()
            value = bytes([i % 256]) * (i % 90)
            if i % 13 == 0 and key:
                value = None
            elif i % 17 == 0:
                value = b""
            sent.append(await producer.send(topic, value, key=key, partition=i % PARTITIONS))
            if i % 50 == 49:
                await asyncio.gather(*sent)
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return topic


async def read(bootstrap: str, topic: str, lean: bool, max_records: int, starts: dict[int, int],
               end: int) -> tuple[dict[int, list[tuple[int, Any, Any]]], set[type]]:
    """Every record from ``starts`` (partition -> offset) to ``end``, by partition, and
    the types of the record objects handed over."""
    options: dict[str, Any] = {"key_deserializer": fetch.key_as_is} if lean else {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=8 << 10, **options)
    await consumer.start()
    out: dict[int, list[tuple[int, Any, Any]]] = {p: [] for p in range(PARTITIONS)}
    kinds: set[type] = set()
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, starts.get(tp.partition, 0))
        while [tp for tp in tps if await consumer.position(tp) < end]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=max_records)
            assert sum(len(records) for records in batch.values()) <= max_records
            for tp, records in batch.items():
                kinds.update(type(record) for record in records)
                out[tp.partition] += [(r.offset, r.key, r.value) for r in records]
    finally:
        await consumer.stop()
    return out, kinds


@pytest.mark.integration
@pytest.mark.parametrize(("max_records", "compression"),
                         [(1, None), (7, None), (100_000, None), (7, "gzip")])
def test_a_marked_consumer_reads_what_aiokafka_reads_without_its_record_objects(
        broker: Service, max_records: int, compression: str | None) -> None:
    assert fetch.install()
    bootstrap = f"127.0.0.1:{broker.port}"
    topic = asyncio.run(fill(bootstrap, 200 * PARTITIONS, compression))
    starts = {0: 0, 1: 37, 2: 151}  # two of them inside a record batch
    plain, plain_kinds = asyncio.run(read(bootstrap, topic, False, max_records, starts, 200))
    lean, lean_kinds = asyncio.run(read(bootstrap, topic, True, max_records, starts, 200))
    assert lean == plain
    for partition, records in lean.items():
        assert [offset for offset, _, _ in records] == list(range(starts[partition], 200))
    assert plain_kinds == {ConsumerRecord}  # an unmarked consumer: as aiokafka serves it
    assert ConsumerRecord not in lean_kinds


@pytest.mark.integration
def test_fetched_partitions_are_freed_without_the_cycle_collector(broker: Service) -> None:
    """aiokafka's record generator refers back to its partition records; left in place
    unstarted, each fetch's bytes would wait for a full collection (a worker's are rare)."""
    assert fetch.install()
    bootstrap = f"127.0.0.1:{broker.port}"
    topic = asyncio.run(fill(bootstrap, 200 * PARTITIONS))
    gc.collect()
    gc.disable()
    try:
        asyncio.run(read(bootstrap, topic, True, 7, {}, 200))
        left = [o for o in gc.get_objects() if isinstance(o, fetcher.PartitionRecords)]
    finally:
        gc.enable()
    assert left == []  # the consumer is gone: any left would wait for the collector
