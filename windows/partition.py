"""All state derived from one input partition: contacts, windows and counters.

A partition is the unit of ownership: exactly one worker folds a partition's
events at a time. Its state leaves memory in two ways:

- ``publish`` gives what the exporter reads (window totals, waiting contacts,
  histograms, agents, counters) as changed since the last publication, with the
  offset it reflects; this happens after every batch;
- ``checkpoint`` gives the rest of what a restarted worker needs (buckets and
  contact records) as changed since the last checkpoint; this happens every few
  seconds, together with a publication, so that the two describe one offset.

A restarted worker loads the last checkpoint and folds the events after it again
(see ``stream.processor``), so per-contact state is written once per checkpoint
rather than once per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from windows import aggregate as a
from windows.agents import AGENT_KINDS, AgentRoster
from windows.contacts import (
    APPLIED,
    DUPLICATE,
    ContactRecord,
    ContactTracker,
    HistogramKey,
    LiveKey,
)
from windows.engine import BucketKey, TotalKey, WindowSet
from windows.event import Event
from windows.policy import PolicyBook
from windows.timeframes import Calendar

LiveEntry = dict[str, object]


@dataclass(frozen=True)
class EngineConfig:
    policies: PolicyBook = field(default_factory=PolicyBook)
    calendar: Calendar = field(default_factory=Calendar)
    wait_bounds_s: tuple[float, ...] = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)

    def histogram_bounds_s(self) -> tuple[float, ...]:
        """The wait-time bucket bounds, always including every queue's threshold."""
        return tuple(sorted({*self.wait_bounds_s, *self.policies.thresholds_s()}))


@dataclass
class Published:
    """What the exporter reads, as changed since the last publication (``None``: gone)."""

    offset: int
    now_ms: int
    counters: dict[str, int]
    totals: dict[TotalKey, a.Agg | None]
    histograms: dict[HistogramKey, list[int]]
    agents: dict[str, list[list[str]] | None]
    live: dict[LiveKey, LiveEntry | None]
    live_complete: bool  # ``live`` holds every entry: replace what is stored


@dataclass
class Checkpoint:
    """What else a restarted worker needs, as changed since the last checkpoint."""

    buckets: dict[BucketKey, a.Agg | None]
    contacts: dict[str, ContactRecord | None]


@dataclass
class StoredPartition:
    """A partition's last checkpoint, as loaded from a store."""

    offset: int = -1
    now_ms: int = 0
    totals: list[tuple[TotalKey, a.Agg]] = field(default_factory=list)
    buckets: list[tuple[BucketKey, a.Agg]] = field(default_factory=list)
    contacts: dict[str, ContactRecord] = field(default_factory=dict)
    histograms: dict[HistogramKey, list[int]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    agents: dict[str, list[list[str]]] = field(default_factory=dict)
    published_offset: int = -1  # the newest offset published, at or after the checkpoint


class PartitionState:
    def __init__(self, config: EngineConfig, now_ms: int,
                 stored: StoredPartition | None = None) -> None:
        stored = stored or StoredPartition(now_ms=now_ms)
        self.config = config
        bounds_ms = [round(b * 1000) for b in config.histogram_bounds_s()]
        self.contacts = ContactTracker(config.policies, bounds_ms)
        self.windows = WindowSet(config.calendar, max(now_ms, stored.now_ms))
        self.offset = stored.offset
        self.counters: dict[str, int] = dict(stored.counters)
        self.windows.restore(stored.totals, stored.buckets)
        self.contacts.restore(stored.contacts, stored.histograms,
                              self.counters.get("expired_waiting", 0))
        self.agents = AgentRoster()
        self.agents.restore(stored.agents.items())
        self._published_live: dict[LiveKey, LiveEntry] | None = None  # unknown after a load

    @property
    def now_ms(self) -> int:
        return self.windows.now_ms

    def advance(self, now_ms: int) -> None:
        """Move the windows to ``now_ms``; do this before applying a batch."""
        self.windows.advance(now_ms)

    def expire(self) -> None:
        """Forget contacts past their time; do this after applying a batch, so that a
        batch spanning hours of event time cannot expire a wait its own events end."""
        self.contacts.expire(self.windows.now_ms)

    def apply(self, events: Sequence[Event]) -> list[tuple[int, str]]:
        """Apply events in order; returns the position and reason of each one rejected."""
        rejected: list[tuple[int, str]] = []
        applied = duplicates = 0
        for i, event in enumerate(events):
            if event.kind in AGENT_KINDS:
                assert event.agent_id is not None
                self.agents.apply(event.kind, event.agent_id, event.queue)
                outcome = APPLIED
            else:
                outcome = self.contacts.apply(event, self.windows)
            if outcome == APPLIED:
                applied += 1
            elif outcome == DUPLICATE:
                duplicates += 1
            else:
                self.reject(outcome)
                rejected.append((i, outcome))
        counters = self.counters
        if applied:
            counters["processed"] = counters.get("processed", 0) + applied
        if duplicates:
            counters["duplicates"] = counters.get("duplicates", 0) + duplicates
        return rejected

    def observe_newest(self, ts_ms: int) -> None:
        if ts_ms > self.counters.get("newest_event_ms", 0):
            self.counters["newest_event_ms"] = ts_ms

    def reject(self, reason: str) -> None:
        name = f"rejected:{reason}"
        self.counters[name] = self.counters.get(name, 0) + 1

    def publish(self) -> Published:
        self.windows.fold()
        tracker = self.contacts
        histograms = {k: tracker.histogram(k) for k in tracker.dirty_histograms}
        tracker.dirty_histograms.clear()
        self.counters["expired_waiting"] = tracker.expired_waiting
        live = tracker.live()
        previous = self._published_live
        if previous is None:
            changed: dict[LiveKey, LiveEntry | None] = dict(live)
        else:
            changed = {k: v for k, v in live.items() if previous.get(k) != v}
            changed.update((k, None) for k in previous.keys() - live.keys())
        self._published_live = live
        return Published(
            offset=self.offset,
            now_ms=self.now_ms,
            counters=dict(self.counters),
            totals=self.windows.drain_totals(),
            histograms=histograms,
            agents=self.agents.drain(),
            live=changed,
            live_complete=previous is None,
        )

    def checkpoint(self) -> Checkpoint:
        """Buckets and contacts changed since the last checkpoint; take it together with
        a publication, so that it describes the same offset."""
        self.windows.fold()
        tracker = self.contacts
        contacts: dict[str, ContactRecord | None] = dict.fromkeys(tracker.dropped)
        for cid in tracker.dirty:
            record = tracker.record(cid)
            if record is not None:
                record.stored = True
                contacts[cid] = record
        tracker.dirty.clear()
        tracker.dropped.clear()
        return Checkpoint(buckets=self.windows.drain_buckets(), contacts=contacts)
