"""The deployment files against a real Prometheus server scraping a running pipeline.

Prometheus (the Debian package) scrapes the exporter and the worker every second
and loads the alert rules of ``deploy/prometheus/rules`` with their ``for``
durations shortened to seconds (``promtool test rules`` checks the real ones).
Every query of every dashboard must parse and return data; every alert expression
must parse and name only metrics Prometheus has; and with one queue understaffed
``ServiceLevelBelowTarget`` must fire for that queue only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ccpulse.devtools.embedded import free_port
from ccpulse.sources.outcome_simulation import criteria_toml
from tests.integration.helpers import Stack, wait_for

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
RULES = DEPLOY / "prometheus" / "rules" / "ccpulse.yml"
TEMPLATE_VALUES = {"$queue": ".*", "$channel": ".*", "$__rate_interval": "1m",
                   "$__interval": "5s", "$__range": "5m"}


# tickets 200 times faster than real ones, and targets to match: breaches within seconds
QUICK_SLA = """
[site]
agent_hour_cost = 30

[sla."*"."*"]
first_reply_h = 0.002
next_reply_h = 0.002
requester_wait_h = 0.005
resolution_h = 0.01
clock = "calendar"
at_risk_min = 0.05
""" + criteria_toml()


def prometheus_binary() -> str:
    found = shutil.which("prometheus")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed (apt-get install prometheus)")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    return found


class Prometheus:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params: str) -> Any:
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)

    def ready(self) -> bool:
        """Up and done loading (before that, queries get 503)."""
        try:
            with urllib.request.urlopen(f"{self.base}/-/ready", timeout=5) as response:
                return bool(response.status == 200)
        except OSError:  # refused, or 503 while starting
            return False

    def query(self, expr: str) -> list[Any]:
        reply = self.get("/api/v1/query", query=expr)
        assert reply["status"] == "success", (expr, reply)
        return list(reply["data"]["result"])

    def firing(self, alertname: str) -> list[dict[str, str]]:
        alerts = self.get("/api/v1/alerts")["data"]["alerts"]
        return [a["labels"] for a in alerts
                if a["labels"]["alertname"] == alertname and a["state"] == "firing"]


def dashboard_queries() -> Iterator[tuple[str, str, str]]:
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                yield path.name, panel["title"], target["expr"]


def substitute(expr: str) -> str:
    for name, value in sorted(TEMPLATE_VALUES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    return expr


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(ccpulse_[a-z_]+|up)\b(?!\s*\()", expr))


@pytest.fixture
def prometheus(stack: Stack, tmp_path: Path) -> Iterator[Prometheus]:
    binary = prometheus_binary()
    (tmp_path / "ccpulse.toml").write_text(QUICK_SLA)
    stack.env["CCPULSE_CONFIG"] = str(tmp_path / "ccpulse.toml")
    worker_port = free_port()
    worker = stack.start("worker", CCPULSE_WORKER_WEB_PORT=str(worker_port))
    exporter_port = stack.start_exporter()
    stack.start("simulate", "--queues", "sales,vip", "--staffing", "sales=2.5,vip=0.4",
                "--rate", "6", "--chat-rate", "1", "--ticket-rate", "1",
                "--ticket-pace", "0.005", "--survey-share", "0.5", "--outcomes", "--seed", "3")
    stack.produce([b"{not json", b'{"type": "call.unknown"}'])  # something to dead-letter
    # an answer of each kind now: the simulator's come only minutes later, after calls end
    now_ms = int(time.time() * 1000)
    stack.produce([{"event_id": f"pv-{kind}", "type": "survey.answered", "ts": now_ms,
                    "survey_id": f"pv-{kind}", "kind": kind, "queue": "sales", "score": 5}
                   for kind in ("csat", "nps", "ces")])
    # and outcomes (a first contact and its repeat) and a review, which also follow calls
    stack.produce([{"event_id": f"pc-{kind}", "type": f"contact.{kind}", "ts": now_ms,
                    "customer_id": "pc", "queue": "sales", "agent_id": "pa"}
                   for kind in ("resolved", "unresolved")])
    stack.produce([{"event_id": "pq", "type": "qa.evaluated", "ts": now_ms, "review_id": "pq",
                    "queue": "sales", "agent_id": "pa", "scores": {"greeting": 4}}])

    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule["for"] = "5s"
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp_path / "rules.yml")],
        "scrape_configs": [
            {"job_name": "ccpulse-exporter",
             "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]},
            {"job_name": "ccpulse-worker",
             "static_configs": [{"targets": [f"127.0.0.1:{worker_port}"]}]},
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    server = subprocess.Popen(
        [binary, f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        prom = Prometheus(port)
        wait_for(prom.ready, 30, "prometheus", server)
        wait_for(lambda: len(prom.query('ccpulse_service_level_ratio{window="15m"}')) >= 2
                 and bool(prom.query('up{job="ccpulse-worker"} == 1')), 90,
                 "Prometheus to scrape both queues", worker)
        time.sleep(5)  # room for rate() and increase() to have two samples
        yield prom
    finally:
        server.terminate()
        server.wait(15)
        log.close()


@pytest.mark.integration
def test_dashboards_and_alerts_against_a_real_prometheus(prometheus: Prometheus,
                                                         stack: Stack) -> None:
    prom = prometheus
    queries = list(dashboard_queries())
    assert len(queries) >= 30 and len(DASHBOARDS) >= 4
    empty = []
    deadline = time.monotonic() + 60
    while True:
        stack.produce([b"{still not json"])  # rejections now, for the panels of the rate
        empty = [(board, title, expr) for board, title, expr in queries
                 if not prom.query(substitute(expr))]
        if not empty or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert not empty, f"dashboard queries without data: {empty}"

    rules = yaml.safe_load(RULES.read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    known = set(prom.get("/api/v1/label/__name__/values")["data"])
    for expr in exprs:
        prom.query(expr)  # parses, or the query helper fails
        missing = metric_names(expr) - known
        assert not missing, f"{expr!r} names metrics Prometheus does not have: {missing}"

    def vip_calls_settled_low() -> bool:  # early on the figure hovers around the target
        vip = prom.query('ccpulse_service_level_ratio{window="15m",queue="vip",channel="voice"}')
        return bool(vip) and float(vip[0]["value"][1]) < 0.6

    def vip_calls() -> bool:  # the understaffed queue's calls (its chats may come and go)
        return any(a["queue"] == "vip" and a["channel"] == "voice"
                   for a in prom.firing("ServiceLevelBelowTarget"))

    wait_for(vip_calls_settled_low, 120, "vip's call service level to fall well below 0.8")
    wait_for(vip_calls, 60, "ServiceLevelBelowTarget to fire for vip's calls")
    firing = prom.firing("ServiceLevelBelowTarget")
    assert ("vip", "voice") in {(a["queue"], a["channel"]) for a in firing}, firing
    assert {a["queue"] for a in firing} == {"vip"}, firing
    sales = prom.query('ccpulse_service_level_ratio{window="15m",queue="sales"}')
    assert float(sales[0]["value"][1]) >= 0.8
