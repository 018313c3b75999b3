"""The Anonymous Bank adapter and report, against the dataset and a direct reference."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from ccpulse.sources.anonymous_bank import convert_lines

DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "anonymous-bank"
HEADER = "\t".join(["vru+line", "call_id", "customer_id", "priority", "type", "date",
                    "vru_entry", "vru_exit", "vru_time", "q_start", "q_exit", "q_time",
                    "outcome", "ser_start", "ser_exit", "ser_time", "server"])


def row(type_: str = "PS", vru: str = "10:00:00", vru_exit: str = "10:00:10",
        q_start: str = "10:00:10", q_time: int = 15, outcome: str = "AGENT",
        ser_time: int = 100, server: str = "DANA", call_id: str = "1") -> str:
    return "\t".join(["AA0101", call_id, "0", "2", type_, "990105", vru, vru_exit, "10",
                      q_start, "0:00:00", str(q_time), outcome, "0:00:00", "0:00:00",
                      str(ser_time), server])


def ms(text: str) -> int:
    return round(datetime.fromisoformat(text + "+00:00").timestamp() * 1000)


def test_an_answered_call_becomes_queued_answered_ended() -> None:
    out = convert_lines([HEADER, row()], "UTC")
    assert [(e["type"], e["ts"]) for e in out.events] == [
        ("call.queued", ms("1999-01-05T10:00:10")),
        ("call.answered", ms("1999-01-05T10:00:25")),
        ("call.ended", ms("1999-01-05T10:02:05")),
    ]
    assert out.events[2]["talk_s"] == 100 and out.events[1]["agent_id"] == "DANA"


@pytest.mark.parametrize(("line", "expected"), [
    (row(outcome="HANG", q_time=40), [("call.queued", "10:00:10"), ("call.abandoned", "10:00:50")]),
    (row(q_start="0:00:00", q_time=0), [("call.queued", "10:00:10"), ("call.answered", "10:00:10"),
                                         ("call.ended", "10:01:50")]),
])
def test_mapping_of_abandons_and_calls_that_never_queued(line: str,
                                                         expected: list[tuple[str, str]]) -> None:
    out = convert_lines([line], "UTC")
    assert [(e["type"], e["ts"]) for e in out.events] == [
        (t, ms(f"1999-01-05T{hms.zfill(8)}")) for t, hms in expected]


def test_a_call_crossing_midnight_continues_on_the_next_day() -> None:
    out = convert_lines([row(vru="23:59:50", vru_exit="23:59:58", q_start="0:00:05")], "UTC")
    assert out.events[0]["ts"] == ms("1999-01-06T00:00:05")


def test_no_server_is_an_answer_without_an_agent() -> None:
    out = convert_lines([row(server="NO_SERVER")], "UTC")
    assert out.events[1]["type"] == "call.answered" and out.events[1]["agent_id"] is None


def test_unusable_rows_are_counted_with_reasons() -> None:
    out = convert_lines([
        HEADER,
        row(outcome="PHANTOM"),
        row(outcome="HANG", q_start="0:00:00", q_time=0),
        row(q_time=-3),
        row(type_="AA"),
        "AA0108\t3892\t0\t0       NW\t991026\t14:07:50",
        row(vru="25:00:00"),
        row(),
    ], "UTC")
    assert out.rows == 7 and out.calls_offered == 1
    assert dict(out.skipped) == {"phantom": 1, "hang_never_queued": 1}
    assert dict(out.rejected) == {"negative_duration": 1, "unknown_call_type": 1,
                                  "malformed_row": 1, "bad_field": 1}
    assert [line for line, _, _ in out.rejects] == [4, 5, 6, 7]


def reference_days(path: Path) -> tuple[dict[str, dict[str, float]], int]:
    """The dataset README's mapping, written out directly over the raw rows."""
    days: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    rejected = 0
    with path.open(newline="") as lines:
        next(lines)
        for line in lines:
            f = line.rstrip("\r\n").split("\t")
            if len(f) != 17 or any(int(f[i]) < 0 for i in (8, 11, 15)):
                rejected += 1
                continue
            outcome, q_start, q_time, ser_time = f[12], f[9], int(f[11]), int(f[15])
            if outcome == "PHANTOM" or (outcome == "HANG" and q_start == "0:00:00"):
                continue

            def secs(hms: str) -> int:
                h, m, s = map(int, hms.split(":"))
                return h * 3600 + m * 60 + s

            entry = secs(f[6])
            offer = secs(q_start) if q_start != "0:00:00" else secs(f[7])
            wait = q_time if q_start != "0:00:00" else 0
            start = datetime.combine(date(1900 + 100 * (f[5] < "5") + int(f[5][:2]),
                                          int(f[5][2:4]), int(f[5][4:])), datetime.min.time())
            exit_at = start + timedelta(days=offer < entry, seconds=offer + wait)
            day = days[exit_at.date().isoformat()]
            day["offered"] += 1
            if outcome == "AGENT":
                day["answered"] += 1
                day["within"] += wait <= 20
                day["wait"] += wait
                day["handle"] += ser_time
            else:
                day["abandoned"] += 1
    return days, rejected


@pytest.mark.parametrize("name", ["january.txt", "october.txt"])
def test_report_follows_the_mapping_on_the_real_dataset(name: str) -> None:
    path = DATASET / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the dataset is missing at {path}")
        pytest.skip(f"no dataset at {path}")
    out = subprocess.run([sys.executable, "-m", "ccpulse", "report", "--format", "anonymous-bank",
                          "--group-by", "day", "--tz", "UTC", "--json", str(path)],
                         capture_output=True, check=True, env={**os.environ, "CCPULSE_CONFIG": ""})
    report = orjson.loads(out.stdout)
    days, rejected = reference_days(path)
    assert report["rejected"] == rejected
    assert [r["day"] for r in report["rows"]] == sorted(days)
    for got in report["rows"]:
        want = days[got["day"]]
        assert got["offered"] == want["offered"]
        assert got["answered"] == want["answered"]
        assert got["abandoned"] == want["abandoned"]
        assert got["answered_within_threshold"] == want["within"]
        assert got["service_level"] == pytest.approx(want["within"] / want["offered"], abs=1e-6)
        assert got["average_speed_of_answer_s"] == pytest.approx(want["wait"] / want["answered"],
                                                                 abs=1e-6)
        assert got["average_handle_s"] == pytest.approx(want["handle"] / want["answered"],
                                                        abs=1e-6)
