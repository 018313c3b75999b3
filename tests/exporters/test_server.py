"""The /metrics endpoint as Prometheus and load balancers use it."""

from __future__ import annotations

import gzip
import http.client
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest
import redis
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)

from ccpulse.devtools.embedded import free_port
from ccpulse.errors import PortTaken
from ccpulse.exporters.collector import SiteCollector
from ccpulse.exporters.server import make_server
from ccpulse.state.redis_store import RedisStore
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry
from tests.published import calls, fold

REGISTRY = build_registry(EngineConfig())
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def serve(client: redis.Redis, prefix: str) -> Iterator[int]:
    server = make_server(SiteCollector(client, prefix, REGISTRY, event_clock=True,
                                       build={"version": "t", "build": "test"}),
                         "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def port(redis_client: redis.Redis) -> Iterator[int]:
    fold(REGISTRY, RedisStore(redis_client, REGISTRY, "s"), calls([3, 30, 61]))
    yield from serve(redis_client, "s")


def get(port: int, path: str = "/metrics", method: str = "GET",
        **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    return response, response.read()


def test_gzip_when_accepted(port: int) -> None:
    plain, body = get(port)
    zipped, packed = get(port, Accept_Encoding="gzip")
    assert plain.getheader("Content-Encoding") is None
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(packed).count(b"\n") == body.count(b"\n")
    assert len(packed) < len(body) / 4


def test_head_answers_without_a_body(port: int) -> None:
    response, body = get(port, method="HEAD")
    assert response.status == 200 and body == b""
    assert int(response.getheader("Content-Length") or 0) > 1000


def test_one_connection_serves_several_scrapes(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(3):
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        assert response.version == 11 and response.status == 200
        assert response.read().startswith(b"# HELP")
    connection.close()


def test_openmetrics_when_asked_parses_strictly(port: int) -> None:
    response, body = get(port, Accept=OPENMETRICS)
    assert response.getheader("Content-Type", "").startswith("application/openmetrics-text")
    families = {f.name: f for f in openmetrics_families(body.decode())}
    assert families["ccpulse_contacts_answered"].type == "counter"
    assert families["ccpulse_window_contacts_answered"].type == "gauge"
    assert families["ccpulse_answer_wait_seconds"].type == "histogram"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_exposition(port: int) -> None:
    for accept in ("text/plain",):  # promtool reads the text format (OpenMetrics: above)
        _, body = get(port, Accept=accept)
        checked = subprocess.run(["promtool", "check", "metrics"], input=body,
                                 capture_output=True)
        problems = [line for line in checked.stderr.decode().splitlines()
                    if "error" in line.lower()]
        assert checked.returncode in (0, 3) and not problems, checked.stderr.decode()


def test_health_and_readiness(port: int) -> None:
    assert get(port, "/healthz")[0].status == 200
    assert get(port, "/readyz")[0].status == 200
    assert get(port, "/nothing")[0].status == 404


def test_not_ready_while_redis_is_away() -> None:
    unreachable = redis.Redis(port=free_port(), socket_timeout=1, socket_connect_timeout=1)
    for port in serve(unreachable, "x"):
        response, _ = get(port, "/readyz")
        assert response.status == 503
        _, body = get(port)
        assert b"ccpulse_redis_up 0" in body and b"ccpulse_build_info{" in body


def test_a_taken_port_is_one_clear_error(redis_client: redis.Redis) -> None:
    for port in serve(redis_client, "s"):
        with pytest.raises(PortTaken, match=f"port {port} on 127.0.0.1 is already in use"):
            make_server(SiteCollector(redis_client, "s", REGISTRY), "127.0.0.1", port)
