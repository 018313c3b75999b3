from __future__ import annotations

from pathlib import Path

import pytest

from ccpulse.settings import load_settings
from windows.errors import ConfigError
from windows.policy import AbandonPolicy


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CCPULSE_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    policy = settings.policies().for_queue("anything")
    assert (policy.threshold_s, policy.target, policy.abandons) == (20, 0.8,
                                                                    AbandonPolicy.NEGATIVE)
    assert settings.calls_topic == "ccpulse.calls"
    assert settings.deadletter_topic == "ccpulse.deadletter"


def test_toml_queues_and_site_with_environment_on_top(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ccpulse.toml"
    config.write_text('[site]\ntimezone = "Europe/Madrid"\ninterval_minutes = 30\n'
                      '[queues.vip]\nthreshold_s = 10\ntarget = 0.9\nabandons = "ignored"\n')
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    monkeypatch.setenv("CCPULSE_INTERVAL_MINUTES", "15")
    monkeypatch.setenv("CCPULSE_SHORT_ABANDON_S", "5")
    settings = load_settings()
    assert settings.timezone == "Europe/Madrid"
    assert settings.interval_minutes == 15
    vip = settings.policies().for_queue("vip")
    assert (vip.threshold_s, vip.target, vip.abandons, vip.short_abandon_s) == (
        10, 0.9, AbandonPolicy.IGNORED, 5)


@pytest.mark.parametrize(("env", "value", "named"), [
    ("CCPULSE_SL_TARGET", "80", "CCPULSE_SL_TARGET"),
    ("CCPULSE_TIMEZONE", "Mars/Olympus", "CCPULSE_TIMEZONE"),
    ("CCPULSE_INTERVAL_MINUTES", "20", "CCPULSE_INTERVAL_MINUTES"),
    ("CCPULSE_ABANDON_POLICY", "maybe", "CCPULSE_ABANDON_POLICY"),
    ("CCPULSE_CLOCK", "sundial", "CCPULSE_CLOCK"),
])
def test_a_bad_setting_fails_naming_the_setting(monkeypatch: pytest.MonkeyPatch, env: str,
                                                 value: str, named: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=named):
        load_settings()


def test_a_bad_queue_policy_names_the_queue(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[queues.vip]\ntarget = 1.5\n")
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"queues\.vip\.target"):
        load_settings()


def test_a_missing_config_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCPULSE_CONFIG", "/nonexistent/ccpulse.toml")
    with pytest.raises(ConfigError, match="CCPULSE_CONFIG"):
        load_settings()
