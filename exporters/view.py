"""Reads every partition's published state from Redis and sums it per queue.

A partition's stored window totals are used only while they still describe the
current window: a tumbling window of an earlier period, or a sliding window the
partition's clock has not reached, counts as empty. This keeps a stopped or
idle worker from showing yesterday's ``today``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
import redis

from stream.redis_store import partition_key, partitions_key
from windows import aggregate as a
from windows.agents import staffing
from windows.timeframes import REPORTED_WINDOWS, Calendar, WindowKind

QueueKey = tuple[str, str]
SECTIONS = ("meta", "totals", "live", "hist", "agents")


@dataclass
class PartitionMeta:
    partition_id: str
    offset: int
    now_ms: int
    counters: dict[str, int]
    highwater: int | None

    @property
    def lag(self) -> int | None:
        return None if self.highwater is None else max(0, self.highwater - self.offset - 1)


@dataclass
class View:
    now_ms: int
    windows: dict[str, dict[QueueKey, a.Agg]] = field(default_factory=dict)
    totals: dict[QueueKey, a.Agg] = field(default_factory=dict)
    live: dict[QueueKey, list[int]] = field(default_factory=dict)  # queue times of the waiting
    in_service: dict[QueueKey, int] = field(default_factory=dict)
    agents: dict[str, tuple[int, int]] = field(default_factory=dict)  # logged in, paused
    histograms: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    partitions: list[PartitionMeta] = field(default_factory=list)

    def queue_keys(self) -> list[QueueKey]:
        keys: set[QueueKey] = set(self.totals) | set(self.live) | set(self.in_service)
        for per_window in self.windows.values():
            keys.update(per_window)
        return sorted(keys)

    def waiting(self, queue: str, channel: str, threshold_ms: int) -> tuple[int, float, int]:
        """Contacts waiting, the oldest one's wait so far (s) and how many are over threshold."""
        times = self.live.get((queue, channel), [])
        if not times:
            return 0, 0.0, 0
        oldest_s = max(0.0, (self.now_ms - min(times)) / 1000)
        over = sum(1 for t in times if self.now_ms - t > threshold_ms)
        return len(times), oldest_s, over

    def counter(self, name: str) -> int:
        return sum(p.counters.get(name, 0) for p in self.partitions)


def read_view(client: redis.Redis, prefix: str, calendar: Calendar,
              wall_now_ms: int, event_clock: bool) -> View:
    members: set[bytes] = client.smembers(partitions_key(prefix))  # type: ignore[assignment]
    pids = sorted(m.decode() for m in members)
    pipe = client.pipeline(transaction=False)
    for pid in pids:
        for section in SECTIONS:
            pipe.hgetall(partition_key(prefix, pid, section))
    replies = pipe.execute()
    metas: list[PartitionMeta] = []
    raw: list[tuple[PartitionMeta, list[dict[bytes, bytes]]]] = []
    n = len(SECTIONS)
    for i, pid in enumerate(pids):
        meta_raw, *sections = replies[n * i: n * i + n]
        if not meta_raw:
            continue
        meta = _meta(pid, meta_raw)
        metas.append(meta)
        raw.append((meta, sections))
    now_ms = max((m.now_ms for m in metas), default=wall_now_ms) if event_clock else wall_now_ms
    view = View(now_ms=now_ms, windows={w.name: {} for w in REPORTED_WINDOWS}, partitions=metas)
    current = {w.name: calendar.window_start_ms(w, now_ms) for w in REPORTED_WINDOWS}
    agents: list[list[list[str]]] = []
    for meta, (totals, live, hist, agent_lists) in raw:
        agents.extend(orjson.loads(v) for v in agent_lists.values())
        valid = _valid_windows(calendar, current, meta.now_ms)
        for key, value in totals.items():
            window, queue, channel = orjson.loads(key)
            target = view.totals if window == "total" else (
                view.windows[window] if window in valid else None)
            if target is not None:
                _add(target, (queue, channel), orjson.loads(value))
        for key, value in live.items():
            queue, channel = orjson.loads(key)
            entry = orjson.loads(value)
            if entry["w"]:
                view.live.setdefault((queue, channel), []).extend(entry["w"])
            if entry["s"]:
                view.in_service[(queue, channel)] = view.in_service.get((queue, channel), 0) \
                    + entry["s"]
        for key, value in hist.items():
            queue, channel, outcome = orjson.loads(key)
            hkey = (queue, channel, outcome)
            counts = orjson.loads(value)
            existing = view.histograms.get(hkey)
            if existing is None or len(existing) != len(counts):
                view.histograms[hkey] = counts
            else:
                for j, count in enumerate(counts):
                    existing[j] += count
    view.agents = staffing(agents)
    return view


def _valid_windows(calendar: Calendar, current: dict[str, int], partition_now_ms: int) -> set[str]:
    valid = set()
    for spec in REPORTED_WINDOWS:
        if spec.kind is WindowKind.SLIDING:
            ok = partition_now_ms >= current[spec.name]
        else:
            ok = calendar.window_start_ms(spec, partition_now_ms) == current[spec.name]
        if ok:
            valid.add(spec.name)
    return valid


def _add(target: dict[QueueKey, a.Agg], key: QueueKey, agg: a.Agg) -> None:
    existing = target.get(key)
    if existing is None:
        target[key] = agg
    else:
        a.add_into(existing, agg)


def _meta(pid: str, raw: dict[bytes, bytes]) -> PartitionMeta:
    values = {k.decode(): int(v) for k, v in raw.items()}
    highwater = values.pop("highwater", None)
    offset = values.pop("offset", -1)
    now_ms = values.pop("now_ms", 0)
    return PartitionMeta(pid, offset, now_ms, values, highwater)
