"""A known ticket script through broker -> worker -> Redis -> exporter -> /metrics, and an
SLA breach that happens while no event arrives."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import Stack, sample, scrape, wait_for

MIN = 60_000
CONFIG = """
[queues.billing]
calendar = "always"
[queues.night]
calendar = "never"
[calendars.always]
monday = "00:00-24:00"
tuesday = "00:00-24:00"
wednesday = "00:00-24:00"
thursday = "00:00-24:00"
friday = "00:00-24:00"
saturday = "00:00-24:00"
sunday = "00:00-24:00"
[calendars.never]
[sla.billing."*"]
first_reply_h = 0.25       # 15 min: met (10 min)
next_reply_h = 0.1         # 6 min: breached (10 min)
requester_wait_h = 0.5     # 30 min: breached (31 min)
resolution_h = 1           # met
clock = "calendar"
[sla.billing.urgent]
first_reply_h = 0.002      # 7.2 s
clock = "calendar"
at_risk_min = 0.05         # at risk 3 s before
"""


def script(base: int) -> list[dict[str, Any]]:
    def ev(n: int, at_min: float, type_: str, ticket: str = "t-1", **extra: Any
           ) -> dict[str, Any]:
        return {"event_id": f"{ticket}-{n}", "type": type_, "ts": base + round(at_min * MIN),
                "ticket_id": ticket, **extra}

    return [
        ev(1, 0, "ticket.created", queue="billing", channel="email", priority="high",
           category="refund"),
        ev(2, 5, "ticket.replied", author="customer"),  # answered by the first reply
        ev(3, 6, "ticket.replied", author="agent", visibility="internal", agent_id="ann"),
        ev(4, 7, "ticket.replied", author="bot"),  # answers nothing
        ev(5, 10, "ticket.replied", author="agent", agent_id="ann"),  # first reply: 10 min
        ev(6, 11, "ticket.status_changed", status="pending"),
        ev(7, 20, "ticket.replied", author="customer"),  # a run starts
        ev(8, 20, "ticket.status_changed", status="open"),
        ev(9, 30, "ticket.replied", author="agent", agent_id="ann"),  # next reply: 10 min
        ev(9, 30, "ticket.replied", author="agent", agent_id="ann"),  # a repeat: dropped
        ev(10, 40, "ticket.status_changed", status="solved"),  # first resolution: 40 min
        ev(11, 45, "ticket.status_changed", status="closed"),  # final
        ev(1, 0, "ticket.created", "t-2", queue="night", priority="low"),
        ev(2, 30, "ticket.replied", "t-2", author="agent", agent_id="bob"),  # never open: 0
    ]


@pytest.mark.integration
def test_known_ticket_script_gives_exact_metrics_and_a_breach_comes_on_its_own(
        stack: Stack, tmp_path: Path) -> None:
    config = tmp_path / "ccpulse.toml"
    config.write_text(CONFIG)
    stack.env["CCPULSE_CONFIG"] = str(config)
    now = int(time.time() * 1000)
    events = script(now - 50 * MIN)
    stack.produce(events)
    worker = stack.start_worker()
    wait_for(lambda: stack.consumed() >= len(events), 60, "the worker to apply it", worker)
    port = stack.start_exporter()
    m = scrape(port)
    q = {"queue": "billing", "channel": "email", "priority": "high", "window": "7d"}
    for clock in ("calendar", "business"):  # the billing calendar is always open
        assert sample(m, "ccpulse_ticket_first_reply_seconds", clock=clock, **q) == 600
        assert sample(m, "ccpulse_ticket_next_reply_seconds", clock=clock, **q) == 600
        assert sample(m, "ccpulse_ticket_first_resolution_seconds", clock=clock, **q) == 2400
        assert sample(m, "ccpulse_ticket_resolution_seconds", clock=clock, **q) == 2400
        assert sample(m, "ccpulse_ticket_requester_wait_seconds", clock=clock, **q) == 1860
        assert sample(m, "ccpulse_ticket_agent_wait_seconds", clock=clock, **q) == 540
        assert sample(m, "ccpulse_ticket_on_hold_seconds", clock=clock, **q) == 0
    night = {"queue": "night", "channel": "email", "priority": "low", "window": "7d"}
    assert sample(m, "ccpulse_ticket_first_reply_seconds", clock="calendar", **night) == 1800
    assert sample(m, "ccpulse_ticket_first_reply_seconds", clock="business", **night) == 0
    assert sample(m, "ccpulse_ticket_reopen_ratio", **q) == 0
    assert sample(m, "ccpulse_ticket_one_touch_ratio", **q) == 0  # two public agent replies
    assert sample(m, "ccpulse_ticket_resolution_ratio", **q) == 1
    assert sample(m, "ccpulse_window_tickets_by_category", queue="billing", category="refund",
                  window="7d") == 1
    sla = {"queue": "billing", "priority": "high"}
    assert sample(m, "ccpulse_ticket_sla_met_total", target="first_reply", **sla) == 1
    assert sample(m, "ccpulse_ticket_sla_breaches_total", target="next_reply", **sla) == 1
    assert sample(m, "ccpulse_ticket_sla_breaches_total", target="requester_wait", **sla) == 1
    assert sample(m, "ccpulse_ticket_sla_met_total", target="resolution", **sla) == 1
    assert sample(m, "ccpulse_ticket_first_reply_time_seconds_bucket", le="900",
                  clock="calendar", queue="billing", channel="email", priority="high") == 1
    for clock in ("calendar", "business"):
        assert sample(m, "ccpulse_tickets_open", queue="night", status="new", priority="low",
                      age="0-4h", clock=clock) == 1
    assert sample(m, "ccpulse_events_duplicate_total") == 1

    # a ticket due in 7.2 s: at risk 3 s before, breached after, with no event in between
    stack.produce([{"event_id": "t-3-1", "type": "ticket.created", "ticket_id": "t-3",
                    "ts": int(time.time() * 1000), "queue": "billing", "priority": "urgent"}])
    urgent = {"queue": "billing", "priority": "urgent", "target": "first_reply"}

    def live(name: str) -> float:
        return scrape(port).get((name, tuple(sorted(urgent.items()))), 0.0)

    wait_for(lambda: live("ccpulse_ticket_sla_at_risk") == 1, 30, "the ticket to be at risk",
             worker)
    assert live("ccpulse_ticket_sla_breached") == 0
    wait_for(lambda: live("ccpulse_ticket_sla_breached") == 1, 30, "the breach", worker)
    m = scrape(port)
    assert sample(m, "ccpulse_ticket_sla_at_risk", **urgent) == 0
    assert sample(m, "ccpulse_ticket_sla_breaches_total", **urgent) == 1
    assert sample(m, "ccpulse_ticket_sla_target_seconds", clock="calendar", **urgent) == 7.2
    assert worker.poll() is None
