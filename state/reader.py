"""Reads every partition's published state from Redis, and adds the partitions up.

Each partition is read through its own stored schema: a partition whose layout
this version cannot read, or a family of a version it does not know, is left out
and named in ``problems`` (the exporter serves that as a metric and logs it),
and the rest is served. A partition's window totals count only while they still
describe the current window: a tumbling window of an earlier period, or a
sliding window the partition's clock has not reached, counts as empty, so a
stopped or idle worker does not show yesterday's ``today``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis

from ccpulse.state import codec
from ccpulse.state.layout import PUBLISHED, partition_key, partitions_key, split_partition_id
from ccpulse.windows.domain import LiveKey
from ccpulse.windows.engine import TotalKey
from ccpulse.windows.families import SeriesKey, Vec, add_into
from ccpulse.windows.histograms import Histogram, HistogramKey, merged
from ccpulse.windows.registry import Registry
from ccpulse.windows.store import View
from ccpulse.windows.timeframes import WindowKind, reported


@dataclass
class PartitionView:
    partition_id: str
    readable: bool
    offset: int = -1
    now_ms: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    highwater: int | None = None
    totals: list[tuple[TotalKey, Vec]] = field(default_factory=list)
    histograms: list[tuple[HistogramKey, Histogram]] = field(default_factory=list)
    live: dict[LiveKey, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def topic(self) -> str:
        return split_partition_id(self.partition_id)[0]

    @property
    def partition(self) -> int:
        return split_partition_id(self.partition_id)[1]

    @property
    def lag(self) -> int | None:
        return None if self.highwater is None else max(0, self.highwater - self.offset - 1)

    def view(self) -> View:
        return View(self.offset, self.now_ms, dict(self.counters), dict(self.totals),
                    dict(self.histograms), dict(self.live))


def _decode(partition_id: str, replies: Sequence[Any], registry: Registry) -> PartitionView:
    meta, schema_raw, totals, hist, live = replies
    if not meta:
        return PartitionView(partition_id, readable=False, problems=["nothing published"])
    values = {k.decode(): v for k, v in meta.items()}
    highwater = values.get("highwater")
    schema = codec.Schema(meta, schema_raw)
    view = PartitionView(partition_id, schema.readable, int(values.get("offset", -1)),
                         int(values.get("now_ms", 0)), codec.counters(meta),
                         None if highwater is None else int(highwater))
    if schema.readable:
        view.totals = codec.totals(totals, schema, registry.families)
        view.histograms = codec.histograms(hist)
        view.live = codec.live(live)
    view.problems = schema.problems
    return view


def read_partition(client: redis.Redis, prefix: str, partition_id: str,
                   registry: Registry) -> PartitionView:
    pipe = client.pipeline(transaction=False)
    for section in PUBLISHED:
        pipe.hgetall(partition_key(prefix, partition_id, section))
    return _decode(partition_id, pipe.execute(), registry)


def read_partitions(client: redis.Redis, prefix: str, registry: Registry) -> list[PartitionView]:
    members: set[bytes] = client.smembers(partitions_key(prefix))  # type: ignore[assignment]
    pids = sorted(m.decode() for m in members)
    pipe = client.pipeline(transaction=False)
    for pid in pids:
        for section in PUBLISHED:
            pipe.hgetall(partition_key(prefix, pid, section))
    replies = pipe.execute()
    n = len(PUBLISHED)
    views = [_decode(pid, replies[n * i: n * i + n], registry) for i, pid in enumerate(pids)]
    return [v for v in views if v.readable or v.problems != ["nothing published"]]


@dataclass
class SiteView:
    """Every readable partition added up, at the reader's ``now_ms``."""

    now_ms: int
    windows: dict[str, dict[SeriesKey, Vec]]  # reported windows, current ones only
    totals: dict[SeriesKey, Vec]  # the "total" window: cumulative
    histograms: dict[HistogramKey, Histogram]
    partitions: list[PartitionView]
    event_clock: bool = False

    def live(self, prefix: str) -> list[tuple[PartitionView, LiveKey, Any]]:
        """Every partition's live entries of one kind (domains add them up their way)."""
        return [(p, key, value) for p in self.partitions if p.readable
                for key, value in p.live.items() if key[0] == prefix]

    def series(self, family: str) -> list[SeriesKey]:
        keys: set[SeriesKey] = {s for s in self.totals if s[0] == family}
        for per_window in self.windows.values():
            keys.update(s for s in per_window if s[0] == family)
        return sorted(keys)

    def counter(self, name: str) -> int:
        return sum(p.counters.get(name, 0) for p in self.partitions)


def read_site(client: redis.Redis, prefix: str, registry: Registry, wall_now_ms: int,
              event_clock: bool) -> SiteView:
    return site_view(read_partitions(client, prefix, registry), registry, wall_now_ms,
                     event_clock)


def site_view(partitions: list[PartitionView], registry: Registry, wall_now_ms: int,
              event_clock: bool) -> SiteView:
    readable = [p for p in partitions if p.readable]
    now_ms = max((p.now_ms for p in readable), default=wall_now_ms) if event_clock \
        else wall_now_ms
    calendar = registry.config.calendar
    shown = reported(registry.windows)
    current = {w.name: calendar.window_start_ms(w, now_ms) for w in shown}
    windows: dict[str, dict[SeriesKey, Vec]] = {w.name: {} for w in shown}
    totals: dict[SeriesKey, Vec] = {}
    histograms: dict[HistogramKey, list[Histogram]] = {}
    for partition in readable:
        valid = set()
        for spec in shown:
            if spec.kind is WindowKind.SLIDING:
                ok = partition.now_ms >= current[spec.name]
            else:
                ok = calendar.window_start_ms(spec, partition.now_ms) == current[spec.name]
            if ok:
                valid.add(spec.name)
        for (window, series), values in partition.totals:
            if window == "total":
                _add(totals, series, values)
            elif window in valid:
                _add(windows[window], series, values)
        for key, histogram in partition.histograms:
            histograms.setdefault(key, []).append(histogram)
    merged_histograms = {k: h for k, parts in histograms.items()
                         if (h := merged(parts)) is not None}
    return SiteView(now_ms, windows, totals, merged_histograms, partitions, event_clock)


def _add(target: dict[SeriesKey, Vec], series: SeriesKey, values: Vec) -> None:
    existing = target.get(series)
    if existing is None:
        target[series] = list(values)
    else:
        add_into(existing, values)
