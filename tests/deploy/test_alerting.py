"""Alert rules, routes and inhibitions: every rule documented and tested, every audience
reached, and the inhibition checked on a live Alertmanager."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ccpulse.devtools.embedded import die_with_parent, free_port, port_open, wait_until
from tests.deploy.test_files import DEPLOY, ROOT, run, tool

RULES = DEPLOY / "prometheus/rules/ccpulse.yml"
ALERTMANAGER = DEPLOY / "alertmanager/alertmanager.yml"


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_every_rule_says_what_it_means_and_links_its_runbook() -> None:
    runbook = (ROOT / "RUNBOOK.md").read_text()
    headings = {h.lower() for h in re.findall(r"^## (\w+)$", runbook, re.M)}
    for rule in rules():
        annotations = rule["annotations"]
        assert {"summary", "description", "runbook_url"} <= set(annotations), rule["alert"]
        anchor = annotations["runbook_url"].rsplit("#", 1)[1]
        assert anchor == rule["alert"].lower() and anchor in headings, rule["alert"]
        assert rule["labels"]["team"] in ("supervisors", "operations"), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]


def test_promtool_counts_every_rule() -> None:
    promtool = tool("promtool", "prometheus")
    assert f"SUCCESS: {len(rules())} rules found" in run(promtool, "check", "rules", str(RULES))


@pytest.mark.parametrize(("labels", "receivers"), [
    ({"alertname": "ServiceLevelBelowTarget", "team": "supervisors", "severity": "warning",
      "queue": "sales"}, "supervisors"),
    ({"alertname": "ServiceLevelCritical", "team": "supervisors", "severity": "critical",
      "queue": "sales"}, "supervisors,on-call"),
    ({"alertname": "NoAgentsAvailable", "team": "supervisors", "severity": "critical",
      "queue": "vip"}, "supervisors,on-call"),
    ({"alertname": "CcpulseExporterDown", "team": "operations", "severity": "critical"},
     "on-call"),
    ({"alertname": "CcpulseDataStale", "team": "operations", "severity": "warning"}, "on-call"),
])
def test_routes_reach_each_audience(labels: dict[str, str], receivers: str) -> None:
    amtool = tool("amtool", "prometheus-alertmanager")
    run(amtool, "check-config", str(ALERTMANAGER))
    run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}",
        f"--verify.receivers={receivers}", *(f"{k}={v}" for k, v in labels.items()))


@pytest.fixture
def alertmanager() -> Iterator[str]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        tool("prometheus-alertmanager", "prometheus-alertmanager")
        raise AssertionError("unreachable")
    port, cluster = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="ccpulse-am-"))
    process = subprocess.Popen(
        [binary, f"--config.file={ALERTMANAGER}", f"--storage.path={workdir}",
         f"--web.listen-address=127.0.0.1:{port}",
         f"--cluster.listen-address=127.0.0.1:{cluster}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
    try:
        wait_until(lambda: port_open(port), 20, "alertmanager")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def post(base: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(f"{base}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def alerts(base: str) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"{base}/api/v2/alerts", timeout=10) as response:
        return {a["labels"]["alertname"]: a for a in json.load(response)}


def test_supervisors_still_hear_about_a_queue_when_it_is_critical(alertmanager: str) -> None:
    now = datetime.now(UTC).isoformat()
    queue = {"queue": "sales", "channel": "voice", "team": "supervisors"}
    post(alertmanager, [
        {"labels": {"alertname": "ServiceLevelBelowTarget", "severity": "warning", **queue},
         "startsAt": now},
        {"labels": {"alertname": "ServiceLevelCritical", "severity": "critical", **queue},
         "startsAt": now},
    ])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = alerts(alertmanager)
        if len(found) == 2 and found["ServiceLevelBelowTarget"]["status"]["inhibitedBy"]:
            break
        time.sleep(0.3)
    critical = found["ServiceLevelCritical"]
    assert critical["status"]["state"] == "active"
    assert {r["name"] for r in critical["receivers"]} == {"supervisors", "on-call"}
    warning = found["ServiceLevelBelowTarget"]
    assert warning["status"]["state"] == "suppressed" and warning["status"]["inhibitedBy"]
