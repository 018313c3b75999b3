"""Shared fixtures: real services on free ports, and a refusal to test a stale build.

A C extension built from an older source would shadow the source being tested
(``scripts/setup.sh`` rebuilds them), so the run stops if one is older than its
source.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import settings

from ccpulse.devtools.embedded import Service, start_broker, start_redis
from ccpulse.native import MODULES

ROOT = Path(__file__).resolve().parent.parent

# no deadline per example: speed is measured by the bench, and a loaded CI machine
# would otherwise fail a correct property now and then
settings.register_profile("ccpulse", deadline=None)
settings.load_profile("ccpulse")


def pytest_configure(config: pytest.Config) -> None:
    stale = []
    for name in MODULES:
        source = ROOT.joinpath(*name.split(".")).with_suffix(".py")
        for built in source.parent.glob(f"{source.stem}.*.so"):
            if source.stat().st_mtime > built.stat().st_mtime:
                stale.append(str(source.relative_to(ROOT)))
    if stale:
        raise pytest.UsageError(f"compiled modules older than their source: {', '.join(stale)};"
                                " run scripts/setup.sh (or scripts/test.sh) to rebuild them")


@pytest.fixture(scope="session")
def broker() -> Iterator[Service]:
    service = start_broker()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Service]:
    service = start_redis()
    yield service
    service.stop()


@pytest.fixture
def redis_client(redis_server: Service) -> Iterator[redis.Redis]:
    """A client of the session's Redis, emptied after the test."""
    client = redis.Redis(port=redis_server.port)
    yield client
    client.flushall()
