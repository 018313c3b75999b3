"""The deployment files: compose file, Prometheus config and rules, dashboards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: apt-get install {package}")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return found


def run(*args: str) -> str:
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_promtool_checks_the_config_and_rules() -> None:
    promtool = tool("promtool", "prometheus")
    run(promtool, "check", "config", "deploy/prometheus/prometheus.yml")
    assert "SUCCESS: 8 rules found" in run(promtool, "check", "rules",
                                            "deploy/prometheus/rules/ccpulse.yml")


def test_promtool_rule_unit_tests_pass() -> None:
    promtool = tool("promtool", "prometheus")
    assert "SUCCESS" in run(promtool, "test", "rules", "deploy/prometheus/tests/ccpulse_test.yml")


def test_every_alert_has_firing_and_quiet_unit_tests() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus/rules/ccpulse.yml").read_text())
    names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tests = yaml.safe_load((DEPLOY / "prometheus/tests/ccpulse_test.yml").read_text())
    fired, quiet = set(), set()
    for case in tests["tests"]:
        for check in case["alert_rule_test"]:
            (fired if check["exp_alerts"] else quiet).add(check["alertname"])
    assert fired == names
    assert quiet == names


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_compose_file_is_valid_for_docker_compose() -> None:
    docker_compose = tool("docker-compose", "docker-compose")
    run(docker_compose, "--env-file", ".env.example", "config", "--quiet")
    services = run(docker_compose, "--env-file", ".env.example", "--profile", "simulator",
                   "config", "--services").split()
    assert set(services) == {"kafka", "kafka-topics", "redis", "worker-1", "worker-2", "exporter",
                             "simulator", "prometheus", "alertmanager", "grafana"}


def test_compose_services_are_pinned_healthy_and_ordered() -> None:
    doc = compose()
    services = doc["services"]
    images = {s["image"] for s in services.values()}
    assert "apache/kafka:3.9.1" in images
    assert not [i for i in images if i.endswith(":latest") or ":" not in i]
    for name, service in services.items():
        if name == "kafka-topics":
            assert service["restart"] == "no"
            continue
        assert service.get("restart"), f"{name} has no restart policy"
        if name != "simulator":
            assert "healthcheck" in service, f"{name} has no health check"
    assert services["worker-1"]["depends_on"]["kafka-topics"]["condition"] == \
        "service_completed_successfully"
    assert services["worker-2"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["simulator"]["profiles"] == ["simulator"]
    assert "--appendonly" in services["redis"]["command"]
    assert set(doc["volumes"]) == {"kafka-data", "redis-data", "prometheus-data",
                                   "alertmanager-data", "grafana-data"}
    password = services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password.startswith("${"), "no secret in the compose file"
    assert "GRAFANA_ADMIN_PASSWORD" in (ROOT / ".env.example").read_text()


def test_dashboards_are_provisioned_with_queue_and_channel_variables() -> None:
    boards = {p.stem: json.loads(p.read_text())
              for p in (DEPLOY / "grafana/dashboards").glob("*.json")}
    assert set(boards) == {"ccpulse-wallboard", "ccpulse-queue-detail", "ccpulse-channels",
                           "ccpulse-processor"}
    for name in ("ccpulse-wallboard", "ccpulse-queue-detail", "ccpulse-channels"):
        variables = {v["name"] for v in boards[name]["templating"]["list"]}
        assert variables == {"queue", "channel"}
    for board in boards.values():
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == "prometheus"
            assert panel["targets"], panel["title"]
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
                                .read_text())
    assert datasource["datasources"][0]["uid"] == "prometheus"


def test_the_shipped_queue_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from ccpulse import wiring
    from ccpulse.settings import load_settings

    for name in list(os.environ):
        if name.startswith("CCPULSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CCPULSE_CONFIG", str(DEPLOY / "ccpulse.toml"))
    policies = wiring.policies(load_settings())
    assert policies.for_queue("vip").target == 0.9
    assert policies.for_queue("billing").short_abandon_s == 5
