"""One settings object: environment variables (``CCPULSE_*``) over an optional TOML file.

The TOML file (``CCPULSE_CONFIG``) may hold a ``[site]`` table with any setting
below and a ``[queues.NAME]`` table per queue with its service-level policy.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from windows.errors import ConfigError
from windows.partition import EngineConfig
from windows.policy import AbandonPolicy, PolicyBook, ServiceLevelPolicy
from windows.timeframes import Calendar

ENV_PREFIX = "CCPULSE_"


class QueuePolicy(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}

    threshold_s: float | None = Field(default=None, gt=0)
    target: float | None = Field(default=None, gt=0, le=1)
    abandons: AbandonPolicy | None = None
    short_abandon_s: float | None = Field(default=None, ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    # where things are; empty means "start an embedded one" (demo only)
    kafka_bootstrap: str | None = None
    redis_url: str | None = None

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
    queues: dict[str, QueuePolicy] = Field(default_factory=dict)

    # processing
    future_tolerance_s: float = Field(default=300.0, ge=0)
    batch_size: int = Field(default=10_000, ge=1)
    batch_within_s: float = Field(default=0.1, gt=0)
    tick_s: float = Field(default=1.0, gt=0)
    checkpoint_s: float = Field(default=5.0, gt=0)
    session_timeout_s: float = Field(default=10.0, ge=2)
    worker_web_port: int = Field(default=6066, ge=0, le=65535)
    exporter_port: int = Field(default=9464, ge=0, le=65535)
    exporter_host: str = "0.0.0.0"

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

    @property
    def calls_topic(self) -> str:
        return f"{self.topic_prefix}.calls"

    @property
    def chats_topic(self) -> str:
        return f"{self.topic_prefix}.chats"

    @property
    def tickets_topic(self) -> str:
        return f"{self.topic_prefix}.tickets"

    @property
    def input_topics(self) -> tuple[str, str, str]:
        return (self.calls_topic, self.chats_topic, self.tickets_topic)

    @property
    def deadletter_topic(self) -> str:
        return f"{self.topic_prefix}.deadletter"

    def policies(self) -> PolicyBook:
        default = ServiceLevelPolicy(self.sl_threshold_s, self.sl_target, self.abandon_policy,
                                     self.short_abandon_s)
        queues = {
            name: ServiceLevelPolicy(
                threshold_s=q.threshold_s if q.threshold_s is not None else default.threshold_s,
                target=q.target if q.target is not None else default.target,
                abandons=q.abandons or default.abandons,
                short_abandon_s=(q.short_abandon_s if q.short_abandon_s is not None
                                 else default.short_abandon_s),
            )
            for name, q in self.queues.items()
        }
        return PolicyBook(default, queues)

    def engine_config(self) -> EngineConfig:
        return EngineConfig(policies=self.policies(),
                            calendar=Calendar(self.timezone, self.interval_minutes))

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


def read_toml(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        doc = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"CCPULSE_CONFIG: no such file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"CCPULSE_CONFIG: {path} is not valid TOML: {exc}") from None
    unknown = set(doc) - {"site", "queues"}
    if unknown:
        raise ConfigError(f"CCPULSE_CONFIG: unknown table(s) {sorted(unknown)} in {path}; "
                          "expected [site] and [queues.NAME]")
    values: dict[str, Any] = dict(doc.get("site", {}))
    if "queues" in doc:
        values["queues"] = doc["queues"]
    return values


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning any validation error into one that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            name = loc[0] if loc else "?"
            where = (f"queues.{'.'.join(loc[1:])} in CCPULSE_CONFIG" if name == "queues"
                     else f"{ENV_PREFIX}{name.upper()}")
            problems.append(f"{where}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems)) from None
