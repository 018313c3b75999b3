"""Creating the input and dead-letter topics when they do not exist yet."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from ccpulse.errors import Backoff, CcpulseError
from ccpulse.stream.kafka import KafkaConfig, Topics

log = logging.getLogger(__name__)


class BrokerUnreachable(CcpulseError):
    pass


async def ensure_topics(kafka: KafkaConfig, names: list[str], partitions: int,
                        timeout_s: float = 30.0,
                        configs: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Create the topics that are missing (with their ``configs``, by name); waits up to
    ``timeout_s`` for the broker."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    backoff = Backoff(f"the Kafka broker at {kafka.bootstrap}", log, cap_s=5.0)
    while True:
        try:
            await admin.start()
            break
        except KafkaConnectionError as exc:
            delay = backoff.failed(exc)
            if loop.time() + delay > deadline:
                await admin.close()
                raise BrokerUnreachable(
                    f"no Kafka broker answered at {kafka.bootstrap} within {timeout_s:.0f} s "
                    "(CCPULSE_KAFKA_BOOTSTRAP)") from None
            await asyncio.sleep(delay)
    backoff.succeeded()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, partitions, 1, topic_configs=dict((configs or {}).get(name, {})))
                   for name in names if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()


async def ensure_all(kafka: KafkaConfig, topics: Topics, suffixes: list[str], partitions: int,
                     timeout_s: float = 30.0) -> None:
    """The input topics of these suffixes and the dead-letter topic, created if missing."""
    await ensure_topics(kafka, [*topics.inputs(suffixes), topics.deadletter], partitions,
                        timeout_s, topics.configs())


async def wait_for_broker(kafka: KafkaConfig) -> None:
    """Wait, however long it takes, until the broker answers (one log line when it does
    not, one when it does)."""
    backoff = Backoff(f"the Kafka broker at {kafka.bootstrap}", log)
    while True:
        admin = AIOKafkaAdminClient(**kafka.client_options())
        try:
            await admin.start()
        except KafkaConnectionError as exc:
            await admin.close()
            await asyncio.sleep(backoff.failed(exc))
            continue
        await admin.close()
        backoff.succeeded()
        return
