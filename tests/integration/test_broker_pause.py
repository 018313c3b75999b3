"""The broker stops answering for 20 s mid-stream (SIGSTOP, as a network partition or a
frozen broker would look) and comes back: the worker waits and every count is exact,
the events it derives for agents' partitions included (sent while the broker is gone,
each is applied once: no agent keeps a contact whose release was lost)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ccpulse.devtools.embedded import Service, start_broker
from tests.integration.helpers import Stack, sample, scrape, wait_for
from tests.integration.test_crash import (
    DERIVED,
    QUEUES,
    assert_agents_exact,
    expected_within,
    script,
)

PAUSE_S = 20


@pytest.fixture
def own_broker() -> Iterator[Service]:
    """A broker of this test's own: pausing it must not touch the other tests."""
    service = start_broker()
    yield service
    os.kill(service.process.pid, signal.SIGCONT)
    service.stop()


@pytest.mark.integration
def test_worker_survives_a_broker_pause(own_broker: Service, redis_server: Service,
                                        tmp_path: Path) -> None:
    stack = Stack(env={
        "CCPULSE_KAFKA_BOOTSTRAP": f"127.0.0.1:{own_broker.port}",
        "CCPULSE_REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
        "CCPULSE_TOPIC_PREFIX": "paused", "CCPULSE_APP_ID": "paused",
        "CCPULSE_REDIS_PREFIX": "paused", "CCPULSE_SESSION_TIMEOUT_S": "4",
        "CCPULSE_PARTITIONS": "4",
    }, logdir=tmp_path, redis=redis.Redis(port=redis_server.port))
    events = script()
    total = len(events)
    try:
        stack.produce(events[:total // 2])
        worker = stack.start_worker(CCPULSE_CLOCK="event", CCPULSE_BATCH_SIZE="100")
        wait_for(lambda: stack.counter("processed") >= total // 4, 60, "a quarter", worker)
        os.kill(own_broker.process.pid, signal.SIGSTOP)
        time.sleep(PAUSE_S)
        assert worker.poll() is None, "the worker must wait for the broker, not exit"
        os.kill(own_broker.process.pid, signal.SIGCONT)
        stack.produce(events[total // 2:])
        wait_for(lambda: stack.counter("processed") >= total + DERIVED, 120,
                 "catch-up after the pause", worker)
        time.sleep(2)
        assert stack.counter("processed") == total + DERIVED
        m = scrape(stack.start_exporter(CCPULSE_CLOCK="event"))
        for queue in QUEUES:
            assert sample(m, "ccpulse_contacts_answered_within_threshold_total", queue=queue,
                          channel="voice") == expected_within(queue)
        copies = assert_agents_exact(stack, m)
    finally:
        stack.stop()
    print(f"broker paused {PAUSE_S} s mid-stream; {total} events and {DERIVED} derived "
          f"exact ({copies} derived copies dropped)")
