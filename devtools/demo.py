"""``ccpulse demo``: the whole pipeline on one machine, embedded services included.

The demo starts what is not configured (a Tansu broker, a redis-server), then a
worker, the exporter and the simulator as child processes, and prints a summary
every few seconds. Its children die with it however it ends: Ctrl-C, SIGTERM,
SIGHUP (the terminal closed) or SIGKILL (each child asks Linux for SIGTERM when
its parent dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ccpulse import wiring
from ccpulse.devtools.embedded import (
    Service,
    die_with_parent,
    free_port,
    port_open,
    start_broker,
    start_redis,
    wait_until,
)
from ccpulse.errors import CcpulseError
from ccpulse.settings import Settings
from ccpulse.sources.outcome_simulation import criteria_toml
from ccpulse.state.connect import connect
from ccpulse.state.reader import SiteView, read_site
from ccpulse.stream.topics import ensure_all
from ccpulse.windows.contacts.kpis import compute
from ccpulse.windows.registry import Registry

DEMO_TICKET_PACE = 0.02  # a first reply in about half a minute rather than twenty
DEMO_SLA = """\
[site]
# the demo's customers come back within minutes, not days: a 3-minute repeat window
repeat_contact_window_h = 0.05
agent_hour_cost = 32.0

# the demo's tickets run 50 times faster than real ones, and so do these targets
[sla."*"."*"]
first_reply_h = 0.01
next_reply_h = 0.01
requester_wait_h = 0.03
resolution_h = 0.05
clock = "calendar"
at_risk_min = 0.2

[sla."*".urgent]
first_reply_h = 0.004
next_reply_h = 0.004
requester_wait_h = 0.015
resolution_h = 0.025
clock = "calendar"
at_risk_min = 0.1
""" + criteria_toml()


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@dataclass
class Demo:
    settings: Settings
    exporter_port: int
    calls_per_s: float
    seed: int
    queues: str | None
    services: list[Service] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    logdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ccpulse-demo-")))

    def start(self) -> None:
        host = self.settings.exporter_host
        if port_open(self.exporter_port, "127.0.0.1"):
            raise CcpulseError(f"port {self.exporter_port} is already in use (choose another "
                               "with --port)")
        env = dict(os.environ)
        if "CCPULSE_CONFIG" not in env:  # SLA targets the demo's quick tickets can meet
            demo_config = self.logdir / "ccpulse.toml"
            demo_config.write_text(DEMO_SLA)
            env["CCPULSE_CONFIG"] = str(demo_config)
            print(f"  tickets SLA targets of the demo's pace in {demo_config}")
        bootstrap, redis_url = self.settings.kafka_bootstrap, self.settings.redis_url
        if not bootstrap:
            broker = start_broker()
            self.services.append(broker)
            bootstrap = f"127.0.0.1:{broker.port}"
            print(f"  kafka   embedded Tansu broker at {bootstrap}")
        else:
            print(f"  kafka   {bootstrap}")
        if not redis_url:
            server = start_redis()
            self.services.append(server)
            redis_url = f"redis://127.0.0.1:{server.port}/0"
            print(f"  redis   embedded redis-server at {redis_url}")
        else:
            print(f"  redis   {redis_url}")
        env.update(CCPULSE_KAFKA_BOOTSTRAP=bootstrap, CCPULSE_REDIS_URL=redis_url,
                   CCPULSE_WORKER_WEB_PORT=str(free_port()), CCPULSE_EXPORTER_HOST=host)
        self.settings = self.settings.model_copy(
            update={"kafka_bootstrap": bootstrap, "redis_url": redis_url})
        registry = wiring.registry(self.settings)
        topics = wiring.topics(self.settings)
        asyncio.run(ensure_all(wiring.kafka_config(self.settings), topics, registry.topics(),
                               self.settings.partitions))
        self._spawn("worker", ["worker"], env)
        self._spawn("exporter", ["exporter", "--port", str(self.exporter_port)], env)
        simulate = ["simulate", "--rate", str(self.calls_per_s), "--seed", str(self.seed),
                    "--chat-rate", str(self.calls_per_s / 4),
                    "--ticket-rate", str(self.calls_per_s / 10),
                    "--ticket-pace", str(DEMO_TICKET_PACE), "--survey-share", "0.3",
                    "--outcomes"]
        if self.queues:
            simulate += ["--queues", self.queues]
        self._spawn("simulator", simulate, env)
        wait_until(lambda: port_open(self.exporter_port, "127.0.0.1") or self._exited(),
                   20, "the exporter")
        self.check_children()

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.logdir / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "ccpulse", *args], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   preexec_fn=die_with_parent)
        self.children.append(Child(name, process, log))

    def _exited(self) -> bool:
        return any(child.process.poll() is not None for child in self.children)

    def check_children(self) -> None:
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                tail = (self.logdir / f"{child.name}.log").read_text(errors="replace")
                last = [line for line in tail.splitlines() if line.strip()][-1:] or [""]
                raise CcpulseError(f"the {child.name} exited with code {code}: {last[0]} "
                                   f"(log: {self.logdir / (child.name + '.log')})")

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        for service in reversed(self.services):
            service.stop()
        self.children.clear()
        self.services.clear()


def summary(view: SiteView, registry: Registry, events_per_s: float) -> str:
    policies = registry.config.policies
    lines = [f"{time.strftime('%H:%M:%S')}  {events_per_s:.1f} events/s",
             f"  {'queue':<12} {'channel':<8} {'SL 15m':>7} {'target':>6} {'ASA 15m':>8} "
             f"{'offered 15m':>11} {'waiting':>7}"]
    waiting: dict[tuple[str, str], int] = {}
    for _, key, entry in (*view.live("call"), *view.live("chat")):
        waiting[(key[1], key[2])] = waiting.get((key[1], key[2]), 0) + len(entry["w"])
    for series in view.series("contact"):
        _, queue, channel = series
        policy = policies.for_queue(queue, channel)
        kpis = compute(view.windows["15m"].get(series) or [0] * 11, policy)
        sl = "-" if kpis.service_level != kpis.service_level else f"{kpis.service_level:.1%}"
        asa = kpis.average_speed_of_answer_s
        lines.append(f"  {queue:<12} {channel:<8} {sl:>7} {policy.target:>6.0%} "
                     f"{'-' if asa != asa else f'{asa:.1f}s':>8} {kpis.offered:>11} "
                     f"{waiting.get((queue, channel), 0):>7}")
    return "\n".join(lines)


def run_demo(settings: Settings, exporter_port: int, calls_per_s: float, seed: int,
             queues: str | None, duration_s: float | None, every_s: float = 5.0) -> None:
    demo = Demo(settings, exporter_port, calls_per_s, seed, queues)
    print("ccpulse demo starting")

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)  # the terminal was closed
    interrupted = False
    try:
        demo.start()
        print(f"  metrics http://127.0.0.1:{exporter_port}/metrics")
        print(f"  logs    {demo.logdir}")
        print("  Ctrl-C stops everything\n", flush=True)
        registry = wiring.registry(demo.settings)
        client = connect(wiring.redis_config(demo.settings))
        started = time.monotonic()
        last_count, last_t = 0, time.monotonic()
        while duration_s is None or time.monotonic() - started < duration_s:
            time.sleep(every_s)
            demo.check_children()
            view = read_site(client, demo.settings.redis_prefix, registry,
                             time.time_ns() // 1_000_000, demo.settings.clock == "event")
            count = view.counter("processed")
            now = time.monotonic()
            rate = (count - last_count) / (now - last_t)
            last_count, last_t = count, now
            print(summary(view, registry, rate), flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\nstopping", flush=True)
    finally:
        demo.stop()
        print("ccpulse demo stopped", flush=True)
    if interrupted:
        raise KeyboardInterrupt
