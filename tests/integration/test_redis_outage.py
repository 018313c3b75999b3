"""Redis goes away mid-stream and comes back: the worker waits, resumes, counts exactly."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import redis

from ccpulse.devtools.embedded import Service, free_port, port_open, redis_binary, wait_until
from tests.integration.helpers import Stack, sample, scrape, wait_for
from tests.integration.test_crash import (
    DERIVED,
    QUEUES,
    assert_agents_exact,
    expected_within,
    script,
)


def durable_redis(port: int, workdir: Path) -> Service:
    process = subprocess.Popen(
        [str(redis_binary()), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--appendfsync", "always", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    service = Service("redis", process, port)
    wait_until(lambda: port_open(port), 10, "redis")
    return service


@pytest.mark.integration
def test_worker_survives_a_redis_outage(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    server = durable_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    stack.redis = redis.Redis(port=port)
    events = script()
    half = len(events) // 2
    stack.produce(events[:half])
    worker = stack.start_worker(CCPULSE_CLOCK="event", CCPULSE_REDIS_URL=url,
                                CCPULSE_BATCH_SIZE="200")
    try:
        wait_for(lambda: stack.consumed() >= half, 60, "the first half", worker)
        server.process.kill()  # Redis is gone
        server.process.wait()
        stack.produce(events[half:])
        time.sleep(4)  # batches fail meanwhile; the worker must keep waiting
        assert worker.poll() is None, "the worker must not die with Redis"
        server = durable_redis(port, tmp_path)  # back, with what it had written
        wait_for(lambda: stack.counter("processed") >= len(events) + DERIVED, 90,
                 "catch-up after Redis came back", worker)
        time.sleep(2)
        assert stack.counters()["processed"] == len(events) + DERIVED
        m = scrape(stack.start_exporter(CCPULSE_CLOCK="event", CCPULSE_REDIS_URL=url))
        for queue in QUEUES:
            assert sample(m, "ccpulse_contacts_answered_within_threshold_total", queue=queue,
                          channel="voice") == expected_within(queue)
        assert_agents_exact(stack, m)  # no input event a duplicate, no derived one lost
        log = stack.logs(tail=None)
        assert log.count("Redis unavailable") == 1, "one line when the outage starts"
        assert log.count("Redis available again") == 1, "and one when it ends"
    finally:
        stack.stop()
        server.stop()
