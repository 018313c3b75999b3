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
