"""Real services for the integration tests: a Tansu broker, a redis-server and, for the
tests that ask for it, a Redis Cluster of three local masters, all on free ports."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster as ClusterClient

from ccpulse.devtools.embedded import RedisCluster, Service, start_redis_cluster
from tests.integration.helpers import CLUSTER, SINGLE, Stack

_names = itertools.count(1)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    cluster = start_redis_cluster(3)
    yield cluster
    cluster.stop()


@pytest.fixture
def stack(request: pytest.FixtureRequest, broker: Service, redis_server: Service,
          tmp_path: Path) -> Iterator[Stack]:
    """Unique topics, consumer group and Redis prefix per test, on the shared services
    (on the session's Redis Cluster when parametrized with ``"cluster"``)."""
    name = f"t{os.getpid()}x{next(_names)}"
    target = getattr(request, "param", SINGLE)
    env = {
        "CCPULSE_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker.port}",
        "CCPULSE_TOPIC_PREFIX": name,
        "CCPULSE_APP_ID": name,
        "CCPULSE_REDIS_PREFIX": name,
        "CCPULSE_SESSION_TIMEOUT_S": "4",
        "CCPULSE_PARTITIONS": "4",
    }
    client: redis.Redis
    if target == CLUSTER:
        cluster: RedisCluster = request.getfixturevalue("redis_cluster")
        env.update(CCPULSE_REDIS_URL=cluster.url, CCPULSE_REDIS_CLUSTER="true")
        client = ClusterClient.from_url(cluster.url)  # type: ignore[assignment]
    else:
        env["CCPULSE_REDIS_URL"] = f"redis://127.0.0.1:{redis_server.port}/0"
        client = redis.Redis(port=redis_server.port)
    stack = Stack(env=env, logdir=tmp_path, redis=client)
    yield stack
    stack.stop()
