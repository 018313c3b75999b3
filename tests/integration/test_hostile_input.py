"""Hostile records among valid ones, through the real broker, worker, Redis and exporter:
the worker never dies, every bad record is dead-lettered exactly once with its original
bytes, the valid calls around them are counted exactly, and queues, series and tracked
contacts stay within their caps."""

from __future__ import annotations

import bisect
import random
from collections import Counter
from typing import Any

import orjson
import pytest

from ccpulse.stream.codec import MAX_PACK_EVENTS
from tests.hostile import (
    MAX_RECORD_BYTES,
    T0,
    VALIDATOR,
    hostile_cases,
    is_valid_event,
    strict_json,
)
from tests.integration.helpers import REGISTRY, Stack, sample, scrape, wait_for

PARTITIONS = 4
MAX_QUEUES = 8
MAX_CONTACTS = 400
SEQUENCE_REASONS = {reason for domain in REGISTRY.domains for reason in domain.reasons} | {
    "ts_in_future", "entity_limit"}


def scripted_calls(count: int) -> list[tuple[int, bytes, bytes]]:
    """(ts, value, key) of calls in sales and support, each queued, answered and ended,
    over three hours from T0."""
    rng = random.Random(5)
    out = []
    for i in range(count):
        queued = T0 + i * 10_800_000 // count
        answered = queued + rng.randrange(2_000, 40_000)
        base = {"contact_id": f"s{i}", "queue": ("sales", "support")[i % 2], "channel": "voice"}
        for kind, ts in (("queued", queued), ("answered", answered),
                         ("ended", answered + 60_000)):
            doc = {"event_id": f"s{i}{kind}", "type": f"call.{kind}", "ts": ts, **base}
            out.append((ts, orjson.dumps(doc), f"s{i}".encode()))
    out.sort(key=lambda item: item[0])
    return out


def hostile_sample(count: int) -> list[Any]:
    """Cases of every category, with at most a few of the megabyte ones."""
    big = Counter[str]()
    chosen = []
    for case in hostile_cases(seed=15, count=count * 2):
        if len(case.value) > 100_000:
            big[case.category] += 1
            if big[case.category] > 4:
                continue
        chosen.append(case)
    return chosen[:count]


def pack_of(value: bytes) -> list[Any] | None:
    """The events of a record that is a pack (None: it is not)."""
    try:
        doc = strict_json(value)
    except ValueError:
        return None
    if isinstance(doc, list) and 0 < len(doc) <= MAX_PACK_EVENTS \
            and len(value) <= MAX_RECORD_BYTES:
        return doc
    return None


def dead_letters_of(value: bytes) -> list[bytes]:
    """What the worker dead-letters of a record for what it holds, not for what it does
    to its contact: the record, or each bad event of a pack (its own bytes; the pack's if
    nested too deep to write again)."""
    pack = pack_of(value)
    if pack is None:
        return [] if is_valid_event(value) else [value]
    out = []
    for entry in pack:
        try:
            own = orjson.dumps(entry)
        except orjson.JSONEncodeError:
            own = value
        if not (isinstance(entry, dict) and VALIDATOR.is_valid(entry)):
            out.append(own)
    return out


def time_of(value: bytes) -> int | None:
    try:
        doc = strict_json(value)
    except ValueError:
        return None
    ts = doc.get("ts") if isinstance(doc, dict) else None
    return ts if isinstance(ts, int) else None


@pytest.mark.integration
def test_hostile_records_among_valid_ones(stack: Stack) -> None:
    rng = random.Random(7)
    calls = scripted_calls(300)
    times = [ts for ts, _, _ in calls]
    records: list[tuple[bytes, bytes | None]] = [(value, key) for _, value, key in calls]
    # valid hostile events where their time puts them, the rest anywhere after the
    # first 200 records (by then every partition has seen both scripted queues)
    placed: list[tuple[int, bytes, bytes | None]] = []
    for case in hostile_sample(1200):
        ts = time_of(case.value)
        at = bisect.bisect(times, ts) if ts is not None and ts >= T0 else \
            rng.randrange(200, len(records))
        placed.append((max(at, 200), case.value, case.key))
    for at, value, key in sorted(placed, key=lambda item: -item[0]):
        records.insert(at, (value, key))
    flood = [(orjson.dumps({"event_id": f"f{i}", "type": "call.queued", "ts": T0 + 10_900_000,
                            "contact_id": f"f{i}", "queue": "sales", "channel": "voice"}),
              f"f{i}".encode()) for i in range(4 * MAX_CONTACTS)]
    invalid = Counter(dead for value, _ in records for dead in dead_letters_of(value))

    stack.produce_raw(records)
    stack.produce_raw(flood)
    # derived agent events would add records of the worker's own to the count below
    worker = stack.start_worker(CCPULSE_CLOCK="event", CCPULSE_MAX_QUEUES=str(MAX_QUEUES),
                                CCPULSE_MAX_CONTACTS=str(MAX_CONTACTS),
                                CCPULSE_DERIVE_AGENT_ACTIVITY="false")
    total = sum(len(pack_of(value) or [value]) for value, _ in records) + len(flood)
    wait_for(lambda: stack.consumed() >= total, 120, "the worker to take every record", worker)
    assert stack.consumed() == total, "every record is counted once"
    assert worker.poll() is None, "the worker must survive hostile input"

    rejected = sum(v for k, v in stack.counters().items() if k.startswith("rejected:"))
    dead = stack.deadletters(rejected, timeout_s=60)
    assert len(dead) == rejected, "one dead letter per rejection, no more, no less"
    dead_values = Counter(r.value for r in dead)
    for value, sent in invalid.items():
        assert dead_values[value] == sent, value[:200]
    for r in dead:
        headers = dict(r.headers)
        if r.value not in invalid:
            assert headers["reason"].decode() in SEQUENCE_REASONS, headers
        assert headers["detail"]
    assert stack.counter("rejected:entity_limit") > 0

    port = stack.start_exporter(CCPULSE_CLOCK="event")
    m = scrape(port)
    for queue in ("sales", "support"):
        assert sample(m, "ccpulse_contacts_offered_total", queue=queue, channel="voice") == 150
        assert sample(m, "ccpulse_contacts_answered_total", queue=queue, channel="voice") == 150
    queues = {dict(labels).get("queue") for _, labels in m} - {None}
    assert len(queues) <= PARTITIONS * MAX_QUEUES + 1  # and "other"
    assert "other" in queues
    waiting = sum(v for (name, _), v in m.items() if name == "ccpulse_contacts_waiting")
    assert 0 < waiting <= PARTITIONS * MAX_CONTACTS
    series = len(m)
    assert series < 20_000, series
    used = int(stack.redis.info("memory")["used_memory"])
    assert used < 200 * 1024 * 1024, used
    print(f"hostile input: {total} records ({sum(invalid.values())} invalid), "
          f"{len(dead)} dead letters, {stack.counter('rejected:entity_limit')} over the "
          f"contact cap, {len(queues)} queues, {series} series, Redis {used / 2**20:.1f} MiB")


@pytest.mark.integration
def test_a_pack_dead_letters_each_bad_event_alone_with_its_own_bytes(stack: Stack) -> None:
    def queued(contact: str, **extra: Any) -> dict[str, Any]:
        return {"event_id": contact, "type": "call.queued", "ts": T0, "contact_id": contact,
                "queue": "sales", "channel": "voice", **extra}

    bad = queued("p1", queue=None)
    stack.produce_raw([(orjson.dumps([queued("p0"), bad, queued("p2")]), b"pack"),
                       (b"[]", b"pack")])
    worker = stack.start_worker(CCPULSE_CLOCK="event")
    wait_for(lambda: stack.consumed() >= 4, 60, "the worker to take both records", worker)
    assert (stack.counter("processed"), stack.counter("rejected:missing_field"),
            stack.counter("rejected:bad_pack")) == (2, 1, 1)
    dead = {dict(r.headers)["reason"]: r for r in stack.deadletters(2)}
    entry, empty = dead[b"missing_field"], dead[b"bad_pack"]
    assert entry.value == orjson.dumps(bad)
    assert dict(entry.headers)["entry"] == b"1"
    assert dict(entry.headers)["source"] == dict(empty.headers)["source"][:-1] + b"0"
    assert empty.value == b"[]" and "entry" not in dict(empty.headers)
