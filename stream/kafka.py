"""How ccpulse reaches Kafka: addresses, security, topic names, and client options.

One :class:`KafkaConfig` serves every client (the worker's consumer and producer,
the producers of ``ccpulse.sources``, topic creation), so TLS and SASL are set in
one place. Secrets are kept out of ``repr`` and of every message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ccpulse.errors import ConfigError

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
DEADLETTER = "deadletter"


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None  # trust these CAs (default: the system's)
    cert_file: str | None = None  # client certificate, for mutual TLS
    key_file: str | None = None
    key_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.servers():
            raise ConfigError("CCPULSE_KAFKA_BOOTSTRAP: no broker address given")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ConfigError(f"CCPULSE_KAFKA_SECURITY_PROTOCOL: {self.security_protocol!r} "
                              f"is not one of {list(SECURITY_PROTOCOLS)}")
        if self.security_protocol.startswith("SASL"):
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ConfigError(f"CCPULSE_KAFKA_SASL_MECHANISM: {self.sasl_mechanism!r} is "
                                  f"not one of {list(SASL_MECHANISMS)}")
            if not self.username or self.password is None:
                raise ConfigError("CCPULSE_KAFKA_USERNAME and CCPULSE_KAFKA_PASSWORD are "
                                  f"required with {self.security_protocol}")

    def servers(self) -> list[str]:
        return [h.strip().removeprefix("kafka://") for h in self.bootstrap.split(",")
                if h.strip()]

    @property
    def tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client."""
        options: dict[str, Any] = {"bootstrap_servers": self.servers(),
                                   "security_protocol": self.security_protocol}
        if self.tls:
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(
                cafile=self.ca_file, certfile=self.cert_file, keyfile=self.key_file,
                password=self.key_password)
        if self.security_protocol.startswith("SASL"):
            options.update(sasl_mechanism=self.sasl_mechanism,
                           sasl_plain_username=self.username,
                           sasl_plain_password=self.password)
        return options


# the largest dead letter sent whole; a larger one (or one the broker refuses as too
# large) is sent cut to TRUNCATED_DEAD_LETTER_BYTES, with its size and SHA-256
DEAD_LETTER_MAX_BYTES = 8 << 20
TRUNCATED_DEAD_LETTER_BYTES = 900 << 10
# the most a worker's producer puts in one record batch: within the broker's default
# largest batch (``message.max.bytes``, 1 MiB), so that the events derived for one
# partition in one batch mostly go in one request
PRODUCE_BATCH_BYTES = 960 << 10


@dataclass(frozen=True)
class Topics:
    """Topic names: ``PREFIX.SUFFIX`` for every suffix the registry routes events to."""

    prefix: str = "ccpulse"

    def name(self, suffix: str) -> str:
        return f"{self.prefix}.{suffix}"

    @property
    def deadletter(self) -> str:
        return self.name(DEADLETTER)

    def inputs(self, suffixes: list[str]) -> list[str]:
        return [self.name(s) for s in suffixes]

    def configs(self) -> dict[str, dict[str, str]]:
        """Topic settings ccpulse asks for when it creates a topic: the dead-letter topic
        takes records as large as any input topic might (Kafka's default is 1 MB)."""
        return {self.deadletter: {"max.message.bytes": str(DEAD_LETTER_MAX_BYTES)}}
