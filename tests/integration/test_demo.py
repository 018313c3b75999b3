"""`ccpulse demo` with nothing configured: metrics for every queue within 30 s, every metric
of the catalog with data within a minute more, a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error

import pytest

from ccpulse.devtools.embedded import free_port, port_open
from tests.integration.helpers import scrape

QUEUES = {"sales", "support", "billing", "general"}


def sl_15m(port: int) -> dict[str, float]:
    try:
        samples = scrape(port)
    except (urllib.error.URLError, ConnectionError):
        return {}
    return {dict(labels)["queue"]: value for (name, labels), value in samples.items()
            if name == "ccpulse_service_level_ratio" and dict(labels)["window"] == "15m"}


def offered_15m(port: int) -> float:
    return sum(value for (name, labels), value in scrape(port).items()
               if name == "ccpulse_window_contacts_offered" and dict(labels)["window"] == "15m")


def unserved(catalog: set[str], port: int) -> set[str]:
    """Metrics of the catalog without a sample (a histogram's count stands for it)."""
    served = {name for name, _ in scrape(port)}
    return {name for name in catalog if name not in served and f"{name}_count" not in served}


@pytest.mark.integration
def test_demo_serves_every_queue_within_30_s_and_stops_cleanly() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    started = time.monotonic()
    demo = subprocess.Popen([sys.executable, "-m", "ccpulse", "demo", "--port", str(port),
                             "--rate", "8"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        seen: dict[str, float] = {}
        while time.monotonic() - started < 30 and set(seen) != QUEUES:
            time.sleep(1)
            assert demo.poll() is None, demo.stdout.read() if demo.stdout else ""
            seen = sl_15m(port)
        took = time.monotonic() - started
        assert set(seen) == QUEUES, f"after {took:.0f} s only {sorted(seen)}"
        first = offered_15m(port)
        time.sleep(6)
        assert offered_15m(port) > first, "the figures must move as the simulation runs"
        listed = subprocess.run([sys.executable, "-m", "ccpulse", "metrics"], env=env,
                                capture_output=True, text=True, check=True).stdout
        catalog = {line.split()[0] for line in listed.splitlines()}
        deadline = time.monotonic() + 60
        while (missing := unserved(catalog, port)) and time.monotonic() < deadline:
            time.sleep(2)
        assert not missing, f"metrics the demo does not serve: {sorted(missing)}"
        print(f"every queue's 15m service level served {took:.1f} s after start")
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    assert "ccpulse demo stopped" in output
    assert re.search(r"sales\s+voice\s+\S+%", output), output[-2000:]
    leftovers = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True,
                               text=True).stdout.split()
    assert not leftovers, f"processes left behind: {leftovers}"
    embedded_ports = [int(p) for p in re.findall(r"embedded .* at (?:redis://)?127\.0\.0\.1:(\d+)",
                                                  output)]
    assert len(embedded_ports) == 2, output[:500]
    assert not any(port_open(p) for p in [port, *embedded_ports]), "a service is still listening"


@pytest.mark.integration
@pytest.mark.parametrize("stop", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL])
def test_the_demos_children_die_with_it(stop: signal.Signals) -> None:
    """A closed terminal (SIGHUP), a plain kill (SIGTERM) or a hard one (SIGKILL): no
    broker, Redis, worker, exporter or simulator is left holding a port."""
    import psutil

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    demo = subprocess.Popen([sys.executable, "-m", "ccpulse", "demo", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not port_open(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert port_open(port), "the demo's exporter did not come up"
        children = psutil.Process(demo.pid).children(recursive=True)
        assert len(children) >= 5, [c.name() for c in children]
        demo.send_signal(stop)
        demo.wait(30)
        _, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"left running after {stop.name}: {[p.cmdline() for p in alive]}"
        assert not port_open(port)
    finally:
        if demo.poll() is None:
            demo.kill()
