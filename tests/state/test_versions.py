"""Stored state across versions, in a real Redis: what a reader cannot read is named and
left out, never misread, and a worker rebuilds what it cannot take up."""

from __future__ import annotations

import logging
import math

import orjson
import pytest
import redis

from ccpulse.state.layout import partition_key, partitions_key
from ccpulse.state.redis_store import RedisStore
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.policy import PolicyBook, ServiceLevelPolicy
from ccpulse.windows.registry import build_registry
from tests.integration.helpers import sample
from tests.published import T0, calls, fold, scrape


def test_a_threshold_added_between_two_runs_gives_correct_histograms(
        redis_client: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    before = build_registry(EngineConfig())
    first = calls([3, 12, 24, 40])
    fold(before, RedisStore(redis_client, before, "h"), first, 0)
    # [queues.vip] threshold_s = 25 is added: 25 s becomes a bound of every histogram
    after = build_registry(EngineConfig(policies=PolicyBook(
        ServiceLevelPolicy(), {"vip": ServiceLevelPolicy(threshold_s=25)})))
    assert 25_000 in after.histograms["answer_wait"].bounds_ms
    with caplog.at_level(logging.WARNING):
        fold(after, RedisStore(redis_client, after, "h"), calls([22, 26], start=10),
             len(first))
    assert "bounds changed" in caplog.text
    m = scrape(redis_client, after, "h")

    def bucket(le: str) -> float:
        return sample(m, "ccpulse_answer_wait_seconds_bucket", queue="sales", channel="voice",
                      le=le)

    # the histogram started again under the new bounds: each wait in its own bucket
    assert (bucket("20"), bucket("25"), bucket("30"), bucket("+Inf")) == (0, 1, 2, 2)
    assert sample(m, "ccpulse_histogram_resets_total") == 1
    # the counters are not histograms: they carry on
    assert sample(m, "ccpulse_contacts_answered_total", queue="sales", channel="voice") == 6


def write_first_layout(client: redis.Redis, prefix: str, pid: str) -> None:
    """A partition as the first layout (before versions) wrote it: positional arrays, no
    schema, no layout number."""
    agg = [3, 2, 1, 0, 1, 0, 0, 30_000, 9_000, 2, 120_000]
    client.hset(partition_key(prefix, pid, "meta"), mapping={
        "offset": 41, "now_ms": T0, "processed": 42, "expired_waiting": 0})
    client.hset(partition_key(prefix, pid, "totals"), mapping={
        orjson.dumps([w, "sales", "voice"]): orjson.dumps(agg)
        for w in ("5m", "15m", "1h", "interval", "today", "total")})
    client.hset(partition_key(prefix, pid, "hist"), orjson.dumps(["sales", "voice", "answered"]),
                orjson.dumps([1, 2, 2]))
    for section in ("ckpt:meta", "ckpt:totals", "ckpt:hist"):
        client.copy(partition_key(prefix, pid, section.removeprefix("ckpt:")),
                    partition_key(prefix, pid, section))
    client.hset(partition_key(prefix, pid, "contacts"), "c9",
                orjson.dumps(["sales", "voice", T0, "waiting", T0, ["e9"], 0]))
    client.sadd(partitions_key(prefix), pid)


def test_a_checkpoint_of_the_first_layout_is_refused_clearly_and_rebuilt(
        redis_client: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    registry = build_registry(EngineConfig())
    write_first_layout(redis_client, "old", "p:0")
    store = RedisStore(redis_client, registry, "old")
    stored = store.load("p:0")
    assert stored.offset == -1 and stored.published_offset == 41
    assert "layout 1" in stored.reset_reason
    # the exporter leaves the partition out, says so, and serves the rest
    m = scrape(redis_client, registry, "old")
    assert sample(m, "ccpulse_partition_readable", topic="p", partition="0") == 0
    assert sample(m, "ccpulse_redis_up") == 1
    assert not any(name.startswith("ccpulse_contacts_answered") for name, _ in m)
    # a worker folds the partition again from its first offset and replaces it all
    with caplog.at_level(logging.WARNING):
        fold(registry, store, calls([5] * 25), 0)
    assert "cannot be read" in caplog.text and "layout 1" in caplog.text
    assert not redis_client.exists(partition_key("old", "p:0", "contacts"))
    m = scrape(redis_client, registry, "old")
    assert sample(m, "ccpulse_partition_readable", topic="p", partition="0") == 1
    assert sample(m, "ccpulse_contacts_answered_total", queue="sales", channel="voice") == 25
    assert sample(m, "ccpulse_state_resets_total") == 1


def test_partitions_of_another_version_never_break_a_scrape(
        redis_client: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    """As during a rolling upgrade: one worker writes a family version this exporter does not
    know, another the first layout, a third the current one."""
    registry = build_registry(EngineConfig())
    store = RedisStore(redis_client, registry, "mixed")
    fold(registry, store, calls([4, 8]), 0, pid="p:0")
    fold(registry, store, calls([4, 8], queue="vip"), 0, pid="p:1")
    newer = partition_key("mixed", "p:1", "schema")
    schema = orjson.loads(redis_client.hget(newer, "family:contact") or b"{}")
    redis_client.hset(newer, "family:contact", orjson.dumps({**schema, "v": 99}))
    write_first_layout(redis_client, "mixed", "p:2")
    with caplog.at_level(logging.WARNING):
        m = scrape(redis_client, registry, "mixed")
    assert "contact version 99" in caplog.text
    assert sample(m, "ccpulse_contacts_answered_total", queue="sales", channel="voice") == 2
    assert ("ccpulse_contacts_answered_total", (("channel", "voice"), ("queue", "vip"))) not in m
    assert sample(m, "ccpulse_partition_readable", topic="p", partition="2") == 0
    assert sample(m, "ccpulse_partition_readable", topic="p", partition="1") == 0
    assert sample(m, "ccpulse_partition_readable", topic="p", partition="0") == 1
    assert math.isnan(sample(m, "ccpulse_service_level_ratio", queue="sales", channel="voice",
                             window="15m")) is False
    assert all(value == 1 for (name, _), value in m.items() if name == "ccpulse_collector_up")
