"""Keyed events sent packed in batches: the packs hold every event once, in order, within
their limits; against the real broker, each event lands on the partition the producer's
own partitioner gives its key, in order, however many there are."""

from __future__ import annotations

import asyncio
import itertools

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from hypothesis import given
from hypothesis import strategies as st

from ccpulse.devtools.embedded import Service
from ccpulse.stream.batches import BatchSender, Packer, packs
from ccpulse.windows.domain import Derived

_names = itertools.count()


@given(sizes=st.lists(st.integers(0, 300), max_size=60), max_events=st.integers(1, 8),
       max_bytes=st.integers(1, 2_000))
def test_packs_hold_every_event_once_in_order_within_their_limits(
        sizes: list[int], max_events: int, max_bytes: int) -> None:
    events = [{"n": i, "pad": "x" * size} for i, size in enumerate(sizes)]
    out = [orjson.loads(value) for value in packs(events, max_events, max_bytes)]
    assert [event for pack in out for event in pack] == events
    for pack in out:
        assert 1 <= len(pack) <= max_events
        assert len(pack) == 1 or len(orjson.dumps(pack)) <= max_bytes


@given(count=st.integers(1, 3_000), pad=st.integers(0, 400),
       max_bytes=st.integers(2_000, 60_000))
def test_packs_of_like_events_come_out_nearly_full(count: int, pad: int, max_bytes: int) -> None:
    """A packer learns how many events fit: every pack but the last falls short of four
    fifths of the limit by less than one event, and a second call packs as full."""
    events = [{"event_id": f"e-{i:06d}", "pad": "x" * pad} for i in range(count)]
    event_bytes = len(orjson.dumps(events[0])) + 1  # with its comma
    packer = Packer(max_events=10_000, max_bytes=max_bytes)
    for _ in range(2):
        out = list(packer.packs(events))
        assert [event for value in out for event in orjson.loads(value)] == events
        for value in out[:-1]:
            assert 0.8 * max_bytes - event_bytes < len(value) <= max_bytes


async def send_both_ways(bootstrap: str, keys: list[bytes], value_bytes: int
                         ) -> tuple[dict[bytes, int], dict[bytes, list[tuple[int, str]]]]:
    """Where the plain producer puts each key, and what the batch sender's topic holds: each
    event's key and value, by the partition it landed on (which the sender reports)."""
    by_send, by_batch = f"plain{next(_names)}", f"batched{next(_names)}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 5, 1) for t in (by_send, by_batch)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_batch_size=16 << 10)
    await producer.start()
    try:
        plain = {key: (await (await producer.send(by_send, b"x", key=key))).partition
                 for key in set(keys)}
        values = [f"{i:0{value_bytes}d}" for i in range(len(keys))]
        sent = await BatchSender().send(producer, [
            Derived("batched", key.decode(), {"key": key.decode(), "value": value})
            for key, value in zip(keys, values, strict=True)], lambda _: by_batch)
        await asyncio.gather(*sent.futures)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(by_batch, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest")
    await consumer.start()
    landed: dict[bytes, list[tuple[int, str]]] = {}
    try:
        seen = 0
        while seen < len(keys):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    assert record.key is None and record.value is not None  # a pack
                    for event in orjson.loads(record.value):
                        landed.setdefault(event["key"].encode(), []).append(
                            (record.partition, event["value"]))
                        seen += 1
    finally:
        await consumer.stop()
    assert sent.partitions == {(by_batch, partition) for partition in plain.values()}
    return plain, landed


@pytest.mark.integration
def test_each_key_lands_where_the_producer_puts_it_in_order(broker: Service) -> None:
    keys = [f"agent-{i % 37}".encode() for i in range(3_000)]  # several full batches
    plain, landed = asyncio.run(send_both_ways(f"127.0.0.1:{broker.port}", keys, 40))
    assert len({partition for partition in plain.values()}) > 1
    for key, records in landed.items():
        assert {partition for partition, _ in records} == {plain[key]}
        sent = [f"{i:040d}" for i, k in enumerate(keys) if k == key]
        assert [value for _, value in records] == sent


@pytest.mark.integration
def test_a_pack_larger_than_a_batch_goes_out_alone(broker: Service) -> None:
    keys = [b"a", b"b", b"a"]
    _, landed = asyncio.run(send_both_ways(f"127.0.0.1:{broker.port}", keys, 20_000))
    assert sorted(len(records) for records in landed.values()) == [1, 2]
