"""Real services for the integration tests: a Tansu broker and a redis-server on free ports."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ccpulse.devtools.embedded import Service
from tests.integration.helpers import Stack

_names = itertools.count(1)


@pytest.fixture
def stack(broker: Service, redis_server: Service, tmp_path: Path) -> Iterator[Stack]:
    """Unique topics, consumer group and Redis prefix per test, on the shared services."""
    name = f"t{os.getpid()}x{next(_names)}"
    stack = Stack(
        env={
            "CCPULSE_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker.port}",
            "CCPULSE_REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
            "CCPULSE_TOPIC_PREFIX": name,
            "CCPULSE_APP_ID": name,
            "CCPULSE_REDIS_PREFIX": name,
            "CCPULSE_SESSION_TIMEOUT_S": "4",
            "CCPULSE_PARTITIONS": "4",
        },
        logdir=tmp_path,
        redis=redis.Redis(port=redis_server.port),
    )
    yield stack
    stack.stop()
