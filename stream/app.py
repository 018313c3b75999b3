"""Creates the Faust application from the settings (and nothing else)."""

from __future__ import annotations

import faust

from ccpulse.settings import Settings
from windows.errors import ConfigError


def broker_url(bootstrap: str) -> str:
    """``host1:9092,host2:9092`` as Faust's broker URL."""
    hosts = [h.strip() for h in bootstrap.split(",") if h.strip()]
    if not hosts:
        raise ConfigError("CCPULSE_KAFKA_BOOTSTRAP: no broker address given")
    return ";".join(f"kafka://{h.removeprefix('kafka://')}" for h in hosts)


def create_app(settings: Settings) -> faust.App:
    if not settings.kafka_bootstrap:
        raise ConfigError("CCPULSE_KAFKA_BOOTSTRAP is required for the worker "
                          "(`ccpulse demo` starts an embedded broker instead)")
    return faust.App(
        settings.app_id,
        broker=broker_url(settings.kafka_bootstrap),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        store="memory://",
        web_port=settings.worker_web_port,
        web_bind="0.0.0.0",
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        producer_linger_ms=5,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(1.0, settings.session_timeout_s / 4),
        broker_rebalance_timeout=max(30.0, settings.session_timeout_s),
    )
