"""The command line: one-line errors, exit codes, and arguments checked by the parser."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ccpulse import __version__
from ccpulse.devtools.embedded import free_port


def ccpulse(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    return subprocess.run([sys.executable, "-m", "ccpulse", *args], capture_output=True,
                          text=True, env={**clean, **env}, timeout=60)


def test_version() -> None:
    done = ccpulse("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"ccpulse {__version__}"


@pytest.mark.parametrize(("args", "message"), [
    (["report", "/no/such/file.jsonl"], "no such file: /no/such/file.jsonl"),
    (["replay", "/no/such/file.jsonl"], "no such file"),
    (["replay", "README.md", "--speed", "fast"], "'fast' is neither 'max' nor a number"),
    (["replay", "README.md", "--since", "yesterday"], "not ISO-8601"),
    (["exporter", "--port", "99999"], "not a port number"),
    (["simulate", "--rate", "-1"], "must be greater than 0"),
    (["asterisk", "/var/log/nope/queue_log"], "no such file"),
])
def test_bad_arguments_are_one_line_errors(args: list[str], message: str) -> None:
    done = ccpulse(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_bad_setting_is_one_line_naming_it() -> None:
    done = ccpulse("exporter", CCPULSE_SL_TARGET="80", CCPULSE_REDIS_URL="redis://x:1/0")
    assert done.returncode == 2
    assert "CCPULSE_SL_TARGET" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_service_address_is_named() -> None:
    done = ccpulse("worker")
    assert done.returncode == 2 and "CCPULSE_KAFKA_BOOTSTRAP is required" in done.stderr


def test_ctrl_c_exits_130() -> None:
    port = str(free_port())
    process = subprocess.Popen([sys.executable, "-m", "ccpulse", "exporter", "--port", port],
                               env={**os.environ, "CCPULSE_REDIS_URL": "redis://127.0.0.1:1/0"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 130


def run_for(seconds: float, *args: str, **env: str) -> tuple[int, str]:
    """Run a long-lived command, interrupt it like Ctrl-C, return its code and output."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    process = subprocess.Popen([sys.executable, "-m", "ccpulse", *args],
                               env={**clean, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    time.sleep(seconds)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return process.returncode, output


def test_a_worker_waits_for_an_unreachable_broker_saying_so_once() -> None:
    code, output = run_for(8, "worker", CCPULSE_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",
                           CCPULSE_REDIS_URL="redis://127.0.0.1:1/0",
                           CCPULSE_WORKER_WEB_PORT=str(free_port()))
    assert code == 130, output
    assert output.count("unavailable (") == 1, output
    assert output.count("Unable connect") <= 1 and "Traceback" not in output, output


def test_an_exporter_without_redis_says_so_once_and_serves_that() -> None:
    import urllib.request

    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    process = subprocess.Popen([sys.executable, "-m", "ccpulse", "exporter", "--port",
                                str(port)], env={**clean, "CCPULSE_REDIS_URL": "redis://127.0.0.1:1/0"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        bodies = []
        while len(bodies) < 5 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
                    bodies.append(response.read().decode())
            except OSError:
                time.sleep(0.2)
        assert len(bodies) == 5 and all("ccpulse_redis_up 0" in b for b in bodies)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert output.count("unavailable (") == 1, output
    assert process.returncode == 130 and "Traceback" not in output, output


def test_a_taken_port_is_one_line_naming_it() -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = str(holder.getsockname()[1])
        worker = ccpulse("worker", CCPULSE_KAFKA_BOOTSTRAP="127.0.0.1:1",
                         CCPULSE_REDIS_URL="redis://127.0.0.1:1/0", CCPULSE_WORKER_WEB_PORT=port)
        exporter = ccpulse("exporter", "--port", port, CCPULSE_REDIS_URL="redis://127.0.0.1:1/0")
    for done in (worker, exporter):
        assert done.returncode == 2, done.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
        assert "Traceback" not in done.stderr
