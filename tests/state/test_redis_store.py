"""The save script in a real Redis: every field a write sets arrives byte for byte, every
field it deletes goes, however many there are and whatever text they hold."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.state.layout import partition_key
from ccpulse.state.redis_store import RedisStore
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import Checkpoint, Published
from ccpulse.windows.registry import build_registry
from ccpulse.windows.store import Write

REGISTRY = build_registry(EngineConfig())
# text a field or value may hold: newlines, quotes, backslashes, controls, any script
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
LIVE_KEY = st.tuples(st.sampled_from(["waiting", "agent"]), TEXT)
INTEGER = st.integers(-2**63, 2**63 - 1)  # (orjson's range)
LIVE_VALUE = st.one_of(st.none(), INTEGER, TEXT, st.lists(st.one_of(INTEGER, TEXT), max_size=4))


def write(offset: int, live: dict[Any, Any], records: dict[Any, Any] | None = None,
          totals: dict[Any, Any] | None = None) -> Write:
    published = Published(offset=offset + 1, now_ms=1_000, counters={"processed": 1},
                          totals=totals or {}, histograms={}, live=live, complete=False)
    checkpoint = None if records is None else Checkpoint(buckets={}, records=records)
    return Write("p-0", offset, published, checkpoint)


def stored(client: redis.Redis, prefix: str, section: str) -> dict[bytes, bytes]:
    return client.hgetall(partition_key(prefix, "p-0", section))


def test_a_thousand_fields_are_set_then_half_of_them_deleted(
        redis_client: redis.Redis) -> None:
    store = RedisStore(redis_client, REGISTRY, "many")
    live = {("agent", f"a-{i}"): {"s": "busy", "n": {"chat": i % 3}} for i in range(1_001)}
    records = {("agent", f"a-{i}"): [["q"], [], "busy", "", i] for i in range(1_001)}
    assert store.save([write(-1, live, records)]) == [True]
    assert len(stored(redis_client, "many", "live")) == 1_001
    assert stored(redis_client, "many", "records")[orjson.dumps(["agent", "a-7"])] == \
        orjson.dumps(records[("agent", "a-7")])
    gone: dict[Any, Any] = {key: None for i, key in enumerate(live) if i % 2}
    assert store.save([write(0, gone, gone)]) == [True]
    assert len(stored(redis_client, "many", "live")) == 501
    assert len(stored(redis_client, "many", "records")) == 501
    assert orjson.dumps(["agent", "a-1"]) not in stored(redis_client, "many", "live")
    assert stored(redis_client, "many", "meta")[b"offset"] == b"1"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.dictionaries(LIVE_KEY, LIVE_VALUE, max_size=30),
       second=st.dictionaries(LIVE_KEY, LIVE_VALUE, max_size=30))
def test_fields_holding_any_text_arrive_as_encoded(
        redis_client: redis.Redis, first: dict[Any, Any], second: dict[Any, Any]) -> None:
    redis_client.flushdb()
    store = RedisStore(redis_client, REGISTRY, "text")
    expected: dict[bytes, bytes] = {}
    for offset, live in enumerate((first, second)):
        assert store.save([write(offset - 1, live)]) == [True]
        for key, value in live.items():
            if value is None:
                expected.pop(orjson.dumps(key), None)
            else:
                expected[orjson.dumps(key)] = orjson.dumps(value)
        assert stored(redis_client, "text", "live") == expected


def test_a_total_set_and_one_deleted_in_one_write(redis_client: redis.Redis) -> None:
    store = RedisStore(redis_client, REGISTRY, "totals")
    a, b = ("5m", ("contact", "sales", "voice")), ("5m", ("contact", "billing", "chat"))
    assert store.save([write(-1, {}, totals={a: [1, 2], b: [3, 4]})]) == [True]
    assert store.save([write(0, {}, totals={a: None, b: [5, 6]})]) == [True]
    assert stored(redis_client, "totals", "totals") == {
        orjson.dumps(["5m", "contact", "billing", "chat"]): b"[5,6]"}


def test_a_counter_name_that_would_break_a_section_is_refused(
        redis_client: redis.Redis) -> None:
    """Names in ``meta`` travel as they are: one holding a newline or NUL would split
    into two fields, so the write is refused before it reaches Redis."""
    store = RedisStore(redis_client, REGISTRY, "names")
    for name in ("rejected:a\nb", "rejected:a\0b"):
        bad = write(-1, {})
        bad.published.counters[name] = 1
        with pytest.raises(ValueError, match="cannot be a field name"):
            store.save([bad])
    assert stored(redis_client, "names", "meta") == {}
