"""A tiny run of ``ccpulse bench``: it completes and reports every figure (no speed asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

FIGURES = ("raw_events_per_s", "events_per_s", "throughput_ratio", "two_worker_events_per_s",
           "naive_faust_events_per_s", "freshness_p50_s", "freshness_p99_s", "peak_rss_mb",
           "redis_used_mb", "scrape_s")


@pytest.mark.integration
def test_bench_smoke_run_prints_every_figure() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    out = subprocess.run([sys.executable, "-m", "ccpulse", "bench", "--smoke", "--json"],
                         env=env, capture_output=True, check=True, timeout=480).stdout
    result = orjson.loads(out)
    for name in FIGURES:
        assert isinstance(result[name], float), name
        # Redis growth over a tiny run can round to nothing; every other figure is positive
        assert result[name] >= 0 if name == "redis_used_mb" else result[name] > 0, \
            (name, result[name])
    assert result["freshness"][0]["probes_missing"] == 0
    assert result["scale"]["day2_events"] > result["scale"]["day1_events"]
    assert sum(result["mix"].values()) == result["events"]  # (4,000: mostly logins)
    assert result["cpu_us_per_event"] > 0
    for each in result["rounds"]:  # one worker between two raw runs
        before, after = each["raw_before_events_per_s"], each["raw_after_events_per_s"]
        assert min(before, after) <= each["raw_events_per_s"] <= max(before, after)
    # CPU seconds per second: no more than the machine's cores can give
    for busy in (result["cpu_busy"], result["two_worker_cpu_busy"]):
        assert 0 <= busy <= (os.cpu_count() or 1) * 1.05, busy
    for steps in (result["cpu_steps_us"],
                  *(part["cpu_steps_us"] for part in result["workloads"].values()
                    if part["events"])):
        assert set(steps) == {"fold", "publish", "save", "other"}
        assert steps["fold"] > 0 and steps["publish"] > 0 and steps["save"] > 0, steps
    assert sum(result["cpu_steps_us"].values()) == pytest.approx(result["cpu_us_per_event"])
    cost = result["stages"]
    assert set(cost) == {"parse_us", "validate_us", "apply_us", "publish_us",
                         "fold_and_publish_us", "derived_per_event", "raw_us"}
    for name in ("parse_us", "apply_us", "publish_us", "raw_us"):
        assert cost[name] > 0, (name, cost[name])
    assert cost["derived_per_event"] >= 0  # (4,000 events: hardly a contact answered yet)
    assert cost["fold_and_publish_us"] == pytest.approx(
        cost["parse_us"] + cost["validate_us"] + cost["apply_us"] + cost["publish_us"])
    assert set(result["fetch"]) == {"aiokafka_us", "lean_us"}
    assert all(cost > 0 for cost in result["fetch"].values())
    assert set(result["raw_gc"]) == {"default_events_per_s", "tuned_events_per_s"}
    assert all(rate > 0 for rate in result["raw_gc"].values())
    parts = result["workloads"]
    mixes = ("mix_without_derivation", "mix_without_per_agent", "mix_without_either")
    assert set(parts) == {"voice", "chats", "agents", *mixes}
    for name in mixes:
        assert parts[name]["events"] == result["events"]
    assert sum(parts[name]["events"] for name in ("voice", "chats", "agents")) \
        == result["events"]
    assert parts["agents"]["events"] > 0
    for part in parts.values():
        if part["events"]:
            assert part["raw_events_per_s"] > 0 and part["cpu_us_per_event"] >= 0
            assert part["cpu_busy"] >= 0
    tickets = result["tickets"]
    assert tickets["tickets"] == 2_000 and tickets["checkpoint_tickets"] == 500
    for step in ("tenth", "all"):
        assert tickets[f"{step}_rss_mb"] > 0 and tickets[f"{step}_scrape_series"] > 0
    assert tickets["checkpoint_s"] > 0
