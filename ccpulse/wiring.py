"""From the settings to what each part needs: the only place that reads ``Settings``
for the layers below the application."""

from __future__ import annotations

from dataclasses import fields, replace

from ccpulse.errors import ConfigError
from ccpulse.settings import ChannelPolicy, Settings
from ccpulse.state.connect import RedisConfig
from ccpulse.stream.config import WorkerConfig
from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.processor import ProcessorConfig
from ccpulse.windows.business import DAYS, BusinessCalendar
from ccpulse.windows.config import EngineConfig, Limits, Retention
from ccpulse.windows.policy import PolicyBook, ServiceLevelPolicy
from ccpulse.windows.quality.criteria import Criterion
from ccpulse.windows.registry import Registry, build_registry
from ccpulse.windows.tickets.config import TicketConfig
from ccpulse.windows.tickets.sla import TARGETS, SlaBook, SlaPolicy
from ccpulse.windows.timeframes import Calendar

POLICY_FIELDS = frozenset(f.name for f in fields(ServiceLevelPolicy))


def policies(settings: Settings) -> PolicyBook:
    default = ServiceLevelPolicy(settings.sl_threshold_s, settings.sl_target,
                                 settings.abandon_policy, settings.short_abandon_s,
                                 settings.first_response_target_s, settings.response_target_s)

    def over(base: ServiceLevelPolicy, override: ChannelPolicy) -> ServiceLevelPolicy:
        given = {name: value for name, value in override.model_dump().items()
                 if name in POLICY_FIELDS and value is not None}
        return replace(base, **given)

    queues = {name: over(default, q) for name, q in settings.queues.items()}
    channels = {(name, channel): over(queues[name], c) for name, q in settings.queues.items()
                for channel, c in q.channels.items()}
    return PolicyBook(default, queues, channels)


def calendars(settings: Settings) -> dict[str, BusinessCalendar]:
    """The configured business-hours calendars; "site" defaults to Monday to Friday,
    08:00-18:00 in the site's time zone."""
    out = {"site": BusinessCalendar.from_hours(
        "site", settings.timezone, dict.fromkeys(DAYS[:5], "08:00-18:00"))}
    for name, hours in settings.calendars.items():
        week = {day: getattr(hours, day) for day in DAYS}
        out[name] = BusinessCalendar.from_hours(name, hours.timezone or settings.timezone, week,
                                                hours.holidays)
    for queue, policy in settings.queues.items():
        if policy.calendar is not None and policy.calendar not in out:
            raise ConfigError(f"[queues.{queue}] calendar: no [calendars.{policy.calendar}] "
                              f"(known: {sorted(out)})")
    return out


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        calendars=calendars(settings),
        policies=policies(settings),
        calendar=Calendar(settings.timezone, settings.interval_minutes),
        voice=Retention(dedupe_ms=round(settings.dedupe_s * 1000),
                        max_wait_ms=round(settings.max_wait_s * 1000)),
        limits=Limits(max_contacts=settings.max_contacts, max_queues=settings.max_queues,
                      queue_allowlist=frozenset(settings.queue_allowlist),
                      max_agents=settings.max_agents),
        per_agent=settings.per_agent_metrics,
        capacity=dict(settings.agent_capacity),
        derive_agent_activity=settings.derive_agent_activity,
        tickets=ticket_config(settings),
        survey_retention_ms=round(settings.survey_retention_days * 86_400_000),
        repeat_window_ms=round(settings.repeat_contact_window_h * 3_600_000),
        quality_criteria={name: Criterion(c.weight, c.max)
                          for name, c in settings.quality_criteria.items()},
        agent_hour_cost=agent_hour_cost(settings),
    )


def agent_hour_cost(settings: Settings) -> dict[str, float]:
    """The cost of a staffed agent-hour by queue ("*": the site's, for any other queue)."""
    out = {} if settings.agent_hour_cost is None else {"*": settings.agent_hour_cost}
    out.update({queue: policy.agent_hour_cost for queue, policy in settings.queues.items()
                if policy.agent_hour_cost is not None})
    return out


def ticket_config(settings: Settings) -> TicketConfig:
    hour = 3_600_000
    book = {}
    for queue, per_priority in settings.sla.items():
        for priority, given in per_priority.items():
            targets = {name: round(hours * hour) for name in TARGETS
                       if (hours := getattr(given, f"{name}_h")) is not None}
            book[(queue, priority)] = SlaPolicy(targets, given.clock == "business",
                                                round(given.at_risk_min * 60_000))
    return TicketConfig(
        days=settings.ticket_days,
        bands_ms=tuple(round(h * hour) for h in settings.ticket_age_bands_h),
        sla=SlaBook(book),
        reopen_window_ms=round(settings.ticket_reopen_window_h * hour),
        max_open_ms=round(settings.ticket_max_open_days * 24 * hour),
        max_tickets=settings.max_tickets,
        max_categories=settings.max_categories,
        queue_calendars={queue: policy.calendar for queue, policy in settings.queues.items()
                         if policy.calendar is not None},
    )


def registry(settings: Settings) -> Registry:
    return build_registry(engine_config(settings))


def topics(settings: Settings) -> Topics:
    return Topics(settings.topic_prefix)


def kafka_config(settings: Settings) -> KafkaConfig:
    if not settings.kafka_bootstrap:
        raise ConfigError("CCPULSE_KAFKA_BOOTSTRAP is required (`ccpulse demo` starts an "
                          "embedded broker instead)")
    return KafkaConfig(
        bootstrap=settings.kafka_bootstrap,
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_username,
        password=_secret(settings.kafka_password),
        ca_file=settings.kafka_ca_file,
        cert_file=settings.kafka_cert_file,
        key_file=settings.kafka_key_file,
        key_password=_secret(settings.kafka_key_password),
    )


def redis_config(settings: Settings) -> RedisConfig:
    if not settings.redis_url:
        raise ConfigError("CCPULSE_REDIS_URL is required (`ccpulse demo` starts an embedded "
                          "Redis instead)")
    return RedisConfig(
        url=settings.redis_url,
        username=settings.redis_username,
        password=_secret(settings.redis_password),
        ca_file=settings.redis_ca_file,
        cert_file=settings.redis_cert_file,
        key_file=settings.redis_key_file,
        cluster=settings.redis_cluster,
    )


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        kafka=kafka_config(settings),
        redis=redis_config(settings),
        topics=topics(settings),
        app_id=settings.app_id,
        redis_prefix=settings.redis_prefix,
        partitions=settings.partitions,
        clock=settings.clock,
        batch_size=settings.batch_size,
        batch_within_s=settings.batch_within_s,
        tick_s=settings.tick_s,
        session_timeout_s=settings.session_timeout_s,
        instance_id=settings.instance_id,
        web_host=settings.worker_web_host,
        web_port=settings.worker_web_port,
        datadir=settings.data_dir,
        processor=ProcessorConfig(
            future_tolerance_ms=round(settings.future_tolerance_s * 1000),
            jump_tolerance_ms=round(settings.event_jump_tolerance_s * 1000),
            confirmations=settings.event_jump_confirmations,
            checkpoint_s=settings.checkpoint_s,
            max_record_bytes=settings.max_record_bytes),
    )


def _secret(value: object) -> str | None:
    if value is None:
        return None
    return str(value.get_secret_value())  # type: ignore[attr-defined]
