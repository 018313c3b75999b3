"""``ccpulse bench``: throughput, freshness and memory, measured in one run on one machine.

Everything runs against embedded services started for the run (a Tansu broker and
a redis-server), so the figures compare like with like:

1. N events of a realistic mix of calls, chats and agents;
2. five rounds of: the mix produced to fresh topics (and to a copy), the raw
   baseline (a plain aiokafka consumer reads and orjson-parses the copy), ccpulse
   catch-up (one worker from empty state until every event, and every event it
   derived, is applied and published in Redis), the raw baseline again; the ratio
   is the median round's, against the two raw runs around it, since the machine's
   speed drifts; then two workers in one group;
   by workload: the calls, the chats and the agent events of the mix each alone,
   and the whole mix with no agent events derived, with no figures per agent, and
   with neither, each with its own raw baseline; for every worker run, its CPU time
   per event; and the mix folded in the bench's own process, each stage of the
   per-event path timed (:mod:`ccpulse.devtools.stages`);
3. the naive peer: a Faust agent updating a Faust table once per event;
4. freshness: at a steady 2,000 and 20,000 events/s, probe events are sent and the
   exporter's /metrics is polled until each probe's effect shows;
5. memory: 1,000 queues x 3 channels, day after day of the same contacts: the
   worker's RSS and Redis memory after each day, and the /metrics scrape time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import redis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ccpulse.devtools import stages
from ccpulse.devtools.embedded import (
    Service,
    free_port,
    port_open,
    start_broker,
    start_redis,
    wait_until,
)
from ccpulse.errors import CcpulseError
from ccpulse.native import describe
from ccpulse.sources.producer import Routed, routed
from ccpulse.sources.simulate import traffic
from ccpulse.sources.simulation import default_queues
from ccpulse.state.layout import partition_key, partitions_key
from ccpulse.stream import fetch
from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.metrics import STEPS
from ccpulse.stream.topics import ensure_all
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry

try:
    import psutil
except ImportError:  # pragma: no cover
    raise CcpulseError("ccpulse bench needs psutil: pip install 'ccpulse[bench]'") from None

log = logging.getLogger(__name__)
PARTITIONS = 4
NAIVE_EVENTS = 50_000  # the naive peer's rate is steady: the first events of the topic will do
Doc = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """What one run measures, and at what size."""

    events: int = 200_000  # for the catch-up runs
    rates: tuple[float, ...] = (2_000.0, 20_000.0)  # events/s of steady load for freshness
    freshness_s: float = 10.0  # seconds of steady load per rate
    scale_queues: int = 1_000  # queues in the memory run, each with three channels
    contacts_per_queue: int = 12  # per queue and channel per day in the memory run
    days: int = 4  # of traffic in the memory run
    rounds: int = 5  # one worker between two raw baselines, this many times
    batch_size: int | None = None  # the workers' batch size (None: their default)
    tickets: int = 1_000_000  # open tickets in the tickets run (0: none)


SMOKE = Plan(events=4_000, rates=(200.0,), freshness_s=3.0, scale_queues=20,
             contacts_per_queue=2, days=2, batch_size=250, rounds=1, tickets=2_000)


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# -- workloads ---------------------------------------------------------------------
def realistic_mix(n: int, start_s: float, queues: int = 50) -> list[Doc]:
    """Simulated calls, chats and agents, about a third each: queue events, messages
    with the bot and agents, transfers, abandons, reopens, agent states and breaks."""
    names = [f"q{i:02d}" for i in range(queues)]
    mix = traffic(default_queues(names), calls_per_s=40.0, seed=7, start_s=start_s,
                  chats_per_s=10.0)
    return [doc for _, doc in itertools.islice(mix, n)]


# each part of the mix alone, and the whole mix without derived agent events or without
# figures per agent (the two settings a very large site may turn off): which part of the
# work costs what, in the same run (name -> event type prefix, worker settings)
WORKLOADS: dict[str, tuple[str, dict[str, str]]] = {
    "voice": ("call.", {}),
    "chats": ("chat.", {}),
    "agents": ("agent.", {}),
    "mix_without_derivation": ("", {"CCPULSE_DERIVE_AGENT_ACTIVITY": "false"}),
    "mix_without_per_agent": ("", {"CCPULSE_PER_AGENT_METRICS": "false"}),
    "mix_without_either": ("", {"CCPULSE_DERIVE_AGENT_ACTIVITY": "false",
                                "CCPULSE_PER_AGENT_METRICS": "false"}),
}


def day_of_queues(day_start_s: float, queues: int, channels: tuple[str, ...],
                  contacts_per_queue: int, day: int) -> list[Doc]:
    """Every queue and channel busy all day: queued, answered or abandoned, ended.

    Each day has the same contacts (ids, so partitions, and outcomes) at new times:
    day after day touches the same queues, channels, outcomes and partitions, and
    only the number of events grows."""
    rng = random.Random(day)
    docs: list[Doc] = []
    for q, channel in itertools.product(range(queues), channels):
        queue = f"queue-{q:04d}"
        for c in range(contacts_per_queue):
            cid = f"{queue}-{channel}-{c}"
            abandons = random.Random(cid).random() < 0.1
            t = day_start_s + rng.uniform(0, 86_000)
            base = {"contact_id": cid, "queue": queue, "channel": channel}
            wait = rng.expovariate(1 / 25)
            eid = f"{cid}-d{day}"
            docs.append({"event_id": f"{eid}-q", "type": "call.queued", "ts": round(t * 1000),
                         **base})
            if abandons:
                docs.append({"event_id": f"{eid}-x", "type": "call.abandoned",
                             "ts": round((t + wait) * 1000), **base})
                continue
            docs.append({"event_id": f"{eid}-a", "type": "call.answered",
                         "ts": round((t + wait) * 1000), **base})
            docs.append({"event_id": f"{eid}-e", "type": "call.ended",
                         "ts": round((t + wait + 200) * 1000), "talk_s": 180, **base})
    docs.sort(key=lambda d: d["ts"])
    return docs


REGISTRY = build_registry(EngineConfig())


def topics_of(prefix: str) -> list[str]:
    return Topics(prefix).inputs(REGISTRY.topics())


async def create_topics(bootstrap: str, prefix: str) -> None:
    await ensure_all(KafkaConfig(bootstrap), Topics(prefix), REGISTRY.topics(), PARTITIONS)


def route_all(docs: list[Doc]) -> list[Routed]:
    return [routed(REGISTRY, doc) for doc in docs]


async def produce(bootstrap: str, prefix: str, docs: list[Doc]) -> float:
    """Every event to its topic, keyed as the producer helper keys it."""
    events = route_all(docs)
    names = Topics(prefix)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20,
                                max_batch_size=512 * 1024)
    await producer.start()
    started = time.perf_counter()
    try:
        for event in events:
            await producer.send(names.name(event.topic), event.value, key=event.key)
        await producer.flush()
    finally:
        await producer.stop()
    return len(docs) / (time.perf_counter() - started)


async def raw_consume(bootstrap: str, prefix: str, n: int) -> float:
    """The limit: a plain consumer that reads and parses every event, nothing more."""
    consumer = await _consumer_at_start(bootstrap, prefix)
    try:
        seen = 0
        started = time.perf_counter()
        loads = orjson.loads
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for records in batch.values():
                for record in records:
                    loads(record.value)
                seen += len(records)
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def raw_gc_rates(bootstrap: str, prefix: str, n: int, times: int = 3) -> dict[str, float]:
    """The raw consumer's events/s with CPython's default garbage collection (as the
    rounds run it: a plain consumer) and with the thresholds a worker sets
    (``runtime.GC_THRESHOLDS``), alternately, ``times`` each; medians."""
    def consume() -> float:
        return asyncio.run(raw_consume(bootstrap, prefix, n))

    default, tuned = alternately(consume, consume, times)
    return {"default_events_per_s": default, "tuned_events_per_s": tuned}


def fetch_costs(bootstrap: str, prefix: str, n: int, times: int = 3) -> dict[str, float]:
    """CPU microseconds per record fetched as the raw consumer fetches (``aiokafka_us``:
    aiokafka's records, CPython's garbage collection) and as a worker fetches
    (``lean_us``: lean, with the thresholds a worker sets, under which a worker's
    catch-up collects nothing), alternately, ``times`` each; medians."""
    aiokafka, lean = alternately(
        lambda: asyncio.run(fetch_cost(bootstrap, prefix, n, False)),
        lambda: asyncio.run(fetch_cost(bootstrap, prefix, n, True)), times)
    return {"aiokafka_us": aiokafka, "lean_us": lean}


def alternately(plain: Callable[[], float], as_worker: Callable[[], float],
                times: int) -> tuple[float, float]:
    """The medians of ``times`` runs of each, taking turns: ``plain`` with CPython's
    garbage collection as it is, ``as_worker`` with the thresholds a worker sets."""
    plain_runs: list[float] = []
    worker_runs: list[float] = []
    for _ in range(times):
        plain_runs.append(plain())
        with stages.worker_gc():
            worker_runs.append(as_worker())
    return statistics.median(plain_runs), statistics.median(worker_runs)


async def fetch_cost(bootstrap: str, prefix: str, n: int, lean: bool) -> float:
    """CPU microseconds to fetch a record and read its offset and value, through
    aiokafka's ``ConsumerRecord`` or fetched lean as a worker fetches (``stream.fetch``)."""
    consumer = await _consumer_at_start(bootstrap, prefix, lean)
    try:
        seen = 0
        started = time.process_time()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=50_000)
            for records in batch.values():
                for record in records:
                    _ = record.offset, record.value
                seen += len(records)
        return (time.process_time() - started) / n * 1e6
    finally:
        await consumer.stop()


async def _consumer_at_start(bootstrap: str, prefix: str, lean: bool = False
                             ) -> AIOKafkaConsumer:
    options: dict[str, Any] = {}
    if lean and fetch.install():
        options["key_deserializer"] = fetch.key_as_is
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024,
                                fetch_max_bytes=32 * 1024 * 1024, **options)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for topic in topics_of(prefix) for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
    except BaseException:
        await consumer.stop()
        raise
    return consumer


# -- processes ---------------------------------------------------------------------------
@dataclass
class Run:
    """Embedded services plus the ccpulse processes started against them."""

    kafka: Service
    redis_server: Service
    logdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka.port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_server.port}/0"

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return {**os.environ, "CCPULSE_KAFKA_BOOTSTRAP": self.bootstrap,
                "CCPULSE_REDIS_URL": self.redis_url, "CCPULSE_TOPIC_PREFIX": name,
                "CCPULSE_APP_ID": name, "CCPULSE_REDIS_PREFIX": name,
                "CCPULSE_PARTITIONS": str(PARTITIONS), "CCPULSE_SESSION_TIMEOUT_S": "6",
                **extra}

    def spawn(self, args: list[str], env: dict[str, str], tag: str,
              python: Path | None = None, cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """A process of this interpreter (or ``python``), logged to the run's directory."""
        logfile = (self.logdir / f"{tag}.log").open("wb")
        process = subprocess.Popen([str(python or sys.executable), *args], env=env, cwd=cwd,
                                   stdout=logfile, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def worker(self, name: str, tag: str, **extra: str) -> subprocess.Popen[bytes]:
        env = self.env(name, CCPULSE_WORKER_WEB_PORT=str(free_port()), **extra)
        return self.spawn(["-m", "ccpulse", "worker"], env, tag)

    def exporter(self, name: str, **extra: str) -> int:
        port = free_port()
        self.spawn(["-m", "ccpulse", "exporter", "--port", str(port)], self.env(name, **extra),
                   f"exporter-{name}")
        wait_until(lambda: port_open(port), 20, "the exporter")
        return port

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def stop(processes: list[subprocess.Popen[bytes]], timeout_s: float = 30) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def consumed(client: redis.Redis, prefix: str) -> int:
    """Input events applied, dead-lettered or dropped as copies, published in Redis.

    The events the worker derives (an agent's share of a contact) are applied too, so
    they are subtracted: the count reaches the input's size once the derived events
    are applied as well."""
    total = 0
    members: set[bytes] = client.smembers(partitions_key(prefix))  # type: ignore[assignment]
    for pid in members:
        meta: dict[bytes, bytes] = client.hgetall(  # type: ignore[assignment]
            partition_key(prefix, pid.decode(), "meta"))
        total += sum(int(v) for k, v in meta.items()
                     if k in (b"processed", b"duplicates") or k.startswith(b"rejected:"))
        total -= int(meta.get(b"derived", 0))
    return total


def cpu_s(processes: list[subprocess.Popen[bytes]]) -> float:
    """User and system CPU seconds the processes (every thread) have used so far."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(process.pid).cpu_times()
            total += times.user + times.system
    return total


def time_catch_up(progress: Callable[[], int], n: int, processes: list[subprocess.Popen[bytes]],
                  timeout_s: float = 240, on_poll: Callable[[], None] | None = None,
                  assigned_at: Callable[[], float | None] | None = None) -> dict[str, float]:
    """Events/s until the last event is applied and saved, and the workers' CPU time over
    the same span: per event (steadier than a rate when the machine's speed drifts) and
    per second (``cpu_busy``: near 1 per worker when it is computing all the time, lower
    when it waits for the broker or Redis).

    The span starts when the workers were first assigned partitions (``assigned_at``:
    Unix time, asked for once they are done) and counts every event; without it, at the
    first saved batch, counting the events after it. The first saved batch is a poor
    start: what it holds depends on which partitions the first fetch returned (a batch
    of calls is saved with its derived events still to apply, a batch of agent events
    without), and the rate it gives swings by a third from run to run."""
    started = time.perf_counter()
    started_wall = time.time()
    first: tuple[float, int] | None = None
    first_cpu_s = 0.0
    # (Unix time, CPU seconds) at each poll, to read the CPU at the assignment
    samples: list[tuple[float, float]] = []
    while True:
        done = progress()
        now = time.perf_counter()
        now_wall = time.time()
        if assigned_at is not None:
            samples.append((now_wall, cpu_s(processes)))
        if done and first is None:
            first = (now, done)
            first_cpu_s = cpu_s(processes)
        if done >= n:
            break
        if now - started > timeout_s:
            raise RuntimeError(f"catch-up did not finish in {timeout_s} s ({done} of {n})")
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited with code {process.returncode}")
        if on_poll:
            on_poll()
        time.sleep(0.02)
    assert first is not None
    if assigned_at is None:
        span = max(now - first[0], 1e-6)
        events = max(n - first[1], 1)
        used_s = cpu_s(processes) - first_cpu_s
        return {"events_per_s": (n - first[1]) / span, "startup_s": first[0] - started,
                "total_s": now - started, "cpu_us_per_event": used_s / events * 1e6,
                "cpu_busy": used_s / span}
    start_wall = assigned_at()
    if start_wall is None or not started_wall <= start_wall <= now_wall:
        raise RuntimeError(f"the worker's assignment time {start_wall} is not within the run")
    span = max(now_wall - start_wall, 1e-6)
    used_s = cpu_s(processes) - cpu_at(samples, start_wall)
    return {"events_per_s": n / span, "startup_s": start_wall - started_wall,
            "total_s": now - started, "cpu_us_per_event": used_s / max(n, 1) * 1e6,
            "cpu_busy": used_s / span}


def cpu_at(samples: list[tuple[float, float]], at: float) -> float:
    """The CPU seconds of the last sample taken at or before ``at`` (the first sample's,
    if none was): the CPU counted from ``at`` on is at most one poll's worth too much."""
    before = [used for when, used in samples if when <= at]
    return before[-1] if before else samples[0][1]


def produced_afresh(run: Run, prefix: str, events: list[Doc]) -> float:
    """The events on topics of their own (a worker sends the events it derives to its
    input topics, which must not reach the next measurement); events/s produced."""
    asyncio.run(create_topics(run.bootstrap, prefix))
    return asyncio.run(produce(run.bootstrap, prefix, events))


def worker_catch_up(run: Run, client: redis.Redis, prefix: str, n: int, workers: int = 1,
                    settings: dict[str, str] | None = None, python: Path | None = None,
                    cwd: Path | None = None) -> dict[str, float]:
    """Workers (of this interpreter, or ``python``) catching up the topics ``prefix``
    from empty state on the event clock; see ``time_catch_up``."""
    env = {"CCPULSE_TOPIC_PREFIX": prefix, "CCPULSE_CLOCK": "event", **(settings or {})}
    ports = [free_port() for _ in range(workers)]
    procs = [run.spawn(["-m", "ccpulse", "worker"],
                       {**run.env(prefix, CCPULSE_WORKER_WEB_PORT=str(port)), **env},
                       f"worker-{prefix}-{i}", python, cwd) for i, port in enumerate(ports)]
    first = FirstAssignment(ports)
    try:
        timing = time_catch_up(progress_of(client, prefix), n, procs, on_poll=first.sample,
                               assigned_at=first.earliest)
        by_step: Counter[str] = Counter()
        for port in ports:
            by_step.update(step_cpu_s(metric_lines(port)))
        return {**timing, **per_step(by_step, n, timing["cpu_us_per_event"])}
    finally:
        stop(procs)  # gone before the next measurement starts


STEP_KEYS = tuple(f"cpu_{step}_us" for step in (*STEPS, "other"))


def step_cpu_s(lines: list[str]) -> dict[str, float]:
    """CPU seconds by step (``ccpulse_worker_cpu_seconds_total``) in a worker's
    ``/metrics`` lines."""
    return {labels.split('"')[1]: value for labels, value
            in samples(lines, "ccpulse_worker_cpu_seconds_total").items()}


def per_step(cpu_s_by_step: Mapping[str, float], n: int,
             cpu_us_per_event: float) -> dict[str, float]:
    """Microseconds of CPU per input event in each of the workers' steps, and in the rest
    of their processes (``cpu_other_us``: fetching records, sending derived events and
    dead letters, the event loop) out of ``cpu_us_per_event``."""
    out = {f"cpu_{step}_us": cpu_s_by_step.get(step, 0.0) / max(n, 1) * 1e6 for step in STEPS}
    out["cpu_other_us"] = cpu_us_per_event - sum(out.values())
    return out


def metric_lines(port: int) -> list[str]:
    """The lines of the ``/metrics`` served on ``port``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body: bytes = response.read()
    return body.decode().splitlines()


def samples(lines: list[str], name: str) -> dict[str, float]:
    """The values of the metric ``name`` in ``/metrics`` lines, by their labels as written
    between the braces ("" for a sample without labels)."""
    out: dict[str, float] = {}
    for line in lines:
        if not line.startswith(name):
            continue
        rest = line[len(name):]
        if rest.startswith("{"):
            labels, _, value = rest[1:].rpartition("} ")
        elif rest.startswith(" "):
            labels, value = "", rest[1:]
        else:  # another metric whose name starts with this one
            continue
        out[labels] = float(value)
    return out


def assignment_time(port: int) -> float | None:
    """When the worker serving ``/metrics`` on ``port`` was last assigned partitions (Unix
    time; None: not yet, or it does not say)."""
    at = samples(metric_lines(port), "ccpulse_worker_last_assignment_timestamp_seconds")
    return at.get("") or None


class FirstAssignment:
    """When the first of some workers was first assigned partitions: each worker's
    ``/metrics`` is read at every poll until it reports an assignment (a later
    rebalance, as a second worker joins, moves its gauge on; the first value stays)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.seen: dict[int, float] = {}

    def sample(self) -> None:
        for port in self.ports:
            if port not in self.seen:
                with contextlib.suppress(OSError):  # its web server is not up yet
                    at = assignment_time(port)
                    if at is not None:
                        self.seen[port] = at

    def earliest(self) -> float | None:
        self.sample()
        return min(self.seen.values(), default=None)


def bracketed_round(run: Run, client: redis.Redis, docs: list[Doc], prefix: str,
                    settings: dict[str, str] | None = None, python: Path | None = None,
                    cwd: Path | None = None) -> dict[str, float]:
    """One round: the machine's speed drifts (other tenants), so one worker's catch-up
    of the mix is set between two raw runs, just before and just after it, on a copy
    of its topics (the worker adds the events it derives to its own)."""
    n = len(docs)
    produced = produced_afresh(run, prefix, docs)
    produced_afresh(run, f"raw-{prefix}", docs)
    before = asyncio.run(raw_consume(run.bootstrap, f"raw-{prefix}", n))
    timing = worker_catch_up(run, client, prefix, n, 1, settings, python, cwd)
    after = asyncio.run(raw_consume(run.bootstrap, f"raw-{prefix}", n))
    raw = bracketed(before, after)
    return {"raw_events_per_s": raw, "raw_before_events_per_s": before,
            "raw_after_events_per_s": after, "events_per_s": timing["events_per_s"],
            "ratio": timing["events_per_s"] / raw, "startup_s": timing["startup_s"],
            "cpu_us_per_event": timing["cpu_us_per_event"], "cpu_busy": timing["cpu_busy"],
            **{key: timing[key] for key in STEP_KEYS}, "produce_events_per_s": produced}


def bracketed(before: float, after: float) -> float:
    """The raw baseline of a worker run between two raw runs (events/s): the rate of
    their mean time per event."""
    return 2 / (1 / before + 1 / after)


def progress_of(client: redis.Redis, prefix: str) -> Callable[[], int]:
    return lambda: consumed(client, prefix)


# -- freshness -----------------------------------------------------------------------------
def probe_count(port: int) -> int:
    waiting = samples(metric_lines(port), "ccpulse_contacts_waiting")
    return next((int(value) for labels, value in waiting.items() if 'queue="probe"' in labels),
                0)


async def steady_load(bootstrap: str, topic: str, rate: float, duration_s: float,
                      sent_probes: list[float]) -> int:
    """Calls at ``rate`` events/s with wall-clock times, and a probe every 100 ms."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    sent = 0
    contacts = itertools.count()
    started = time.time()
    next_probe = started
    try:
        while (now := time.time()) - started < duration_s:
            due = int((now - started) * rate)
            while sent < due:
                c = next(contacts)
                cid = f"load-{c}"
                queue = f"q{c % 50:02d}"
                ts = round(time.time() * 1000)
                for kind in ("queued", "answered", "ended"):
                    doc: Doc = {"event_id": f"{cid}-{kind}", "type": f"call.{kind}", "ts": ts,
                                "contact_id": cid, "queue": queue, "channel": "voice"}
                    if kind == "ended":
                        doc["talk_s"] = 60
                    await producer.send(topic, orjson.dumps(doc), key=cid.encode())
                sent += 3
            if now >= next_probe:
                i = len(sent_probes)
                sending_at = time.time()
                doc = {"event_id": f"probe-{i}", "type": "call.queued",
                       "ts": round(now * 1000), "contact_id": f"probe-{i}", "queue": "probe",
                       "channel": "voice"}
                fut = await producer.send(topic, orjson.dumps(doc), key=doc["contact_id"].encode())
                await fut
                sent_probes.append(sending_at)
                next_probe += 0.1
            await asyncio.sleep(0.002)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def freshness(run: Run, rate: float, duration_s: float) -> dict[str, float]:
    name = f"fresh{int(rate)}"
    asyncio.run(create_topics(run.bootstrap, name))
    worker = run.worker(name, f"worker-{name}", CCPULSE_BATCH_WITHIN_S="0.02")
    port = run.exporter(name)
    client = redis.Redis.from_url(run.redis_url)
    wait_until(lambda: bool(client.smembers(f"{name}:partitions")), 60, "the fresh worker")
    sent_probes: list[float] = []
    seen_at: dict[int, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                count = probe_count(port)
            except OSError:
                continue
            now = time.time()
            for i in range(count):
                seen_at.setdefault(i, now)
            time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    sent = asyncio.run(steady_load(run.bootstrap, Topics(name).name("calls"), rate, duration_s,
                                   sent_probes))
    deadline = time.time() + 15
    while len(seen_at) < len(sent_probes) and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    poller.join()
    latencies = sorted(seen_at[i] - t for i, t in enumerate(sent_probes) if i in seen_at)
    missing = len(sent_probes) - len(latencies)
    worker.terminate()
    if not latencies:
        raise RuntimeError("no probe was ever seen on /metrics")
    return {"rate": rate, "sent": sent, "probes": len(sent_probes), "probes_missing": missing,
            "p50_s": statistics.median(latencies),
            "p99_s": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]}


# -- memory ----------------------------------------------------------------------------------
def memory_at_scale(run: Run, plan: Plan, extra: dict[str, str]) -> dict[str, float]:
    """Day after day of the same traffic: memory that depends only on queues and
    windows stops growing after the first day (the windows are full by then)."""
    name = "scale"
    asyncio.run(create_topics(run.bootstrap, name))
    client = redis.Redis.from_url(run.redis_url)
    base_used = int(client.info("memory")["used_memory"])
    worker = run.worker(name, "worker-scale", CCPULSE_CLOCK="event", **extra)
    process = psutil.Process(worker.pid)
    peak = [0]

    def sample() -> None:
        with contextlib.suppress(psutil.Error):
            peak[0] = max(peak[0], process.memory_info().rss)

    channels = ("voice", "chat", "email")
    day0 = time.time() - (plan.days + 1) * 86_400
    out: dict[str, float] = {}
    total = 0
    for day in range(1, plan.days + 1):
        docs = day_of_queues(day0 + (day - 1) * 86_400, plan.scale_queues, channels,
                             plan.contacts_per_queue, day)
        say(f"memory: day {day} of {plan.days}, {len(docs)} events over {plan.scale_queues} "
            f"queues x {len(channels)} channels")
        asyncio.run(produce(run.bootstrap, name, docs))
        total += len(docs)
        time_catch_up(lambda: consumed(client, name), total, [worker], on_poll=sample)
        time.sleep(1.5)  # a tick or two
        sample()
        out[f"day{day}_events"] = total
        out[f"day{day}_rss_mb"] = process.memory_info().rss / 2**20
        out[f"day{day}_peak_rss_mb"] = peak[0] / 2**20
        out[f"day{day}_redis_used_mb"] = (int(client.info("memory")["used_memory"])
                                          - base_used) / 2**20
    last, before = plan.days, plan.days - 1
    out["last_day_rss_growth"] = out[f"day{last}_rss_mb"] / out[f"day{before}_rss_mb"] - 1
    out["last_day_redis_growth"] = (out[f"day{last}_redis_used_mb"]
                                    / out[f"day{before}_redis_used_mb"] - 1)
    port = run.exporter(name, CCPULSE_CLOCK="event")
    for encoding in ("identity", "gzip"):  # as curl would, then as Prometheus does
        scrapes = []
        for _ in range(5):
            started = time.perf_counter()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                             headers={"Accept-Encoding": encoding})
            with urllib.request.urlopen(request, timeout=30) as r:
                body = r.read()
            scrapes.append(time.perf_counter() - started)
        if encoding == "gzip":
            out["scrape_s"] = statistics.median(scrapes)
            out["scrape_gzip_bytes"] = len(body)
        else:
            out["scrape_plain_s"] = statistics.median(scrapes)
            out["scrape_bytes"] = len(body)
            out["scrape_series"] = body.count(b"\n") - body.count(b"\n#")
    worker.terminate()
    return out


# -- tickets at scale ---------------------------------------------------------------------------
TICKET_SLA = """
[sla."*"."*"]
first_reply_h = 8
next_reply_h = 8
requester_wait_h = 24
resolution_h = 40
clock = "business"
"""
TICKET_QUEUES = 1_000


def open_tickets(n: int, first: int, end_s: float, total: int) -> list[Doc]:
    """Tickets ``first`` .. ``first + n - 1`` of ``total``, created in time order over the
    days before ``end_s`` (ten for a million; fewer for fewer, so that no gap between two
    tickets of a partition looks like a jump of the event clock), across 1,000 queues, four
    priorities and a few categories; all left open."""
    rng = random.Random(first)
    days = min(10.0, total / 50_000)
    start_ms = round((end_s - days * 86_400) * 1000)
    step = days * 86_400_000 / max(total, 1)
    offset = first * step
    priorities = ("low", "normal", "normal", "high", "urgent")
    return [{"event_id": f"tk{i}", "type": "ticket.created",
             "ts": start_ms + round(offset + (i - first) * step), "ticket_id": f"tk{i}",
             "queue": f"queue-{rng.randrange(TICKET_QUEUES):04d}",
             "priority": rng.choice(priorities), "category": f"cat-{rng.randrange(20)}"}
            for i in range(first, first + n)]


def checkpoint_time(run: Run, docs: list[Doc], config: Path) -> float:
    """Seconds to checkpoint one partition holding ``docs`` (every record new: the
    heaviest checkpoint there is), through the worker's own save path into Redis."""
    from ccpulse import wiring
    from ccpulse.settings import load_settings
    from ccpulse.state.redis_store import RedisStore
    from ccpulse.stream.processor import Processor, Record
    from ccpulse.windows.clock import clock_factory

    os.environ["CCPULSE_CONFIG"] = str(config)
    try:
        registry = wiring.registry(load_settings())
    finally:
        del os.environ["CCPULSE_CONFIG"]
    client = redis.Redis.from_url(run.redis_url)
    processor = Processor(registry, RedisStore(client, registry, "ckpt"), clock_factory("event"))
    records = [Record("ckpt.tickets", 0, i, None, orjson.dumps(doc))
               for i, doc in enumerate(docs)]
    for i in range(0, len(records), 10_000):
        processor.fold({("ckpt.tickets", 0): records[i:i + 10_000]})
    started = time.perf_counter()
    processor.checkpoint(["ckpt.tickets:0"])
    return time.perf_counter() - started


def scrape_stats(port: int) -> tuple[float, int]:
    times = []
    body = b""
    for _ in range(3):
        started = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as r:
            body = r.read()
        times.append(time.perf_counter() - started)
    return statistics.median(times), body.count(b"\n") - body.count(b"\n#")


def tickets_at_scale(run: Run, plan: Plan, extra: dict[str, str]) -> dict[str, float]:
    """``plan.tickets`` open tickets across 1,000 queues, in two steps (a tenth, then all):
    the worker's RSS, Redis memory and the scrape at each, and a checkpoint's time."""
    name = "tickets"
    config = run.logdir / "tickets.toml"
    config.write_text(TICKET_SLA)
    asyncio.run(create_topics(run.bootstrap, name))
    client = redis.Redis.from_url(run.redis_url)
    base_used = int(client.info("memory")["used_memory"])
    env = {"CCPULSE_CLOCK": "event", "CCPULSE_CONFIG": str(config), **extra}
    worker = run.worker(name, "worker-tickets", **env)
    process = psutil.Process(worker.pid)
    port = run.exporter(name, **env)
    end_s = time.time()
    out: dict[str, float] = {"tickets": plan.tickets}
    done = 0
    for step, upto in (("tenth", plan.tickets // 10), ("all", plan.tickets)):
        docs = open_tickets(upto - done, done, end_s, plan.tickets)
        say(f"tickets: producing {len(docs)} more open tickets ({upto} in all)")
        asyncio.run(produce(run.bootstrap, name, docs))
        timing = time_catch_up(lambda: consumed(client, name), upto, [worker], timeout_s=900)
        done = upto
        time.sleep(plan.freshness_s)  # a checkpoint or two
        out[f"{step}_events_per_s"] = timing["events_per_s"]
        out[f"{step}_rss_mb"] = process.memory_info().rss / 2**20
        out[f"{step}_redis_used_mb"] = (int(client.info("memory")["used_memory"])
                                        - base_used) / 2**20
        out[f"{step}_scrape_s"], out[f"{step}_scrape_series"] = scrape_stats(port)
    worker.terminate()
    share = open_tickets(plan.tickets // PARTITIONS, 0, end_s, plan.tickets // PARTITIONS)
    say(f"tickets: checkpoint of one partition holding {len(share)} tickets")
    out["checkpoint_tickets"] = len(share)
    out["checkpoint_s"] = checkpoint_time(run, share, config)
    return out


# -- the whole run -----------------------------------------------------------------------------
def run_bench(plan: Plan) -> dict[str, Any]:
    events = plan.events - plan.events % 2000
    logdir = Path(tempfile.mkdtemp(prefix="ccpulse-bench-"))
    say(f"starting embedded broker and Redis; logs in {logdir}")
    run = Run(start_broker(), start_redis(), logdir)
    result: dict[str, Any] = {"events": events, "machine": machine(), "build": describe()}
    extra = {} if plan.batch_size is None else {"CCPULSE_BATCH_SIZE": str(plan.batch_size)}
    try:
        docs = realistic_mix(events, time.time() - 2 * 3_600)
        result["mix"] = dict(sorted(Counter(d["type"].split(".")[0] for d in docs).items()))
        client = redis.Redis.from_url(run.redis_url)

        def fresh_topics(prefix: str, events: list[Doc] = docs) -> float:
            return produced_afresh(run, prefix, events)

        def catch_up(prefix: str, workers: int, n: int = events,
                     settings: dict[str, str] | None = None) -> dict[str, float]:
            return worker_catch_up(run, client, prefix, n, workers, {**extra, **(settings or {})})

        rounds = []
        for i in range(1, plan.rounds + 1):
            say(f"round {i} of {plan.rounds}: {events} events produced twice, a raw run, "
                "one worker catching up, a raw run again")
            each = bracketed_round(run, client, docs, f"bench{i}", extra)
            result.setdefault("produce_events_per_s", each.pop("produce_events_per_s"))
            rounds.append(each)
        middle = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
        result["rounds"] = rounds
        result["raw_events_per_s"] = middle["raw_events_per_s"]
        result["events_per_s"] = middle["events_per_s"]
        result["throughput_ratio"] = middle["ratio"]
        result["one_worker_startup_s"] = middle["startup_s"]
        result["cpu_us_per_event"] = middle["cpu_us_per_event"]
        result["cpu_busy"] = middle["cpu_busy"]
        result["cpu_steps_us"] = steps_of(middle)
        say("fetching: aiokafka's records and records fetched lean, side by side")
        result["fetch"] = fetch_costs(run.bootstrap, "bench1", events)
        say("raw consumer: CPython's garbage collection as it comes, and as a worker tunes it")
        result["raw_gc"] = raw_gc_rates(run.bootstrap, "bench1", events)
        say("stages: the mix folded in this process, each stage timed")
        result["stages"] = {**stages.measure(route_all(docs), REGISTRY, client, "stages",
                                             PARTITIONS),
                            "raw_us": 1e6 / result["raw_events_per_s"]}
        result["workloads"] = {}
        for name, (prefix, settings) in WORKLOADS.items():
            part = [doc for doc in docs if doc["type"].startswith(prefix)]
            if not part:  # (a tiny run may have none of a kind)
                result["workloads"][name] = {"events": 0}
                continue
            say(f"by workload: {name} ({len(part)} events), raw baseline and one worker")
            topics = f"part-{name.replace('_', '-')}"
            fresh_topics(topics, part)
            raw = asyncio.run(raw_consume(run.bootstrap, topics, len(part)))
            timing = catch_up(topics, 1, len(part), settings)
            result["workloads"][name] = {
                "events": len(part), "raw_events_per_s": raw,
                "events_per_s": timing["events_per_s"], "ratio": timing["events_per_s"] / raw,
                "cpu_us_per_event": timing["cpu_us_per_event"], "cpu_busy": timing["cpu_busy"],
                "cpu_steps_us": steps_of(timing)}
        say("ccpulse catch-up, two workers in one group")
        fresh_topics("bench2w")
        timing = catch_up("bench2w", 2)
        result["two_worker_events_per_s"] = timing["events_per_s"]
        result["two_worker_startup_s"] = timing["startup_s"]
        result["two_worker_cpu_busy"] = timing["cpu_busy"]
        naive_events = min(events, NAIVE_EVENTS)
        say(f"naive peer: a Faust table updated per event ({naive_events} events)")
        naive = run.spawn(["-m", "ccpulse.devtools.bench_naive", run.bootstrap,
                           ",".join(topics_of("bench1")),
                           run.redis_url, "naive-progress", "worker", "-l", "warn"],
                          dict(os.environ), "naive")
        timing = time_catch_up(lambda: int(client.get("naive-progress") or 0), naive_events,
                               [naive])
        result["naive_events"] = naive_events
        naive.terminate()
        if "Traceback" in (logdir / "naive.log").read_text(errors="replace"):
            raise RuntimeError(f"the naive peer raised (its rate would mean nothing): see "
                               f"{logdir / 'naive.log'}")
        result["naive_faust_events_per_s"] = timing["events_per_s"]
        result["naive_throughput_ratio"] = (result["naive_faust_events_per_s"]
                                            / result["raw_events_per_s"])
        result["freshness"] = []
        for rate in plan.rates:
            say(f"freshness at {rate:.0f} events/s for {plan.freshness_s:.0f} s")
            result["freshness"].append(freshness(run, rate, plan.freshness_s))
        first = result["freshness"][0]
        result["freshness_p50_s"], result["freshness_p99_s"] = first["p50_s"], first["p99_s"]
        say(f"memory with {plan.scale_queues} queues x 3 channels, {plan.days} days")
        scale = memory_at_scale(run, plan, extra)
        result["scale"] = scale
        result["peak_rss_mb"] = max(scale[f"day{d}_peak_rss_mb"] for d in range(1, plan.days + 1))
        result["redis_used_mb"] = scale[f"day{plan.days}_redis_used_mb"]
        result["scrape_s"] = scale["scrape_s"]
        if plan.tickets:
            say(f"tickets: {plan.tickets} open tickets across {TICKET_QUEUES} queues")
            try:
                result["tickets"] = tickets_at_scale(run, plan, extra)
            except RuntimeError as exc:  # the figures above still count
                say(f"tickets: {exc}")
                result["tickets"] = {"error": str(exc)}
    finally:
        run.stop_all()
        run.kafka.stop()
        run.redis_server.stop()
    return result


def steps_of(timing: Mapping[str, float]) -> dict[str, float]:
    """A catch-up's CPU per input event by step (``fold``, ``publish``, ``save``,
    ``other``), from its ``cpu_<step>_us`` figures."""
    return {key.removeprefix("cpu_").removesuffix("_us"): timing[key] for key in STEP_KEYS}


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"Python {sys.version.split()[0]}")


def lines_of(result: dict[str, Any]) -> Iterator[str]:
    yield f"machine: {result['machine']}"
    yield f"build: {result['build']}"
    mix = ", ".join(f"{n} {kind}" for kind, n in result["mix"].items())
    yield f"events: {result['events']} ({mix})"
    for key in ("raw_events_per_s", "events_per_s", "two_worker_events_per_s",
                "naive_faust_events_per_s", "throughput_ratio", "naive_throughput_ratio",
                "freshness_p50_s", "freshness_p99_s", "peak_rss_mb", "redis_used_mb",
                "scrape_s"):
        yield f"{key:>26}: {result[key]:.3f}"
    yield (f"{'worker_cpu_us_per_event':>26}: {result['cpu_us_per_event']:.1f} "
           f"(median round; {result['cpu_busy']:.2f} CPU s per s, two workers "
           f"{result['two_worker_cpu_busy']:.2f})")
    steps = ", ".join(f"{step} {us:.2f}" for step, us in result["cpu_steps_us"].items())
    yield f"{'worker_cpu_us_by_step':>26}: {steps} (median round)"
    cost = result["stages"]
    yield (f"{'stages_us_per_event':>26}: parse {cost['parse_us']:.2f}, validate "
           f"{cost['validate_us']:.2f}, apply {cost['apply_us']:.2f}, publish "
           f"{cost['publish_us']:.2f} (in process; the raw consumer's whole cost "
           f"{cost['raw_us']:.2f})")
    fetched = result["fetch"]
    yield (f"{'fetch_us_per_record':>26}: {fetched['lean_us']:.2f} as a worker fetches, "
           f"{fetched['aiokafka_us']:.2f} through aiokafka's records (CPU, in process)")
    gc_rates = result["raw_gc"]
    yield (f"{'raw_gc_tuned_events_per_s':>26}: {gc_rates['tuned_events_per_s']:.0f} "
           f"with a worker's garbage collection thresholds, "
           f"{gc_rates['default_events_per_s']:.0f} with CPython's (as in the rounds)")
    for name, part in result["workloads"].items():
        if not part["events"]:
            yield f"  {name}: no events"
            continue
        yield (f"  {name}: {part['events']} events, ratio {part['ratio']:.3f} "
               f"({part['events_per_s']:.0f} / {part['raw_events_per_s']:.0f} events/s), "
               f"worker CPU {part['cpu_us_per_event']:.1f} us per event, "
               f"{part['cpu_busy']:.2f} CPU s per s")
    for f in result["freshness"]:
        yield (f"  freshness at {f['rate']:.0f}/s: p50 {f['p50_s']:.3f} s, p99 {f['p99_s']:.3f} s"
               f" ({f['probes']} probes, {f['probes_missing']} not seen)")
    tickets = result.get("tickets")
    if tickets and "error" in tickets:
        yield f"  tickets run failed: {tickets['error']}"
    elif tickets:
        for step in ("tenth", "all"):
            yield (f"  {step} of {tickets['tickets']:.0f} open tickets: worker RSS "
                   f"{tickets[f'{step}_rss_mb']:.0f} MB, "
                   f"Redis {tickets[f'{step}_redis_used_mb']:.0f} MB, "
                   f"scrape {tickets[f'{step}_scrape_s']:.3f} s "
                   f"({tickets[f'{step}_scrape_series']:.0f} series), "
                   f"{tickets[f'{step}_events_per_s']:.0f} events/s")
        yield (f"  checkpoint of {tickets['checkpoint_tickets']:.0f} tickets: "
               f"{tickets['checkpoint_s']:.2f} s")
    scale = result["scale"]
    days = sorted(int(k[3:-7]) for k in scale if k.endswith("_rss_mb") and "peak" not in k)
    for day in days:
        yield (f"  memory after day {day}: worker RSS {scale[f'day{day}_rss_mb']:.0f} MB, "
               f"Redis {scale[f'day{day}_redis_used_mb']:.1f} MB "
               f"({scale[f'day{day}_events']:.0f} events in all)")
