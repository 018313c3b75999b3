"""How ccpulse reaches Redis: one server or a Redis Cluster, with ACL users and TLS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis
from redis.cluster import RedisCluster

from ccpulse.errors import ConfigError

# errors that mean "Redis is not there right now": retried, never fatal
UNAVAILABLE: tuple[type[Exception], ...] = (
    redis.ConnectionError, redis.TimeoutError, redis.exceptions.BusyLoadingError,
    redis.exceptions.ClusterDownError, redis.exceptions.TryAgainError,
    redis.exceptions.ReadOnlyError, redis.exceptions.MasterDownError,
)


@dataclass(frozen=True)
class RedisConfig:
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None  # with a rediss:// URL: trust these CAs
    cert_file: str | None = None  # client certificate, when the server asks for one
    key_file: str | None = None
    cluster: bool = False
    socket_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"CCPULSE_REDIS_URL: {self.url!r} is not a redis://, rediss:// "
                              "or unix:// URL")

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"socket_timeout": self.socket_timeout_s,
                                   "socket_connect_timeout": self.socket_timeout_s}
        if self.username:
            options["username"] = self.username
        if self.password is not None:
            options["password"] = self.password
        if self.url.startswith("rediss://"):
            options.update(ssl_ca_certs=self.ca_file, ssl_certfile=self.cert_file,
                           ssl_keyfile=self.key_file)
        return options


def connect(config: RedisConfig) -> redis.Redis:
    """A client for the configured server or cluster (a RedisCluster has the same API)."""
    if config.cluster:
        cluster: Any = RedisCluster.from_url(config.url, **config.options())
        return cluster  # type: ignore[no-any-return]
    return redis.Redis.from_url(config.url, **config.options())
