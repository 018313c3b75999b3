"""A known survey script through broker -> worker -> Redis -> exporter -> /metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import Stack, sample, scrape, wait_for

B = 1_714_989_600_000  # 2024-05-06T10:00:00Z


def survey(n: int, sid: str, type_: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"{sid}-{n}", "type": f"survey.{type_}", "ts": B + n * 60_000,
            "survey_id": sid, "kind": kind, "queue": "sales", "channel": "chat",
            "agent_id": "ann", **extra}


SCRIPT = [
    survey(1, "a", "sent", "csat"),
    survey(2, "a", "answered", "csat", score=5, comment=True),
    survey(3, "a", "followed_up", "csat"),
    survey(4, "b", "sent", "csat"),
    survey(5, "b", "answered", "csat", score=3),  # not satisfied
    survey(6, "b", "answered", "csat", score=5),  # a second answer: rejected
    survey(7, "c", "sent", "csat"),  # never answered
    survey(8, "d", "answered", "nps", score=10),
    survey(9, "e", "answered", "nps", score=6, comment=True),  # a detractor, not followed
    survey(10, "f", "answered", "nps", score=8),  # passive
    survey(11, "g", "answered", "ces", score=6, scale=7),
    survey(12, "h", "answered", "ces", score=2, scale=5),
    survey(13, "h", "answered", "ces", score=9, scale=7),  # off the scale, and a second
]


@pytest.mark.integration
def test_known_survey_script_gives_exact_metrics(stack: Stack) -> None:
    stack.produce(SCRIPT)
    worker = stack.start_worker(CCPULSE_CLOCK="event")
    wait_for(lambda: stack.consumed() >= len(SCRIPT), 60, "the worker to apply it", worker)
    m = scrape(stack.start_exporter(CCPULSE_CLOCK="event"))
    q = {"queue": "sales", "channel": "chat", "window": "today"}
    assert sample(m, "ccpulse_csat_ratio", **q) == 0.5
    assert sample(m, "ccpulse_nps_score", **q) == 0  # 1 promoter, 1 detractor of 3
    assert sample(m, "ccpulse_ces_score", **q) == 4  # (6 + 2) / 2
    assert sample(m, "ccpulse_ces_agree_ratio", **q) == 0.5
    assert sample(m, "ccpulse_survey_response_ratio", **q) == 7 / 3
    assert sample(m, "ccpulse_feedback_follow_up_ratio", **q) == 0.5
    assert sample(m, "ccpulse_agent_csat_ratio", agent="ann", window="today") == 0.5
    counters = {"queue": "sales", "channel": "chat"}
    assert sample(m, "ccpulse_surveys_sent_total", kind="csat", **counters) == 3
    assert sample(m, "ccpulse_nps_promoters_total", kind="nps", **counters) == 1
    assert sample(m, "ccpulse_survey_score_points_total", kind="ces", **counters) == 8
    assert sample(m, "ccpulse_events_rejected_total", reason="already_answered") == 1
    assert sample(m, "ccpulse_events_rejected_total", reason="score_out_of_range") == 1
