"""A known script of contact outcomes, quality reviews and agent time through broker ->
worker -> Redis -> exporter -> /metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import Stack, sample, scrape, wait_for

B = 1_714_989_600_000  # 2024-05-06T10:00:00Z
MIN = 60_000


def ended(n: int, at_min: int, customer: str, kind: str, channel: str = "voice",
          **extra: Any) -> dict[str, Any]:
    return {"event_id": f"o{n}", "type": f"contact.{kind}", "ts": B + at_min * MIN,
            "customer_id": customer, "queue": "sales", "channel": channel, **extra}


def review(n: int, rid: str, agent: str, scores: dict[str, float]) -> dict[str, Any]:
    return {"event_id": f"q{n}", "type": "qa.evaluated", "ts": B + n * MIN, "review_id": rid,
            "queue": "sales", "channel": "voice", "agent_id": agent, "scores": scores}


SCRIPT = [
    {"event_id": "a1", "type": "agent.state", "ts": B, "agent_id": "ann",
     "state": "available", "queues": ["sales"]},
    {"event_id": "a2", "type": "agent.state", "ts": B + 60 * MIN, "agent_id": "ann",
     "state": "offline", "queues": ["sales"]},  # one staffed hour
    ended(1, 0, "c1", "resolved"),
    ended(2, 10, "c1", "unresolved", "chat"),  # back within 30 min: c1's first was no FCR
    ended(3, 5, "c2", "resolved", matter="order-1"),
    ended(4, 6, "c2", "resolved", matter="order-2"),  # another matter: a first contact
    ended(5, 45, "c2", "resolved", matter="order-3"),  # time passes: both above were FCR
    ended(6, 7, "c3", "self_served", "chat"),
    ended(7, 50, "c3", "self_served", "chat"),  # 43 min later: a new first contact
    ended(7, 50, "c3", "self_served", "chat"),  # sent twice
    review(1, "r1", "ann", {"greeting": 5, "accuracy": 3}),  # 8 / 10
    review(2, "r2", "bob", {"greeting": 2, "empathy": 4}),  # 6 / 10
    review(3, "r1", "bob", {"greeting": 1}),  # r1 again: the first counts
    review(4, "r4", "bob", {"tone": 9}),  # above the default maximum of 5
]
ENV = {"CCPULSE_CLOCK": "event", "CCPULSE_REPEAT_CONTACT_WINDOW_H": "0.5",
       "CCPULSE_AGENT_HOUR_COST": "30"}


@pytest.mark.integration
def test_known_outcome_script_gives_exact_metrics(stack: Stack) -> None:
    stack.produce(SCRIPT)
    worker = stack.start_worker(**ENV)
    wait_for(lambda: stack.consumed() >= len(SCRIPT), 60, "the worker to apply it", worker)
    m = scrape(stack.start_exporter(**ENV))
    voice = {"queue": "sales", "channel": "voice", "window": "today"}
    chat = {**voice, "channel": "chat"}
    assert sample(m, "ccpulse_first_contact_resolution_ratio", **voice) == 2 / 3
    assert sample(m, "ccpulse_repeat_contact_ratio", **voice) == 0
    assert sample(m, "ccpulse_resolution_ratio", **voice) == 1
    assert sample(m, "ccpulse_self_service_ratio", **voice) == 0
    assert sample(m, "ccpulse_first_contact_resolution_ratio", **chat) == 1
    assert sample(m, "ccpulse_repeat_contact_ratio", **chat) == 1 / 3
    assert sample(m, "ccpulse_resolution_ratio", **chat) == 2 / 3
    assert sample(m, "ccpulse_self_service_ratio", **chat) == 2 / 3
    assert sample(m, "ccpulse_channel_share_ratio", channel="voice", window="today") == 4 / 7
    assert sample(m, "ccpulse_channel_share_ratio", channel="chat", window="today") == 3 / 7
    assert sample(m, "ccpulse_cost_per_resolution", queue="sales", window="today") == 5
    counters = {"queue": "sales", "channel": "voice"}
    assert sample(m, "ccpulse_first_contacts_total", **counters) == 4
    assert sample(m, "ccpulse_first_contacts_decided_total", **counters) == 3
    assert sample(m, "ccpulse_repeat_contacts_total", queue="sales", channel="chat") == 1
    assert sample(m, "ccpulse_quality_score_ratio", **voice) == pytest.approx(0.7)
    assert sample(m, "ccpulse_agent_quality_score_ratio", agent="ann", window="today") == 0.8
    assert sample(m, "ccpulse_quality_reviews_total", **counters) == 2
    assert sample(m, "ccpulse_quality_score_sum_total", **counters) == pytest.approx(1.4)
    assert sample(m, "ccpulse_events_rejected_total", reason="already_reviewed") == 1
    assert sample(m, "ccpulse_events_rejected_total", reason="review_score_out_of_range") == 1
