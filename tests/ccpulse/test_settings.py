from __future__ import annotations

from pathlib import Path

import pytest

from ccpulse import wiring
from ccpulse.errors import ConfigError
from ccpulse.settings import load_settings
from ccpulse.windows.policy import AbandonPolicy


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CCPULSE_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    policy = wiring.policies(settings).for_queue("anything")
    assert (policy.threshold_s, policy.target, policy.abandons) == (20, 0.8,
                                                                    AbandonPolicy.NEGATIVE)
    assert wiring.topics(settings).name("calls") == "ccpulse.calls"
    assert wiring.topics(settings).deadletter == "ccpulse.deadletter"
    assert (settings.exporter_host, settings.worker_web_host) == ("127.0.0.1", "127.0.0.1")


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
    vip = wiring.policies(settings).for_queue("vip")
    assert (vip.threshold_s, vip.target, vip.abandons, vip.short_abandon_s) == (
        10, 0.9, AbandonPolicy.IGNORED, 5)


@pytest.mark.parametrize(("env", "value", "named"), [
    ("CCPULSE_SL_TARGET", "80", "CCPULSE_SL_TARGET"),
    ("CCPULSE_TIMEZONE", "Mars/Olympus", "CCPULSE_TIMEZONE"),
    ("CCPULSE_INTERVAL_MINUTES", "20", "CCPULSE_INTERVAL_MINUTES"),
    ("CCPULSE_ABANDON_POLICY", "maybe", "CCPULSE_ABANDON_POLICY"),
    ("CCPULSE_CLOCK", "sundial", "CCPULSE_CLOCK"),
    ("CCPULSE_AGENT_CAPACITY", '{"voice": 1, "chat": 300}', "CCPULSE_AGENT_CAPACITY"),
    ("CCPULSE_AGENT_CAPACITY", '{"phone": 1}', "CCPULSE_AGENT_CAPACITY"),
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
    with pytest.raises(ConfigError, match=r"bad.toml: \[queues\.vip\] target: Input should be"):
        load_settings()


def test_a_missing_config_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCPULSE_CONFIG", "/nonexistent/ccpulse.toml")
    with pytest.raises(ConfigError, match="CCPULSE_CONFIG"):
        load_settings()


def test_a_channel_of_a_queue_can_have_a_policy_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ccpulse.toml"
    config.write_text("[queues.sales]\ntarget = 0.9\n[queues.sales.channels.chat]\n"
                      "threshold_s = 60\n")
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    book = wiring.policies(load_settings())
    assert (book.for_queue("sales", "voice").threshold_s, book.for_queue("sales", "voice").target
            ) == (20, 0.9)
    assert (book.for_queue("sales", "chat").threshold_s, book.for_queue("sales", "chat").target
            ) == (60, 0.9)


@pytest.mark.parametrize(("toml", "message"), [
    ('[site]\ntimezon = "UTC"\n', r"\[site\] has unknown key\(s\) \['timezon'\]"),
    ('[site]\ninterval_minutes = 20\n', r"\[site\] interval_minutes: Value error"),
    ('[queues.vip]\ntreshold_s = 3\n', r"\[queues\.vip\] treshold_s: Extra inputs"),
    ('[queues.vip.channels.chat]\ntarget = 2\n',
     r"\[queues\.vip\.channels\.chat\] target: Input should be"),
    ("[site\n", "not valid TOML"),
])
def test_toml_errors_name_the_file_table_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 toml: str, message: str) -> None:
    config = tmp_path / "site.toml"
    config.write_text(toml)
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    with pytest.raises(ConfigError, match=message) as exc:
        load_settings()
    assert "site.toml" in str(exc.value)


def test_a_secret_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCPULSE_REDIS_PASSWORD", "hunter2")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings)
    assert "hunter2" not in repr(wiring.redis_config(settings.model_copy(
        update={"redis_url": "redis://x:1/0"})))


def test_ticket_sla_tables_and_queue_calendars(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ccpulse.toml"
    config.write_text('[sla."*"."*"]\nfirst_reply_h = 8\nresolution_h = 40\n'
                      '[sla.billing.urgent]\nfirst_reply_h = 0.5\nclock = "calendar"\n'
                      'at_risk_min = 10\n'
                      '[queues.billing]\ncalendar = "emea"\n'
                      '[calendars.emea]\nmonday = "09:00-17:00"\n')
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    monkeypatch.setenv("CCPULSE_TICKET_AGE_BANDS_H", "[2, 8]")
    tickets = wiring.engine_config(load_settings()).tickets
    urgent = tickets.sla.for_ticket("billing", "urgent")
    assert urgent is not None
    assert (dict(urgent.targets), urgent.business, urgent.lead_ms) == (
        {"first_reply": 1_800_000}, False, 600_000)
    fallback = tickets.sla.for_ticket("sales", "low")
    assert fallback is not None and fallback.business
    assert dict(fallback.targets) == {"first_reply": 8 * 3_600_000,
                                      "resolution": 40 * 3_600_000}
    assert tickets.queue_calendars == {"billing": "emea"}
    assert tickets.bands_ms == (2 * 3_600_000, 8 * 3_600_000)


def test_an_unknown_sla_priority_is_named(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[sla.billing.critical]\nfirst_reply_h = 1\n")
    monkeypatch.setenv("CCPULSE_CONFIG", str(config))
    with pytest.raises(ConfigError, match="critical"):
        load_settings()
