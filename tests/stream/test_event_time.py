"""Event time on replays: one record far ahead changes nothing but its own rejection, and
quiet nights move the day on as they should."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.state.redis_store import RedisStore
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry
from ccpulse.windows.store import MemoryStore, PartitionStore
from ccpulse.windows.timeframes import Calendar
from tests.published import fold, scrape
from tests.stream.test_processor import PID, T0, new_store, records, run, script

__all__ = ["new_store"]  # the fixture, for the property test below
DAY = 86_400_000
PLACEHOLDER = b'{"type": "nothing"}'  # rejected as unknown_type, moves nothing


def newest_ts(values: list[bytes]) -> int:
    times = [0]
    for value in values:
        try:
            times.append(orjson.loads(value)["ts"])
        except (orjson.JSONDecodeError, KeyError):
            continue
    return max(times)


def with_outliers(values: list[bytes], positions: list[int], ahead_ms: int) -> list[bytes]:
    """``values`` with a call queued ``ahead_ms`` after the newest record before it
    inserted at each position."""
    out = list(values)
    for position in sorted(set(positions), reverse=True):
        outlier = {"event_id": f"outlier{position}", "type": "call.queued", "queue": "sales",
                   "channel": "voice", "contact_id": f"outlier{position}",
                   "ts": newest_ts(values[:position]) + ahead_ms}
        out.insert(position, orjson.dumps(outlier))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), contacts=st.integers(20, 80), batch=st.integers(1, 40),
       stops=st.dictionaries(st.integers(0, 60), st.booleans(), max_size=4),
       ahead_days=st.integers(1, 3650), data=st.data())
def test_a_record_far_ahead_in_a_replay_changes_nothing_but_its_rejection(
        new_store: Callable[[], PartitionStore], seed: int, contacts: int, batch: int,
        stops: dict[int, bool], ahead_days: int, data: st.DataObject) -> None:
    values = script(seed, contacts)
    # apart from each other and from the end, so that later records give the verdict
    positions = data.draw(st.lists(st.integers(1, len(values) - 4), min_size=1, max_size=3,
                                   unique=True).filter(
        lambda ps: all(abs(a - b) > 3 for a in ps for b in ps if a != b)))
    check_outliers(new_store(), new_store(), values, positions, batch, stops, ahead_days)


def test_a_stop_while_an_outlier_is_held_leaves_nothing_of_what_was_published_before(
        new_store: Callable[[], PartitionStore]) -> None:
    """The processor before the stop published a 5-minute total: its batch ended within
    five minutes of the total's event. The refold from the checkpoint ends its batches
    elsewhere and applies that event when "now" is already past the window, so it never
    makes the total: the first publication after a take-up replaces every total, or
    that one would stay."""
    check_outliers(new_store(), new_store(), script(0, 20), [19], 21, {2: False}, 1)


def check_outliers(store: PartitionStore, reference: PartitionStore, values: list[bytes],
                   positions: list[int], batch: int, stops: dict[int, bool],
                   ahead_days: int) -> None:
    outlying = with_outliers(values, positions, ahead_days * DAY)
    placed = sorted(p + i for i, p in enumerate(sorted(positions)))
    reference_values = [PLACEHOLDER if i in placed else v for i, v in enumerate(outlying)]
    dead = run(store, records(outlying), batch, stops)
    expected_dead = run(reference, records(reference_values), batch, {})
    got, expected = store.view(PID), reference.view(PID)
    assert got.counters.pop("rejected:ts_in_future") == len(placed)
    assert expected.counters.pop("rejected:unknown_type") - \
        got.counters.pop("rejected:unknown_type", 0) == len(placed)
    assert got == expected
    assert sorted((d.record.offset, d.reason) for d in dead) == sorted(
        (d.record.offset, "ts_in_future" if d.record.offset in placed else d.reason)
        for d in expected_dead)


def local_ms(zone: ZoneInfo, day: datetime, hour: float) -> int:
    return round((day + timedelta(hours=hour)).replace(tzinfo=zone).timestamp() * 1000)


def test_quiet_nights_move_today_and_the_interval_on(redis_client: redis.Redis) -> None:
    """Three office days in New York across the end of daylight saving time (1 November
    2026 is 25 hours long), replayed on the event clock: ``today`` and ``interval`` hold
    exactly the contacts that left the queue in the last local day and interval."""
    zone = ZoneInfo("America/New_York")
    config = EngineConfig(calendar=Calendar("America/New_York", 30))
    registry = build_registry(config)
    rng = random.Random(7)
    events: list[tuple[int, bytes]] = []
    exits: list[tuple[int, str]] = []
    for d, day in enumerate(datetime(2026, 10, 31) + timedelta(days=n) for n in range(3)):
        for c in range(120):
            queued = local_ms(zone, day, rng.uniform(8, 18))
            left = queued + rng.randrange(1_000, 240_000)
            kind = rng.choice(["answered", "answered", "abandoned"])
            cid = f"d{d}c{c}"
            base = {"contact_id": cid, "queue": "sales", "channel": "voice"}
            events.append((queued, orjson.dumps({"event_id": f"{cid}q", "type": "call.queued",
                                                 "ts": queued, **base})))
            events.append((left, orjson.dumps({"event_id": f"{cid}x", "type": f"call.{kind}",
                                               "ts": left, **base})))
            exits.append((left, kind))
    events.sort()
    store = RedisStore(redis_client, registry, "nights")
    fold(registry, store, [value for _, value in events], pid=PID)
    now = max(ts for ts, _ in events)
    local_now = datetime.fromtimestamp(now / 1000, zone)
    midnight = local_ms(zone, datetime(local_now.year, local_now.month, local_now.day), 0)
    interval = local_now.replace(minute=local_now.minute - local_now.minute % 30, second=0,
                                 microsecond=0)
    interval_ms = round(interval.timestamp() * 1000)
    samples = scrape(redis_client, registry, "nights")

    def offered(window: str) -> float:
        return samples[("ccpulse_window_contacts_offered",
                        (("channel", "voice"), ("queue", "sales"), ("window", window)))]

    assert offered("today") == sum(1 for ts, _ in exits if ts >= midnight) > 0
    assert offered("interval") == sum(1 for ts, _ in exits if ts >= interval_ms) > 0
    assert samples[("ccpulse_contacts_offered_total",
                    (("channel", "voice"), ("queue", "sales")))] == len(exits)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.integers(1, 40),
       stops=st.dictionaries(st.integers(0, 60), st.booleans(), max_size=4))
def test_late_events_are_counted_the_same_however_the_run_is_cut(
        seed: int, batch: int, stops: dict[int, bool]) -> None:
    """Events moved back by more than 5 minutes: counted late exactly as a brute force
    over the log says, however often the run stops and takes up again."""
    rng = random.Random(seed)
    values = script(seed, 60)
    docs = [orjson.loads(v) if v.startswith(b'{"event_id"') else None for v in values]
    for doc in docs:
        if doc is not None and rng.random() < 0.1:
            doc["ts"] -= rng.randrange(300_001, 3_000_000)  # late: credited in the past
    log = [v if doc is None else orjson.dumps(doc) for v, doc in zip(values, docs, strict=True)]
    straight, interrupted = MemoryStore(), MemoryStore()
    run(straight, records(log), batch, {})
    run(interrupted, records(log), batch, stops)
    assert interrupted.view(PID) == straight.view(PID)
    assert straight.view(PID).counters.get("late", 0) >= 1


def test_an_event_more_than_five_minutes_behind_the_stream_is_counted_late() -> None:
    def call(n: int, kind: str, ts: int) -> bytes:
        return orjson.dumps({"event_id": f"{n}{kind}", "type": f"call.{kind}", "ts": T0 + ts,
                             "contact_id": f"c{n}", "queue": "q", "channel": "voice"})
    log = [call(1, "queued", 0), call(2, "queued", 1_000_000), call(1, "answered", 600_000),
           call(3, "queued", 800_000), call(3, "queued", 800_000), call(4, "queued", 999_000)]
    store = MemoryStore()
    run(store, records(log), 2, {})
    # 1 answered 400 s behind, 3 queued 200 s behind (its repeat is a duplicate), 4 just behind
    assert store.view(PID).counters["late"] == 1
