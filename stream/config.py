"""What a worker needs to know, as plain values (``ccpulse.wiring`` builds it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccpulse.state.connect import RedisConfig
from ccpulse.stream.kafka import KafkaConfig, Topics
from ccpulse.stream.processor import ProcessorConfig


@dataclass(frozen=True)
class WorkerConfig:
    kafka: KafkaConfig
    redis: RedisConfig
    topics: Topics = field(default_factory=Topics)
    app_id: str = "ccpulse"
    redis_prefix: str = "ccpulse"
    partitions: int = 4
    clock: str = "wall"
    batch_size: int = 50_000
    batch_within_s: float = 0.1
    publish_hold_s: float = 1.0  # while catching up: publish a partition at most this often
    tick_s: float = 1.0
    session_timeout_s: float = 6.0
    instance_id: str | None = None  # static group membership (KIP-345) when set
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    datadir: str | None = None  # Faust's data directory (a temporary one when None)
    processor: ProcessorConfig = field(default_factory=ProcessorConfig)

    @property
    def group_id(self) -> str:
        return f"{self.app_id}-fold"
