from __future__ import annotations

from pathlib import Path

import pytest

from ccpulse.report import build_report, read_documents
from ccpulse.sources.adapters import Unusable
from ccpulse.sources.asterisk.follow import Follower
from ccpulse.sources.asterisk.queue_log import QueueLogConverter, parse_line
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry
from tests.sources.queue_logs import T0, a_morning


def events_of(lines: list[str]) -> list[dict[str, object]]:
    converter = QueueLogConverter()
    return [e for line in lines for e in converter.convert(line)]


def test_each_queue_log_event_maps_as_asterisk_documents() -> None:
    events = events_of(a_morning().lines)
    by_call: dict[str, list[tuple[object, ...]]] = {}
    for e in events:
        if "contact_id" in e:
            by_call.setdefault(str(e["contact_id"]), []).append(
                (e["type"], e["queue"], (int(e["ts"]) // 1000) - T0))  # type: ignore[call-overload]
    assert by_call["1001.1"] == [("call.queued", "sales", 10), ("call.answered", "sales", 22),
                                 ("call.ended", "sales", 117)]
    assert by_call["1002.1"][-1] == ("call.abandoned", "sales", 60)
    assert by_call["1003.1"][-1] == ("call.abandoned", "support", 150)
    assert by_call["1004.1"] == [
        ("call.queued", "sales", 40), ("call.answered", "sales", 45), ("call.ended", "sales", 105),
        ("call.queued", "support", 105), ("call.answered", "support", 131),
        ("call.ended", "support", 231)]
    assert by_call["1006.1"][-1] == ("call.ended", "sales", 103)
    agents = [(e["type"], e["agent_id"], e["queue"]) for e in events if "contact_id" not in e]
    assert agents == [("agent.login", "PJSIP/201", "sales"), ("agent.login", "PJSIP/202", "sales"),
                      ("agent.login", "PJSIP/301", "support"),
                      ("agent.pause", "PJSIP/202", "sales"),
                      ("agent.logout", "PJSIP/301", "*")]


def test_talk_time_comes_from_the_calltime_field() -> None:
    ends = {e["contact_id"]: e["talk_s"] for e in events_of(a_morning().lines)
            if e["type"] == "call.ended" and e["queue"] == "sales"}
    assert ends == {"1001.1": 95, "1004.1": 60, "1006.1": 30}


def test_the_morning_through_the_report() -> None:
    registry = build_registry(EngineConfig())
    events, rejected = read_documents(events_of(a_morning().lines), registry)
    report = build_report(events, registry, ("queue",), rejected=rejected)
    rows = {r["queue"]: r for r in report.rows}
    assert report.rejected == 0
    # sales: 1001 (12 s), 1004 (5 s), 1006 (3 s) answered, 1002 abandoned at 40 s
    assert (rows["sales"]["offered"], rows["sales"]["answered"], rows["sales"]["abandoned"]) == (
        4, 3, 1)
    assert rows["sales"]["service_level"] == 0.75
    # support: 1004 answered after 26 s; 1003 timed out; 1005 left with a key
    assert (rows["support"]["answered"], rows["support"]["abandoned"]) == (1, 2)
    assert rows["support"]["answered_within_threshold"] == 0


def test_ids_are_stable_so_a_reread_is_recognised() -> None:
    lines = a_morning().lines
    assert [e["event_id"] for e in events_of(lines)] == [e["event_id"] for e in events_of(lines)]


@pytest.mark.parametrize(("line", "reason"), [
    ("garbage", "malformed_line"),
    ("yesterday|1.1|q|NONE|ENTERQUEUE||", "bad_timestamp"),
    ("1714989600|1.1|q|A|COMPLETEAGENT|5|-3|1", "negative_duration"),
    ("1714989600|1.1|q|A|COMPLETEAGENT", "missing_field"),
    ("1714989600|NONE|q|NONE|PAUSE|x", "missing_field"),
])
def test_unusable_lines_are_rejected_with_a_reason(line: str, reason: str) -> None:
    converter = QueueLogConverter()
    with pytest.raises(Unusable) as exc:
        converter.convert(line)
    assert exc.value.reason == reason
    assert converter.rejected[reason] == 1


def test_other_events_are_counted_as_ignored() -> None:
    converter = QueueLogConverter()
    for line in a_morning().lines:
        converter.convert(line)
    assert converter.ignored == {"QUEUESTART": 1, "RINGNOANSWER": 1, "CONFIGRELOAD": 1}
    assert parse_line("1714989600|1.1|q|NONE|DID|123") == []


def test_follower_survives_rotation_truncation_and_half_written_lines(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text("1\n2\n")
    follower = Follower(path, poll_s=0)
    assert follower.read_available() == ["1\n", "2\n"]
    with path.open("a") as f:
        f.write("3\n4")  # 4 is still being written
    assert follower.read_available() == ["3\n"]
    with path.open("a") as f:
        f.write("\n5\n")
    path.rename(tmp_path / "queue_log.1")  # logrotate: the old file gets a last line
    with (tmp_path / "queue_log.1").open("a") as f:
        f.write("6\n")
    assert follower.read_available() == ["4\n", "5\n", "6\n"]
    path.write_text("7\n")  # the new file
    assert follower.read_available() == ["7\n"]
    path.write_text("")  # copytruncate
    assert follower.read_available() == []
    path.write_text("8\n")
    assert follower.read_available() == ["8\n"]
    saved = follower.position
    with path.open("a") as f:
        f.write("9\n")
    resumed = Follower(path, start=saved, poll_s=0)
    assert resumed.read_available() == ["9\n"]
    assert list(Follower(path, poll_s=0.05, sleep=lambda s: None).lines(idle_timeout_s=0.1)) == [
        "8\n", "9\n"]
