"""kill -9 the worker mid-stream, restart it: every count is exact, nothing twice, the
events the worker derives for agents' partitions included (each applied once, however
often a batch folded again sends it)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from ccpulse.state.layout import partition_key, partitions_key
from tests.integration.helpers import ON_BOTH, Stack, sample, scrape, wait_for
from tests.published import Samples

B = 1_714_989_600_000  # 2024-05-06T10:00:00Z
CONTACTS = 4_000
QUEUES = ("sales", "support", "billing")
AGENTS = 20
DERIVED = 2 * CONTACTS  # an assignment and a release of its agent per call


def script(agents: bool = True) -> list[dict[str, Any]]:
    """Calls in three queues; with ``agents``, each answered by one of 20 agents (the
    worker derives an assignment and a release per call)."""
    events = []
    for n in range(CONTACTS):
        queue = QUEUES[n % len(QUEUES)]
        start = B + n * 100
        wait = (n * 7) % 40_000  # 0 to 40 s
        for i, (type_, at, extra) in enumerate([
            ("call.queued", start, {}),
            ("call.answered", start + wait, {"agent_id": f"ag{n % AGENTS}"} if agents else {}),
            ("call.ended", start + wait + 60_000, {"talk_s": 60}),
        ]):
            events.append({"event_id": f"{n}-{i}", "type": type_, "ts": at,
                           "contact_id": f"c{n}", "queue": queue, "channel": "voice", **extra})
    return sorted(events, key=lambda e: e["ts"])


def assert_agents_exact(stack: Stack, m: Samples) -> int:
    """Every derived assignment and release applied once: each agent handled its calls,
    and none keeps a contact (a lost release would leave one in service until expired).
    Returns how many derived copies the agents' partitions dropped as duplicates."""
    assert stack.counter("derived") == DERIVED  # counted in the state: once, however sent
    # copies sent again (a batch folded again) are dropped as duplicates, input never is
    copies = 0
    for pid, counters in stack.partition_counters().items():
        duplicates = counters.get("duplicates", 0)
        if pid.rpartition(":")[0].endswith("agents"):
            copies += duplicates
        else:
            assert duplicates == 0, pid
    assert stack.counter("expired_assignments") == 0
    assert sum(value for (name, _), value in m.items()
               if name == "ccpulse_agent_contacts_in_service") == 0
    for a in range(AGENTS):
        calls = sum(1 for n in range(CONTACTS) if n % AGENTS == a)
        assert sample(m, "ccpulse_agent_contacts_handled", agent=f"ag{a}",
                      window="today") == calls
    return copies


def expected_within(queue: str) -> int:
    return sum(1 for n in range(CONTACTS)
               if QUEUES[n % len(QUEUES)] == queue and (n * 7) % 40_000 <= 20_000)


@pytest.mark.integration
@ON_BOTH
def test_kill_9_mid_stream_then_restart_gives_exact_counts(stack: Stack) -> None:
    events = script()
    total = len(events)
    first = total // 3
    stack.produce(events[:first])
    # checkpoints only at the first save: everything after it must be folded again
    settings = {"CCPULSE_CLOCK": "event", "CCPULSE_BATCH_SIZE": "50",
                "CCPULSE_CHECKPOINT_S": "600"}
    worker = stack.start_worker(**settings)
    wait_for(lambda: stack.consumed() >= first, 60, "the first third", worker)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    applied_at_kill = stack.counter("processed")
    behind = [pid for pid in stack.redis.smembers(partitions_key(stack.prefix))
              if int(stack.redis.hget(partition_key(stack.prefix, pid.decode(), "ckpt:meta"),
                                      "offset") or -1)
              < int(stack.redis.hget(partition_key(stack.prefix, pid.decode(), "meta"),
                                     "offset") or -1)]
    assert behind, "some published state must be newer than its checkpoint at the kill"

    stack.produce(events[first:])
    restarted = stack.start_worker(**settings)
    wait_for(lambda: stack.counter("processed") >= total + DERIVED, 120,
             "catch-up after restart", restarted)
    time.sleep(2)  # anything applied twice would show up now
    assert stack.counter("processed") == total + DERIVED

    port = stack.start_exporter(CCPULSE_CLOCK="event")
    m = scrape(port)
    for queue in QUEUES:
        per_queue = sum(1 for n in range(CONTACTS) if QUEUES[n % len(QUEUES)] == queue)
        labels = {"queue": queue, "channel": "voice"}
        assert sample(m, "ccpulse_contacts_offered_total", **labels) == per_queue
        assert sample(m, "ccpulse_contacts_answered_total", **labels) == per_queue
        assert sample(m, "ccpulse_contacts_handled_total", **labels) == per_queue
        assert sample(m, "ccpulse_contacts_answered_within_threshold_total",
                      **labels) == expected_within(queue)
        assert sample(m, "ccpulse_contacts_waiting", **labels) == 0
    assert sample(m, "ccpulse_events_processed_total") == total + DERIVED
    copies = assert_agents_exact(stack, m)
    print(f"killed after {applied_at_kill} of {total} events; exact after restart "
          f"({copies} derived events sent again and dropped as copies)")
