"""Running ccpulse processes against the test services, and reading what they produce."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from ccpulse.devtools.embedded import free_port, port_open
from ccpulse.sources.producer import routed
from ccpulse.state.layout import META_NOT_COUNTERS, partition_key, partitions_key
from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.topics import ensure_all
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry
from tests.published import Samples

REGISTRY = build_registry(EngineConfig())
SINGLE, CLUSTER = "single", "cluster"
# a test marked with this runs twice: against one Redis server and against a Redis Cluster
ON_BOTH = pytest.mark.parametrize("stack", [SINGLE, CLUSTER], indirect=True)


@dataclass
class Stack:
    env: dict[str, str]
    logdir: Path
    redis: redis.Redis
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kafka_options: dict[str, Any] = field(default_factory=dict)  # TLS, for the test's clients

    @property
    def prefix(self) -> str:
        return self.env["CCPULSE_TOPIC_PREFIX"]

    @property
    def bootstrap(self) -> str:
        return self.env["CCPULSE_KAFKA_BOOTSTRAP"]

    @property
    def kafka_config(self) -> dict[str, Any]:
        if "ssl_context" not in self.kafka_options:
            return {}
        return {"security_protocol": "SSL", "ca_file": self.env["CCPULSE_KAFKA_CA_FILE"]}

    @property
    def topics(self) -> Topics:
        return Topics(self.prefix)

    async def create_topics(self) -> None:
        await ensure_all(KafkaConfig(self.bootstrap, **self.kafka_config), self.topics,
                         REGISTRY.topics(),
                         int(self.env["CCPULSE_PARTITIONS"]))

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        name = "-".join(args[:1])
        log = (self.logdir / f"{name}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "ccpulse", *args], env={**os.environ, **self.env, **env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def start_worker(self, **env: str) -> subprocess.Popen[bytes]:
        return self.start("worker", CCPULSE_WORKER_WEB_PORT=str(free_port()), **env)

    def start_exporter(self, **env: str) -> int:
        port = free_port()
        process = self.start("exporter", "--port", str(port), **env)
        wait_for(lambda: port_open(port), 20, "exporter", process)
        return port

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs(self, tail: int | None = 3000) -> str:
        """Every process's log (the last ``tail`` characters of each, None: all of it)."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-(tail or 0):]}"
                         for p in sorted(self.logdir.glob("*.log")))

    def partition_counters(self) -> dict[str, dict[str, int]]:
        """Each partition's counters, by partition id (``topic:partition``)."""
        out: dict[str, dict[str, int]] = {}
        for pid in self.redis.smembers(partitions_key(self.prefix)):
            meta = self.redis.hgetall(partition_key(self.prefix, pid.decode(), "meta"))
            out[pid.decode()] = {
                name.decode(): int(value) for name, value in meta.items()
                if name.decode() not in (*META_NOT_COUNTERS, "newest_event_ms")}
        return out

    def counters(self) -> dict[str, int]:
        """Every partition's counters, added up."""
        totals: dict[str, int] = {}
        for counters in self.partition_counters().values():
            for name, value in counters.items():
                totals[name] = totals.get(name, 0) + value
        return totals

    def counter(self, name: str) -> int:
        return self.counters().get(name, 0)

    def consumed(self) -> int:
        """Records accounted for: applied, duplicates and rejected."""
        return sum(v for k, v in self.counters().items()
                   if k in ("processed", "duplicates") or k.startswith("rejected:"))

    def produce(self, events: Iterable[dict[str, Any] | bytes]) -> None:
        """Each event to its topic with its key (as the producer helper sends it); bytes to
        the calls topic, as garbage would arrive."""
        asyncio.run(self._produce(list(events)))

    async def _produce(self, events: list[dict[str, Any] | bytes]) -> None:
        await self.create_topics()
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=10,
                                    **self.kafka_options)
        await producer.start()
        try:
            for event in events:
                if isinstance(event, bytes):
                    await producer.send(self.topics.name("calls"), event, key=b"garbage")
                else:
                    sent = routed(REGISTRY, event)
                    await producer.send(self.topics.name(sent.topic), sent.value, key=sent.key)
            await producer.flush()
        finally:
            await producer.stop()

    def produce_raw(self, records: Iterable[tuple[bytes, bytes | None]],
                    topic: str = "calls") -> None:
        """Values (with keys) as they are, whatever they hold, to one input topic; records
        up to 2 MB, so that oversized ones reach the worker."""
        asyncio.run(self._produce_raw(list(records), topic))

    async def _produce_raw(self, records: list[tuple[bytes, bytes | None]], topic: str) -> None:
        await self.create_topics()
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=10,
                                    max_request_size=2 << 20, **self.kafka_options)
        await producer.start()
        try:
            for value, key in records:
                await producer.send(self.topics.name(topic), value, key=key)
            await producer.flush()
        finally:
            await producer.stop()

    def deadletters(self, expected: int, timeout_s: float = 30) -> list[Any]:
        return asyncio.run(self._consume(self.topics.deadletter, expected, timeout_s))

    async def _consume(self, topic: str, expected: int, timeout_s: float) -> list[Any]:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=self.bootstrap,
                                    auto_offset_reset="earliest", group_id=None,
                                    **self.kafka_options)
        await consumer.start()
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(records) < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for messages in batch.values():
                    records.extend(messages)
        finally:
            await consumer.stop()
        return records


def wait_for(check: Callable[[], bool], timeout_s: float, what: str,
             process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited with code {process.returncode}")
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def scrape(port: int) -> Samples:
    """Every sample served at /metrics, by (name, sorted labels)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def worker_metric(web_port: int, name: str) -> float:
    """A value of a worker's own /metrics (0 while it does not answer)."""
    url = f"http://127.0.0.1:{web_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return 0.0
