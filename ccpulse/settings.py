"""One settings object: environment variables (``CCPULSE_*``) over an optional TOML file.

The TOML file (``CCPULSE_CONFIG``) may hold a ``[site]`` table with any setting
below (lower case, without the prefix) and a ``[queues.NAME]`` table per queue
with its service-level policy, with ``[queues.NAME.channels.CHANNEL]`` for a
channel of that queue whose policy differs. Errors name where the bad value
came from: the environment variable, or the file, table and key.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ccpulse.errors import ConfigError
from ccpulse.windows.agents.domain import MAX_CAPACITY_PER_CHANNEL
from ccpulse.windows.business import parse_spans
from ccpulse.windows.events import CHANNELS
from ccpulse.windows.policy import AbandonPolicy
from ccpulse.windows.tickets.event import PRIORITIES

ENV_PREFIX = "CCPULSE_"


class ChannelPolicy(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}

    threshold_s: float | None = Field(default=None, gt=0)
    target: float | None = Field(default=None, gt=0, le=1)
    abandons: AbandonPolicy | None = None
    short_abandon_s: float | None = Field(default=None, ge=0)
    first_response_target_s: float | None = Field(default=None, gt=0)
    response_target_s: float | None = Field(default=None, gt=0)


class QueuePolicy(ChannelPolicy):
    channels: dict[str, ChannelPolicy] = Field(default_factory=dict)
    calendar: str | None = None  # the business hours its tickets' clocks run on
    agent_hour_cost: float | None = Field(default=None, ge=0)  # overrides the site's


class CalendarHours(BaseModel):
    """A ``[calendars.NAME]`` table: opening hours per weekday, local to ``timezone``."""

    model_config = {"extra": "forbid", "frozen": True}

    timezone: str | None = None  # default: the site's
    monday: str = "closed"
    tuesday: str = "closed"
    wednesday: str = "closed"
    thursday: str = "closed"
    friday: str = "closed"
    saturday: str = "closed"
    sunday: str = "closed"
    holidays: list[str] = Field(default_factory=list)

    @field_validator("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_spans(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _dates(cls, value: list[str]) -> list[str]:
        for day in value:
            date.fromisoformat(day)
        return value


class SlaTargets(BaseModel):
    """A ``[sla.QUEUE.PRIORITY]`` table (``"*"``: any queue or any priority): ticket SLA
    targets in hours, on the queue's business hours or the calendar."""

    model_config = {"extra": "forbid", "frozen": True}

    first_reply_h: float | None = Field(default=None, gt=0)
    next_reply_h: float | None = Field(default=None, gt=0)
    requester_wait_h: float | None = Field(default=None, gt=0)
    resolution_h: float | None = Field(default=None, gt=0)
    clock: Literal["business", "calendar"] = "business"
    at_risk_min: float = Field(default=30.0, ge=0)


SlaTables = dict[str, dict[str, SlaTargets]]


class QualityCriterion(BaseModel):
    """A ``[quality_criteria.NAME]`` table: a review criterion's weight and top score."""

    model_config = {"extra": "forbid", "frozen": True}

    weight: float = Field(default=1.0, gt=0)
    max: float = Field(default=5.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    # where things are; empty means "start an embedded one" (demo only)
    kafka_bootstrap: str | None = None
    redis_url: str | None = None

    # Kafka security (see the README's "Security")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = \
        "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_ca_file: str | None = None
    kafka_cert_file: str | None = None
    kafka_key_file: str | None = None
    kafka_key_password: SecretStr | None = None

    # Redis security and topology
    redis_username: str | None = None
    redis_password: SecretStr | None = None
    redis_ca_file: str | None = None
    redis_cert_file: str | None = None
    redis_key_file: str | None = None
    redis_cluster: bool = False

    # topics and keys
    topic_prefix: str = "ccpulse"
    partitions: int = Field(default=4, ge=1, le=1024)
    redis_prefix: str = "ccpulse"
    app_id: str = "ccpulse"

    # the site
    timezone: str = "UTC"
    interval_minutes: int = 15
    clock: Literal["wall", "event"] = "wall"

    # service level, for queues without their own policy
    sl_threshold_s: float = Field(default=20.0, gt=0)
    sl_target: float = Field(default=0.8, gt=0, le=1)
    abandon_policy: AbandonPolicy = AbandonPolicy.NEGATIVE
    short_abandon_s: float = Field(default=0.0, ge=0)
    first_response_target_s: float = Field(default=60.0, gt=0)
    response_target_s: float = Field(default=60.0, gt=0)
    queues: dict[str, QueuePolicy] = Field(default_factory=dict)
    # business hours: [calendars.NAME]; "site" is the site's own (CcpulseNoEvents uses it)
    calendars: dict[str, CalendarHours] = Field(default_factory=dict)

    # tickets: [sla.QUEUE.PRIORITY] targets, the multi-day window, backlog age bands
    sla: SlaTables = Field(default_factory=dict)
    ticket_days: int = Field(default=7, ge=2, le=92)
    ticket_age_bands_h: list[float] = Field(default_factory=lambda: [4.0, 24.0, 72.0])
    ticket_reopen_window_h: float = Field(default=96.0, gt=0)
    ticket_max_open_days: float = Field(default=90.0, gt=0)
    max_tickets: int = Field(default=2_000_000, ge=1)
    max_categories: int = Field(default=200, ge=1)
    survey_retention_days: float = Field(default=30.0, gt=0)
    quality_criteria: dict[str, QualityCriterion] = Field(default_factory=dict)
    repeat_contact_window_h: float = Field(default=72.0, gt=0)
    agent_hour_cost: float | None = Field(default=None, ge=0)

    # retention and bounds
    dedupe_s: float = Field(default=900.0, gt=0)
    max_wait_s: float = Field(default=14_400.0, gt=0)
    max_contacts: int = Field(default=100_000, ge=1)
    max_queues: int = Field(default=1_000, ge=1)
    queue_allowlist: list[str] = Field(default_factory=list)
    per_agent_metrics: bool = True
    max_agents: int = Field(default=5_000, ge=1)
    agent_capacity: dict[str, int] = Field(default_factory=lambda: {"voice": 1, "chat": 3})
    derive_agent_activity: bool = True
    max_record_bytes: int = Field(default=1 << 20, ge=1024)

    # processing
    future_tolerance_s: float = Field(default=300.0, ge=0)
    event_jump_tolerance_s: float = Field(default=3_600.0, ge=0)
    event_jump_confirmations: int = Field(default=3, ge=1, le=100)
    batch_size: int = Field(default=50_000, ge=1)
    batch_within_s: float = Field(default=0.1, gt=0)
    tick_s: float = Field(default=1.0, gt=0)
    checkpoint_s: float = Field(default=5.0, gt=0)
    session_timeout_s: float = Field(default=6.0, ge=2)
    instance_id: str | None = None
    data_dir: str | None = None
    worker_web_port: int = Field(default=6066, ge=0, le=65535)
    worker_web_host: str = "127.0.0.1"
    exporter_port: int = Field(default=9464, ge=0, le=65535)
    exporter_host: str = "127.0.0.1"

    @field_validator("ticket_age_bands_h")
    @classmethod
    def _bands(cls, value: list[float]) -> list[float]:
        if not value or value != sorted(set(value)) or value[0] <= 0:
            raise ValueError("age bands are distinct hours > 0, ascending (e.g. [4, 24, 72])")
        return value

    @field_validator("sla")
    @classmethod
    def _priorities(cls, value: SlaTables) -> SlaTables:
        for queue, per_priority in value.items():
            unknown = set(per_priority) - {*PRIORITIES, "*"}
            if unknown:
                raise ValueError(f"[sla.{queue}]: unknown priorit(ies) {sorted(unknown)}; use "
                                 f"{', '.join(PRIORITIES)} or \"*\"")
        return value

    @field_validator("agent_capacity")
    @classmethod
    def _capacity(cls, value: dict[str, int]) -> dict[str, int]:
        for channel, slots in value.items():
            if channel not in CHANNELS:
                raise ValueError(f"unknown channel {channel!r} (use {', '.join(sorted(CHANNELS))})")
            if not 0 <= slots <= MAX_CAPACITY_PER_CHANNEL:
                raise ValueError(f"{channel}: {slots} contacts at once; an agent serves 0 to "
                                 f"{MAX_CAPACITY_PER_CHANNEL} of a channel at once")
        return value

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in (15, 30):
            raise ValueError("the interval is 15 or 30 minutes")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "'Europe/London')") from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlSource(settings_cls))


class TomlSource(PydanticBaseSettingsSource):
    """Settings from the TOML file named by ``CCPULSE_CONFIG``."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.values = read_toml(os.environ.get(f"{ENV_PREFIX}CONFIG"))

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.values


TABLES = ("queues", "calendars", "sla", "quality_criteria")  # tables of their own, not [site]


def read_toml(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        doc = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"CCPULSE_CONFIG: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"CCPULSE_CONFIG: cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(doc) - {"site", *TABLES}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}; expected [site], "
                          "[queues.NAME], [calendars.NAME], [sla.QUEUE.PRIORITY] and "
                          "[quality_criteria.NAME]")
    site = doc.get("site", {})
    known = set(Settings.model_fields) - set(TABLES)
    typos = sorted(set(site) - known)
    if typos:
        raise ConfigError(f"{path}: [site] has unknown key(s) {typos}; see the README's "
                          "configuration table")
    values: dict[str, Any] = dict(site)
    for table in TABLES:
        if table in doc:
            values[table] = doc[table]
    return values


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning any validation error into one that names its source."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        path = os.environ.get(f"{ENV_PREFIX}CONFIG", "CCPULSE_CONFIG")
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            name = loc[0] if loc else "?"
            shown = "<hidden>" if "password" in name else repr(error.get("input"))
            if name in ("queues", "calendars", "sla"):
                table = ".".join(loc[1:-1]) if len(loc) > 2 else ".".join(loc[1:])
                key = loc[-1] if len(loc) > 2 else ""
                where = f"{path}: [{name}.{table}] {key}".rstrip()
            elif name in overrides:
                where = f"--{name.replace('_', '-')}"
            elif f"{ENV_PREFIX}{name.upper()}" in os.environ:
                where = f"{ENV_PREFIX}{name.upper()}"
            else:
                where = f"{path}: [site] {name}"
            problems.append(f"{where}: {error['msg']} (got {shown})")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems)) from None
