from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.report import Report, build_report, read_event_lines
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.events import MAX_TS_MS
from ccpulse.windows.registry import build_registry
from ccpulse.windows.timeframes import Calendar

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


def report_of(lines: list[bytes], timezone: str = "UTC") -> Report:
    registry = build_registry(EngineConfig(calendar=Calendar(timezone)))
    events, rejected = read_event_lines(lines, registry)
    return build_report(events, registry, (), rejected=rejected)


def day_of_calls(start: int, count: int, prefix: str) -> list[bytes]:
    """Calls a minute apart, each answered after 15 s."""
    out = []
    for i in range(count):
        ts = start + i * 60_000
        out += [line(f"{prefix}{i}q", "call.queued", ts, f"{prefix}{i}"),
                line(f"{prefix}{i}a", "call.answered", ts + 15_000, f"{prefix}{i}")]
    return out


def test_a_record_decades_ahead_is_refused_not_made_a_day_of_its_own() -> None:
    calls = day_of_calls(DAY1, 30, "c")
    year_2099 = 4_102_444_800_000
    outlier = line("x", "call.answered", year_2099, "c29")
    clean, with_outlier = report_of(calls[:-1]), report_of([*calls[:-1], outlier])
    assert with_outlier.rows == clean.rows
    assert with_outlier.rejected_by_reason == {**clean.rejected_by_reason, "ts_in_future": 1}


def test_quiet_nights_are_honest_gaps() -> None:
    days = [day_of_calls(DAY1 + n * 86_400_000, 20, f"d{n}-") for n in range(3)]
    report = report_of([line for day in days for line in day])
    assert [row["offered"] for row in report.rows] == [20, 20, 20] and report.rejected == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, MAX_TS_MS - 135_000),  # the last answer at MAX_TS_MS at most
       st.sampled_from(["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/New_York"]))
def test_any_time_the_decoder_accepts_gets_a_day_or_a_reason(ts: int, timezone: str) -> None:
    report = report_of(day_of_calls(ts, 3, "c"), timezone)
    day = datetime.fromtimestamp((ts + 15_000) / 1000, ZoneInfo(timezone)).date().isoformat()
    assert report.rows[0]["day"] == day and sum(r["offered"] for r in report.rows) == 3


def test_chat_and_agent_figures_of_a_known_script_match_the_live_ones() -> None:
    """The script of the end-to-end chat test: the same figures as its /metrics."""
    from tests.integration.test_chats_pipeline import SCRIPT

    registry = build_registry(EngineConfig(calendar=Calendar("UTC")))
    events, rejected = read_event_lines([orjson.dumps(doc) for doc in SCRIPT], registry)
    report = build_report(events, registry, ("queue",), rejected=rejected)
    assert report.duplicates == 1 and report.rejected == 0
    assert report.chats == [{
        "day": "2024-05-06", "queue": "sales", "first_responses": 1,
        "average_first_response_s": 20.0, "first_response_within_target": 1.0,
        "responses": 2, "average_response_s": 27.5, "response_within_target": 1.0,
        "unresponded": 0, "customer_messages": 4, "bot_messages": 1, "internal_notes": 1,
        "handoffs": 1, "reopens": 0}]
    assert report.agents == [{
        "day": "2024-05-06", "queue": "sales", "staffed_h": 0.2, "available_h": 0.2,
        "busy_h": 0.0, "after_contact_work_h": 0.0, "away_h": 0.0,
        "occupancy": round(80 / 720, 6), "slot_occupancy": round(80 / 2160, 6),
        "handled": 1, "handled_per_agent_hour": 5.0}]
    assert report.rows[0]["answered"] == 1 and report.rows[0]["average_speed_of_answer_s"] == 10


def test_agent_time_is_credited_to_each_local_day() -> None:
    """An agent available from 22:00 to 02:00 (UTC) gives two hours to each day; a
    contact's agent share reaches the agents' figures without a broker."""
    start = 1_700_000_000_000 - 1_700_000_000_000 % 86_400_000 + 22 * 3_600_000

    def state(hour: int, name: str) -> bytes:  # hourly, as the time rule wants company
        return orjson.dumps({"event_id": f"s{hour}", "type": "agent.state",
                             "ts": start + hour * 3_600_000, "agent_id": "ann", "state": name,
                             "queues": ["sales"], "capacity": {"voice": 1}})

    lines = [state(0, "available"),
             line("q", "call.queued", start + 3_600_000, "c"),
             line("a", "call.answered", start + 3_600_000 + 5_000, "c", agent_id="ann"),
             line("e", "call.ended", start + 3_600_000 + 605_000, "c", agent_id="ann",
                  talk_s=600),
             state(2, "available"), state(3, "available"), state(4, "offline")]
    report = report_of(lines)
    assert [(row["day"], row["staffed_h"]) for row in report.agents] == [
        ("2023-11-14", 2.0), ("2023-11-15", 2.0)]
    assert report.agents[0]["occupancy"] == round(600 / 7_200, 6)
    assert report.agents[0]["slot_occupancy"] == round(600 / 7_200, 6)


def test_ticket_rows_per_day_queue_and_priority_in_both_clocks() -> None:
    """The script of the end-to-end ticket test, on a Monday: business time is the
    site's opening hours (09:00-17:00 here), calendar time all of it."""
    from ccpulse.windows.business import BusinessCalendar
    from tests.integration.test_tickets_pipeline import script

    monday_0830 = 1_700_469_000_000  # 2023-11-20 08:30 UTC
    site = BusinessCalendar.from_hours("site", "UTC", {"monday": "09:00-17:00"})
    registry = build_registry(EngineConfig(calendar=Calendar("UTC"), calendars={"site": site}))
    docs = script(monday_0830)
    events, rejected = read_event_lines([orjson.dumps(doc) for doc in docs], registry)
    report = build_report(events, registry, ("queue",), rejected=rejected)
    billing = next(row for row in report.tickets if row["queue"] == "billing")
    assert (billing["day"], billing["priority"], billing["created"], billing["solved"]) == (
        "2023-11-20", "high", 1, 1)
    # created 08:30, first reply 08:40 (none of it open), next reply 08:50 -> 09:00
    assert (billing["first_reply_s"], billing["first_reply_business_s"]) == (600, 0)
    assert (billing["next_reply_s"], billing["next_reply_business_s"]) == (600, 0)
    # solved 09:10: 40 min in all, 10 of them open
    assert (billing["resolution_s"], billing["resolution_business_s"]) == (2400, 600)
    assert billing["one_touch_ratio"] == 0


def test_survey_rows_give_the_live_figures_of_a_known_script() -> None:
    from tests.integration.test_surveys_pipeline import SCRIPT

    registry = build_registry(EngineConfig(calendar=Calendar("UTC")))
    events, rejected = read_event_lines([orjson.dumps(doc) for doc in SCRIPT], registry)
    report = build_report(events, registry, ("queue", "channel"), rejected=rejected)
    assert report.rejected_by_reason == {"already_answered": 1, "score_out_of_range": 1}
    assert report.surveys == [{
        "day": "2024-05-06", "queue": "sales", "channel": "chat", "sent": 3, "answers": 7,
        "csat": 0.5, "nps": 0.0, "ces": 4.0, "ces_agree": 0.5,
        "response_ratio": round(7 / 3, 6), "follow_up_ratio": 0.5}]


def test_outcome_and_quality_rows_give_the_live_figures_of_a_known_script() -> None:
    from tests.integration.test_outcomes_pipeline import SCRIPT

    registry = build_registry(EngineConfig(calendar=Calendar("UTC"), repeat_window_ms=1_800_000,
                                           agent_hour_cost={"*": 30.0}))
    events, rejected = read_event_lines([orjson.dumps(doc) for doc in SCRIPT], registry)
    by_queue = build_report(events, registry, ("queue",), rejected=rejected)
    assert by_queue.outcomes == [{
        "day": "2024-05-06", "queue": "sales", "contacts": 7, "resolved": 6, "self_served": 2,
        "first_contacts": 6, "fcr_decided": 4, "repeats": 1, "fcr_ratio": 0.75,
        "repeat_ratio": round(1 / 7, 6), "resolution_ratio": round(6 / 7, 6),
        "self_service_ratio": round(2 / 7, 6), "cost_per_resolution": 5.0}]
    assert by_queue.quality == [{"day": "2024-05-06", "queue": "sales", "reviews": 2,
                                 "quality_score": 0.7}]
    events, rejected = read_event_lines([orjson.dumps(doc) for doc in SCRIPT], registry)
    by_channel = build_report(events, registry, ("queue", "channel"), rejected=rejected)
    shares = {row["channel"]: row["channel_share"] for row in by_channel.outcomes}
    assert shares == {"voice": round(4 / 7, 6), "chat": round(3 / 7, 6)}
    assert [row["fcr_ratio"] for row in by_channel.outcomes] == [1.0, round(2 / 3, 6)]
