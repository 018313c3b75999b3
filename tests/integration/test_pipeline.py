"""A known event script through broker -> worker -> Redis -> exporter -> /metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import ON_BOTH, Stack, sample, scrape, wait_for

B = 1_714_989_600_000  # 2024-05-06T10:00:00Z
S = 1_000


def ev(event_id: str, type_: str, at_ms: int, contact: str, queue: str = "sales",
       **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "ts": at_ms, "contact_id": contact,
            "queue": queue, "channel": "voice", **extra}


SCRIPT = [
    ev("f1", "call.queued", B - 7_200 * S, "f"),  # two hours earlier: today only
    ev("f2", "call.answered", B - 7_195 * S, "f"),
    ev("a1", "call.queued", B, "a"),
    ev("b1", "call.queued", B + 1 * S, "b"),
    ev("c1", "call.queued", B + 2 * S, "c"),
    ev("e1", "call.queued", B + 5 * S, "e", queue="support"),
    ev("a2", "call.answered", B + 10 * S, "a", agent_id="ann"),
    ev("a2", "call.answered", B + 10 * S, "a", agent_id="ann"),  # a repeat: a duplicate
    ev("e2", "call.answered", B + 10 * S, "e", queue="support"),
    ev("x1", "call.queued", "2024-05-06T10:00:20+00:00", "x"),  # ISO-8601 form
    ev("x2", "call.answered", B + 15 * S, "x"),  # before it was queued: dead-lettered
    ev("b2", "call.answered", B + 31 * S, "b"),
    ev("c2", "call.abandoned", B + 52 * S, "c"),
    ev("a3", "call.ended", B + 70 * S, "a", talk_s=50, wrap_s=10),
    ev("d1", "call.queued", B + 100 * S, "d", queue="support"),
    ev("e3", "call.ended", B + 160 * S, "e", queue="support", talk_s=100, hold_s=20, wrap_s=30),
]
AGENTS = [
    {"event_id": f"g{i}", "type": type_, "ts": B - 1_800 * S + i, "agent_id": agent,
     "queue": queue, "channel": "voice"}
    for i, (type_, agent, queue) in enumerate([
        ("agent.login", "ann", "sales"), ("agent.login", "bob", "sales"),
        ("agent.pause", "bob", "sales"), ("agent.login", "cy", "support"),
    ])
]
GARBAGE = [b"{oops", b'{"type": "call.teleported"}']


@pytest.mark.integration
@ON_BOTH
def test_known_script_gives_exact_metrics(stack: Stack) -> None:
    stack.produce(AGENTS)
    stack.produce(SCRIPT[:8])
    stack.produce(GARBAGE)
    stack.produce(SCRIPT[8:])
    worker = stack.start_worker(CCPULSE_CLOCK="event")
    derived = 2  # agent.assigned and agent.released of ann's call
    wait_for(lambda: stack.consumed() >= len(AGENTS) + len(SCRIPT) + len(GARBAGE) + derived, 60,
             "the worker to apply the script", worker)
    port = stack.start_exporter(CCPULSE_CLOCK="event")
    wait_for(lambda: sample(scrape(port), "ccpulse_oldest_waiting_seconds",
                            queue="support", channel="voice") == 60, 20, "live state")
    m = scrape(port)

    def w(name: str, queue: str, window: str) -> float:
        return sample(m, name, queue=queue, channel="voice", window=window)

    for window in ("5m", "15m", "1h", "interval"):
        assert w("ccpulse_window_contacts_offered", "sales", window) == 3
        assert w("ccpulse_window_contacts_answered", "sales", window) == 2
        assert w("ccpulse_window_contacts_abandoned", "sales", window) == 1
        assert w("ccpulse_window_contacts_answered_within_threshold", "sales", window) == 1
        assert w("ccpulse_service_level_ratio", "sales", window) == pytest.approx(1 / 3)
        assert w("ccpulse_average_speed_of_answer_seconds", "sales", window) == 20
        assert w("ccpulse_abandon_ratio", "sales", window) == pytest.approx(1 / 3)
        assert w("ccpulse_average_handle_seconds", "sales", window) == 60
        assert w("ccpulse_service_level_ratio", "support", window) == 1
        assert w("ccpulse_average_speed_of_answer_seconds", "support", window) == 5
        assert w("ccpulse_average_handle_seconds", "support", window) == 150
    assert w("ccpulse_window_contacts_offered", "sales", "today") == 4
    assert w("ccpulse_service_level_ratio", "sales", "today") == 0.5
    assert w("ccpulse_average_speed_of_answer_seconds", "sales", "today") == 15
    assert w("ccpulse_abandon_ratio", "support", "today") == 0

    live = {"queue": "support", "channel": "voice"}
    assert sample(m, "ccpulse_contacts_waiting", **live) == 1
    assert sample(m, "ccpulse_oldest_waiting_seconds", **live) == 60
    assert sample(m, "ccpulse_contacts_waiting_over_threshold", **live) == 1
    # x stayed waiting: its answer came before its queueing and was refused
    assert sample(m, "ccpulse_contacts_waiting", queue="sales", channel="voice") == 1
    assert sample(m, "ccpulse_oldest_waiting_seconds", queue="sales", channel="voice") == 140

    assert sample(m, "ccpulse_contacts_offered_total", queue="sales", channel="voice") == 4
    assert sample(m, "ccpulse_contacts_answered_within_threshold_total", queue="sales",
                  channel="voice") == 2
    bucket = {"queue": "sales", "channel": "voice"}
    assert sample(m, "ccpulse_answer_wait_seconds_bucket", le="20", **bucket) == 2
    assert sample(m, "ccpulse_answer_wait_seconds_bucket", le="30", **bucket) == 3
    assert sample(m, "ccpulse_answer_wait_seconds_bucket", le="+Inf", **bucket) == 3
    assert sample(m, "ccpulse_answer_wait_seconds_sum", **bucket) == 45
    assert sample(m, "ccpulse_service_level_target_ratio", queue="sales", channel="voice") == 0.8
    assert sample(m, "ccpulse_service_level_threshold_seconds", queue="sales",
                  channel="voice") == 20

    # b and f are still on the phone in sales, answered by nobody named; ann's call ended
    # (agent.assigned and agent.released derived from it), so ann has her slot free
    assert sample(m, "ccpulse_contacts_in_service", queue="sales", channel="voice") == 2
    assert sample(m, "ccpulse_agents_logged_in", queue="sales") == 2
    assert sample(m, "ccpulse_agents_paused", queue="sales") == 1
    assert sample(m, "ccpulse_agents_available", queue="sales", channel="voice") == 1
    assert sample(m, "ccpulse_agents_available", queue="support", channel="voice") == 1
    assert sample(m, "ccpulse_agent_contacts_handled", agent="ann", window="today") == 1

    assert sample(m, "ccpulse_events_processed_total") == 14 + len(AGENTS) + derived
    assert sample(m, "ccpulse_events_duplicate_total") == 1
    assert sample(m, "ccpulse_events_rejected_total", reason="malformed_json") == 1
    assert sample(m, "ccpulse_events_rejected_total", reason="unknown_type") == 1
    assert sample(m, "ccpulse_events_rejected_total", reason="answered_before_queued") == 1
    assert sample(m, "ccpulse_newest_event_timestamp_seconds") == (B + 160 * S) / 1000
    assert sample(m, "ccpulse_redis_up") == 1

    dead = stack.deadletters(3)
    reasons = sorted(dict(r.headers)["reason"].decode() for r in dead)
    assert reasons == ["answered_before_queued", "malformed_json", "unknown_type"]
    originals = {r.value for r in dead}
    assert b"{oops" in originals and b'{"type": "call.teleported"}' in originals
    assert all(dict(r.headers)["detail"] for r in dead)
    assert worker.poll() is None, "the worker must survive bad input"
    assert not Path(f"{stack.env['CCPULSE_APP_ID']}-data").exists(), "no Faust data folder left"


@pytest.mark.integration
def test_exporter_says_when_redis_is_unreachable(stack: Stack) -> None:
    port = stack.start_exporter(CCPULSE_REDIS_URL="redis://127.0.0.1:1/0")
    m = scrape(port)
    assert sample(m, "ccpulse_redis_up") == 0
    assert not any(name.startswith("ccpulse_contacts") for name, _ in m)
