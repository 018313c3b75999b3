"""`ccpulse asterisk` follows a queue_log across rotation into the live pipeline."""

from __future__ import annotations

import pytest

from ccpulse.sources.asterisk.queue_log import QueueLogConverter
from tests.integration.helpers import Stack, sample, scrape, wait_for
from tests.sources.queue_logs import a_morning


@pytest.mark.integration
def test_queue_log_followed_across_rotation_reaches_the_metrics(stack: Stack) -> None:
    lines = a_morning().lines
    events = [e for line in lines for e in QueueLogConverter().convert(line)]
    # each answer by a named agent derives agent.assigned for the agent's partition, and
    # the end of that service agent.released (call 1004.1 is served twice, by two agents)
    derived = sum(1 for e in events
                  if e["type"] in ("call.answered", "call.ended") and e.get("agent_id"))
    total = len(events) + derived
    log = stack.logdir / "queue_log"
    half = len(lines) // 2
    log.write_text("\n".join(lines[:half]) + "\n")
    state = stack.logdir / "queue_log.pos"
    feed = stack.start("asterisk", str(log), "--from-start", "--state", str(state))
    worker = stack.start_worker(CCPULSE_CLOCK="event")
    wait_for(lambda: stack.consumed() > 0 and state.exists(), 60, "the first half", worker)

    log.rename(stack.logdir / "queue_log.1")  # logrotate
    log.write_text("\n".join(lines[half:]) + "\n")
    wait_for(lambda: stack.consumed() >= total, 60, "the rotated file", feed)
    assert stack.counters() == {"processed": total, "derived": derived}

    m = scrape(stack.start_exporter(CCPULSE_CLOCK="event"))
    sales, support = ({"queue": q, "channel": "voice"} for q in ("sales", "support"))
    assert sample(m, "ccpulse_contacts_answered_total", **sales) == 3
    assert sample(m, "ccpulse_contacts_abandoned_total", **sales) == 1
    assert sample(m, "ccpulse_contacts_answered_total", **support) == 1
    assert sample(m, "ccpulse_contacts_abandoned_total", **support) == 2
    assert sample(m, "ccpulse_contacts_handled_total", **sales) == 3
    assert sample(m, "ccpulse_handle_seconds_total", **sales) == 95 + 60 + 30
    assert sample(m, "ccpulse_agents_logged_in", queue="sales") == 2
    assert sample(m, "ccpulse_agents_paused", queue="sales") == 1
    assert ("ccpulse_agents_logged_in", (("queue", "support"),)) not in m
