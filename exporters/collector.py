"""The exporter's collector: reads Redis on every scrape and keeps nothing between scrapes.

``collect()`` returns fresh metric families built from what Redis holds at that
moment. If Redis cannot be read it returns ``ccpulse_redis_up 0`` and the
exporter's own metrics, rather than old numbers. Each group of metrics is built
by its own collector; one that fails (data it cannot interpret) is left out, with
``ccpulse_collector_up{collector} 0`` and a log line, and the rest is served.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import redis

from ccpulse.errors import Backoff
from ccpulse.exporters.catalog import EXPORTER_METRICS, collectors_for
from ccpulse.exporters.collectors.base import Collector
from ccpulse.exporters.exposition import Family, labels_text
from ccpulse.state.connect import UNAVAILABLE
from ccpulse.state.reader import read_partitions, site_view
from ccpulse.windows.registry import Registry

log = logging.getLogger(__name__)
SPECS = {spec.name: spec for spec in EXPORTER_METRICS}


class SiteCollector:
    def __init__(self, client: redis.Redis, prefix: str, registry: Registry,
                 event_clock: bool = False, build: dict[str, str] | None = None,
                 wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
                 collectors: Sequence[Collector] | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self.registry = registry
        self.event_clock = event_clock
        self.build = build or {}
        self.wall_ms = wall_ms
        self.collectors = list(collectors) if collectors is not None else collectors_for(registry)
        self.backoff = Backoff("Redis (exporter)", log)
        self.redis_up = False
        self._unreadable_logged: set[str] = set()

    def collect(self) -> list[Family]:
        started = time.perf_counter()
        own = [self._family("ccpulse_build_info", labels_text(**self.build), 1)]
        try:
            partitions = read_partitions(self.client, self.prefix, self.registry)
        except UNAVAILABLE as exc:
            self.backoff.failed(exc)
            self.redis_up = False
            return [self._family("ccpulse_redis_up", "", 0), *own]
        self.backoff.succeeded()
        self.redis_up = True
        for partition in partitions:
            for problem in partition.problems:
                note = f"{partition.partition_id}: {problem}"
                if note not in self._unreadable_logged:
                    self._unreadable_logged.add(note)
                    log.warning("partition %s: %s; left out of the figures",
                                partition.partition_id, problem)
        view = site_view(partitions, self.registry, self.wall_ms(), self.event_clock)
        families = [self._family("ccpulse_redis_up", "", 1), *own]
        up = Family(SPECS["ccpulse_collector_up"])
        for collector in self.collectors:
            try:
                families.extend(collector.collect(view))
            except Exception as exc:  # one domain's bad data never blanks the scrape
                log.exception("collector %s failed: %s", collector.name, exc)
                up.add(labels_text(collector=collector.name), 0)
            else:
                up.add(labels_text(collector=collector.name), 1)
        families.append(up)
        families.append(self._family("ccpulse_scrape_seconds", "",
                                     time.perf_counter() - started))
        return families

    @staticmethod
    def _family(name: str, labels: str, value: float) -> Family:
        family = Family(SPECS[name])
        family.add(labels, value)
        return family
