"""How long the worker takes to process again: on a fresh start, after a ``kill -9`` and
restart, and when a second worker joins (until every partition is owned). Figures are
printed (RELIABILITY.md quotes them); the bounds are loose, the counts exact."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ccpulse.devtools.embedded import free_port
from tests.integration.helpers import REGISTRY, Stack, wait_for, worker_metric
from tests.integration.test_crash import script

SESSION_TIMEOUT_S = 6  # the default
OWNED = 4 * len(REGISTRY.topics())  # every input topic, four partitions each


@pytest.mark.integration
@pytest.mark.parametrize("static", [False, True], ids=["dynamic", "static"])
def test_recovery_times(stack: Stack, static: bool) -> None:
    """With ``static``, each worker has a CCPULSE_INSTANCE_ID (static group membership)."""
    events = script(agents=False)  # the thresholds below count input events only
    total = len(events)
    settings = {"CCPULSE_CLOCK": "event", "CCPULSE_BATCH_SIZE": "200",
                "CCPULSE_SESSION_TIMEOUT_S": str(SESSION_TIMEOUT_S)}
    stack.produce(events[:total // 2])
    figures: dict[str, float] = {}

    def named(n: int) -> dict[str, str]:
        return {"CCPULSE_INSTANCE_ID": f"worker-{n}"} if static else {}

    started = time.monotonic()
    first = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(free_port()), **settings,
                        **named(1))
    wait_for(lambda: stack.counter("processed") > 0, 60, "a fresh worker to process", first)
    figures["fresh start to processing"] = time.monotonic() - started
    wait_for(lambda: stack.counter("processed") >= total // 2, 60, "the first half", first)

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = stack.counter("processed")
    stack.produce(events[total // 2: 3 * total // 4])
    started = time.monotonic()
    ports = [free_port(), free_port()]
    restarted = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(ports[0]), **settings,
                            **named(1))
    wait_for(lambda: stack.counter("processed") > at_kill, 90,
             "the restarted worker to process", restarted)
    figures["kill -9, restart to processing"] = time.monotonic() - started
    wait_for(lambda: stack.counter("processed") >= 3 * total // 4, 60, "the third quarter",
             restarted)

    started = time.monotonic()
    second = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(ports[1]), **settings,
                         **named(2))

    def shared() -> bool:
        owned = [worker_metric(p, "ccpulse_worker_partitions") for p in ports]
        return all(owned) and sum(owned) == OWNED

    wait_for(shared, 90, "both workers to own every partition between them", second)
    figures["second worker joins, to all partitions owned"] = time.monotonic() - started

    stack.produce(events[3 * total // 4:])
    wait_for(lambda: stack.counter("processed") >= total, 90, "the rest", second)
    time.sleep(2)
    assert stack.counter("processed") == total
    assert stack.counter("duplicates") == 0
    membership = "static" if static else "dynamic"
    print(f"\nrecovery ({membership} membership, session timeout {SESSION_TIMEOUT_S} s):")
    for what, seconds in figures.items():
        print(f"  {what}: {seconds:.1f} s")
    assert all(seconds < 60 for seconds in figures.values()), figures
