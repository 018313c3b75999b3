"""Published state made without a broker: records folded by a processor into a real Redis,
and scraped through the exporter's collector."""

from __future__ import annotations

from typing import Any

import orjson
import redis
from prometheus_client.parser import text_string_to_metric_families

from ccpulse.exporters.collector import SiteCollector
from ccpulse.exporters.exposition import render
from ccpulse.state.redis_store import RedisStore
from ccpulse.stream.processor import Processor, Record
from ccpulse.windows.clock import clock_factory
from ccpulse.windows.registry import Registry

T0 = 1_700_000_000_000
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def calls(waits_s: list[float], start: int = 0, queue: str = "sales",
          channel: str = "voice") -> list[bytes]:
    """Calls queued a second apart, each answered after its wait."""
    out = []
    for i, wait in enumerate(waits_s, start=start):
        base = {"contact_id": f"c{i}", "queue": queue, "channel": channel}
        out.append(orjson.dumps({"event_id": f"q{i}", "type": "call.queued",
                                 "ts": T0 + i * 1000, **base}))
        out.append(orjson.dumps({"event_id": f"a{i}", "type": "call.answered",
                                 "ts": T0 + i * 1000 + round(wait * 1000), **base}))
    return out


def fold(registry: Registry, store: RedisStore, values: list[bytes], first_offset: int = 0,
         pid: str = "p:0") -> Processor:
    """Fold ``values`` (at offsets from ``first_offset``) into ``pid`` and checkpoint."""
    processor = Processor(registry, store, clock_factory("event"))
    state = processor.state(pid)
    topic, _, number = pid.rpartition(":")
    partition = int(number)
    records = [Record(topic, partition, first_offset + i, None, v) for i, v in enumerate(values)]
    processor.fold({(topic, partition): [r for r in records if r.offset > state.offset]})
    processor.checkpoint([pid])
    return processor


def scrape(client: redis.Redis, registry: Registry, prefix: str, **options: Any) -> Samples:
    collector = SiteCollector(client, prefix, registry, event_clock=True, **options)
    text = render(collector.collect()).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}
