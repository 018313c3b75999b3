"""A tiny paired run: two builds (here the same one twice) take turns against one raw
baseline per run, and each run reports its figures (no speed asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest


@pytest.mark.integration
def test_a_paired_run_measures_every_build_in_every_round() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    out = subprocess.run([sys.executable, "-m", "ccpulse.devtools.paired", "--events", "2000",
                          "--rounds", "2", "--batch-size", "250", "--json", sys.executable,
                          sys.executable],
                         env=env, capture_output=True, check=True, timeout=300).stdout
    result = orjson.loads(out)
    second = f"{sys.executable}#2"
    assert [(r["round"], r["build"]) for r in result["runs"]] == [
        (0, sys.executable), (0, second), (1, second), (1, sys.executable)]
    for run in result["runs"]:
        # a run this short may be saved whole in its first publication (then 0 events/s
        # after it) and take less CPU than the clock's tick: no figure is asserted
        assert run["ratio"] == pytest.approx(run["events_per_s"] / run["raw_events_per_s"])
        assert run["events_per_s"] >= 0 and run["cpu_us_per_event"] >= 0
        before, after = run["raw_before_events_per_s"], run["raw_after_events_per_s"]
        assert min(before, after) <= run["raw_events_per_s"] <= max(before, after)
    builds = result["builds"]
    assert {label: b["runs"] for label, b in builds.items()} == {sys.executable: 2, second: 2}
    assert sum(b["rounds_won"] for b in builds.values()) == 2
