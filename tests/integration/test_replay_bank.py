"""One day of the real Anonymous Bank log through the whole pipeline, on the event clock.

The exporter's ``today`` figures for 1999-01-04 must equal the broker-less report's.
The replay runs from the day before (so calls queued before midnight are paired)
to the day's end; no call answered that day ends after midnight, so the cut at
midnight drops nothing the report counts for the day (asserted below).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ccpulse.sources.anonymous_bank import convert_file
from tests.integration.helpers import Stack, sample, scrape, wait_for

DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "anonymous-bank"
DAY = "1999-01-04"
SINCE, UNTIL = "1999-01-03T00:00:00Z", "1999-01-05T00:00:00Z"
DAY_MS = 86_400_000


@pytest.mark.integration
def test_exporter_today_equals_report_for_a_replayed_day(stack: Stack) -> None:
    january = DATASET / "january.txt"
    if not january.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the dataset is missing at {january}")
        pytest.skip(f"no dataset at {january}")
    events = convert_file(january, "UTC").events
    answered = {e["contact_id"]: e["ts"] for e in events if e["type"] == "call.answered"}
    day_start = 915_408_000_000  # 1999-01-04T00:00Z
    assert not [e for e in events if e["type"] == "call.ended"
                and day_start <= answered[e["contact_id"]] < day_start + DAY_MS
                and e["ts"] >= day_start + DAY_MS], "precondition: nothing crosses midnight"
    in_range = [e for e in events if day_start - DAY_MS <= e["ts"] < day_start + DAY_MS]
    queued_in_range = {e["contact_id"] for e in in_range if e["type"] == "call.queued"}
    # exits of calls queued before the replay began have nothing to pair with
    unpaired = sum(1 for e in in_range if e["type"] in ("call.answered", "call.abandoned")
                   and e["contact_id"] not in queued_in_range)
    applied = len(in_range) - unpaired

    env = {**os.environ, **stack.env, "CCPULSE_CLOCK": "event"}
    subprocess.run([sys.executable, "-m", "ccpulse", "replay", str(january), "--format",
                    "anonymous-bank", "--tz", "UTC", "--since", SINCE, "--until", UNTIL],
                   env=env, check=True, capture_output=True)
    # derived agent events would add records of the worker's own to the counts below
    worker = stack.start_worker(CCPULSE_CLOCK="event", CCPULSE_DERIVE_AGENT_ACTIVITY="false")
    wait_for(lambda: stack.consumed() >= len(in_range), 120, "the replayed day", worker)
    counters = stack.counters()
    assert counters["processed"] == applied
    assert counters.get("rejected:not_waiting", 0) == unpaired
    assert counters.get("expired_waiting", 0) == 0
    m = scrape(stack.start_exporter(CCPULSE_CLOCK="event"))

    report = orjson.loads(subprocess.run(
        [sys.executable, "-m", "ccpulse", "report", "--format", "anonymous-bank", "--group-by",
         "day,queue", "--tz", "UTC", "--json", str(january)],
        env=env, check=True, capture_output=True).stdout)
    rows = [r for r in report["rows"] if r["day"] == DAY]
    assert {r["queue"] for r in rows} == {"PS", "PE", "IN", "NE", "NW", "TT"}
    for row in rows:
        def today(name: str, queue: str = row["queue"]) -> float:
            return sample(m, name, queue=queue, channel="voice", window="today")

        assert today("ccpulse_window_contacts_offered") == row["offered"]
        assert today("ccpulse_window_contacts_answered") == row["answered"]
        assert today("ccpulse_window_contacts_abandoned") == row["abandoned"]
        assert today("ccpulse_window_contacts_answered_within_threshold") == \
            row["answered_within_threshold"]
        assert today("ccpulse_service_level_ratio") == pytest.approx(row["service_level"],
                                                                     abs=1e-6)
        assert today("ccpulse_average_speed_of_answer_seconds") == pytest.approx(
            row["average_speed_of_answer_s"], abs=1e-6)
        assert today("ccpulse_average_handle_seconds") == pytest.approx(
            row["average_handle_s"], abs=1e-6)
    print(f"{len(in_range)} events replayed; today matches the report for {len(rows)} queues")
