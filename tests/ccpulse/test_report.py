from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

DAY1 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC


def line(event_id: str, type_: str, ts: int, contact: str, queue: str = "sales",
         **extra: object) -> bytes:
    return orjson.dumps({"event_id": event_id, "type": type_, "ts": ts, "contact_id": contact,
                         "queue": queue, "channel": "voice", **extra})


def test_report_per_day_and_queue(tmp_path: Path) -> None:
    lines = [
        line("1", "call.queued", DAY1, "a"),
        line("2", "call.answered", DAY1 + 10_000, "a"),
        line("3", "call.ended", DAY1 + 70_000, "a", talk_s=60),
        line("4", "call.queued", DAY1, "b"),
        line("5", "call.abandoned", DAY1 + 40_000, "b"),
        line("6", "call.queued", DAY1 + 3 * 3_600_000, "c", queue="vip"),  # next UTC day
        line("7", "call.answered", DAY1 + 3 * 3_600_000 + 30_000, "c", queue="vip"),
        line("7", "call.answered", DAY1 + 3 * 3_600_000 + 30_000, "c", queue="vip"),
        b"not json",
        line("8", "call.answered", DAY1, "zz"),
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = subprocess.run([sys.executable, "-m", "ccpulse", "report", str(path), "--json",
                          "--group-by", "day,queue", "--tz", "UTC"],
                         capture_output=True, check=True).stdout
    report = orjson.loads(out)
    assert report["rejected"] == 2
    assert report["rejected_by_reason"] == {"malformed_json": 1, "not_queued": 1}
    assert report["duplicates"] == 1
    assert report["rows"] == [
        {"day": "2023-11-14", "queue": "sales", "offered": 2, "answered": 1, "abandoned": 1,
         "answered_within_threshold": 1, "service_level": 0.5,
         "average_speed_of_answer_s": 10.0, "average_handle_s": 60.0, "abandon_ratio": 0.5,
         "transferred": 0},
        {"day": "2023-11-15", "queue": "vip", "offered": 1, "answered": 1, "abandoned": 0,
         "answered_within_threshold": 0, "service_level": 0.0,
         "average_speed_of_answer_s": 30.0, "average_handle_s": None, "abandon_ratio": 0.0,
         "transferred": 0},
    ]
    table = subprocess.run([sys.executable, "-m", "ccpulse", "report", str(path)],
                           capture_output=True, check=True, text=True).stdout
    assert "2023-11-14" in table and "50.0%" in table
