"""A second worker joins mid-stream: the partitions are shared and every count stays exact,
the agent events each worker derives for partitions the other may own included."""

from __future__ import annotations

import pytest

from ccpulse.devtools.embedded import free_port
from tests.integration.helpers import Stack, sample, scrape, wait_for, worker_metric
from tests.integration.test_crash import (
    DERIVED,
    QUEUES,
    assert_agents_exact,
    expected_within,
    script,
)


@pytest.mark.integration
def test_second_worker_joins_mid_stream(stack: Stack) -> None:
    events = script()
    total = len(events)
    half = total // 2
    stack.produce(events[:half])
    settings = {"CCPULSE_CLOCK": "event", "CCPULSE_BATCH_SIZE": "20"}
    ports = [free_port(), free_port()]
    first = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(ports[0]), **settings)
    wait_for(lambda: stack.counter("processed") >= total // 20, 60, "the first worker", first)
    second = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(ports[1]), **settings)
    wait_for(lambda: worker_metric(ports[1], "ccpulse_worker_partitions") > 0, 60,
             "the second worker to be given partitions", second)
    stack.produce(events[half:])
    wait_for(lambda: stack.counter("processed") >= total + DERIVED, 180,
             "both workers to finish", second)
    assert first.poll() is None and second.poll() is None
    assert stack.counter("processed") == total + DERIVED
    assert all(worker_metric(p, "ccpulse_worker_records_total") > 0 for p in ports), \
        "both workers must have folded records"

    m = scrape(stack.start_exporter(CCPULSE_CLOCK="event"))
    for queue in QUEUES:
        labels = {"queue": queue, "channel": "voice"}
        assert sample(m, "ccpulse_contacts_answered_within_threshold_total",
                      **labels) == expected_within(queue)
        assert sample(m, "ccpulse_contacts_waiting", **labels) == 0
    assert_agents_exact(stack, m)
