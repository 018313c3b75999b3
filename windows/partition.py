"""All state derived from one input partition: contacts, windows and counters.

A partition is the unit of ownership: exactly one worker folds a partition's
events at a time, and its state is saved together with the offset it reflects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from windows import aggregate as a
from windows.agents import AGENT_KINDS, AgentRoster
from windows.contacts import APPLIED, DUPLICATE, ContactEvent, ContactRecord, ContactTracker
from windows.engine import BucketKey, TotalKey, WindowSet
from windows.policy import PolicyBook
from windows.timeframes import Calendar

HistogramKey = tuple[str, str, str]  # (queue, channel, outcome)
LiveKey = tuple[str, str]


@dataclass(frozen=True)
class EngineConfig:
    policies: PolicyBook = field(default_factory=PolicyBook)
    calendar: Calendar = field(default_factory=Calendar)
    wait_bounds_s: tuple[float, ...] = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)

    def histogram_bounds_s(self) -> tuple[float, ...]:
        """The wait-time bucket bounds, always including every queue's threshold."""
        return tuple(sorted({*self.wait_bounds_s, *self.policies.thresholds_s()}))


@dataclass
class Changes:
    """What changed since the last drain, ready to be written to a store."""

    offset: int
    now_ms: int
    totals: dict[TotalKey, a.Agg | None]
    buckets: dict[BucketKey, a.Agg | None]
    contacts: dict[str, ContactRecord | None]
    histograms: dict[HistogramKey, list[int]]
    live: dict[LiveKey, dict[str, object]]  # waiting contacts' queue times, in service
    agents: dict[str, list[list[str]] | None]
    counters: dict[str, int]


@dataclass
class StoredPartition:
    """A partition's state as loaded from a store."""

    offset: int = -1
    now_ms: int = 0
    totals: list[tuple[TotalKey, a.Agg]] = field(default_factory=list)
    buckets: list[tuple[BucketKey, a.Agg]] = field(default_factory=list)
    contacts: dict[str, ContactRecord] = field(default_factory=dict)
    histograms: dict[HistogramKey, list[int]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    agents: dict[str, list[list[str]]] = field(default_factory=dict)


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

    def apply(self, event: ContactEvent) -> str:
        """Apply an event; returns ``applied``, ``duplicate`` or the rejection reason."""
        if event.kind in AGENT_KINDS:
            assert event.agent_id is not None
            self.agents.apply(event.kind, event.agent_id, event.queue)
            outcome = APPLIED
        else:
            outcome = self.contacts.apply(event, self.windows)
        if outcome == APPLIED:
            self._count("processed")
        elif outcome == DUPLICATE:
            self._count("duplicates")
        else:
            self.reject(outcome)
        return outcome

    def reject(self, reason: str) -> None:
        self._count(f"rejected:{reason}")

    def observe_newest(self, ts_ms: int) -> None:
        if ts_ms > self.counters.get("newest_event_ms", 0):
            self.counters["newest_event_ms"] = ts_ms

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    def drain(self) -> Changes:
        self.windows.fold()
        tracker = self.contacts
        contacts: dict[str, ContactRecord | None] = {cid: None for cid in tracker.dropped}
        for cid in tracker.dirty:
            contacts[cid] = tracker.record(cid)
        tracker.dirty.clear()
        tracker.dropped.clear()
        histograms = {k: list(tracker.histograms[k]) for k in tracker.dirty_histograms}
        tracker.dirty_histograms.clear()
        self.counters["expired_waiting"] = tracker.expired_waiting
        return Changes(
            offset=self.offset,
            now_ms=self.now_ms,
            totals=self.windows.drain_totals(),
            buckets=self.windows.drain_buckets(),
            contacts=contacts,
            histograms=histograms,
            live=tracker.live(),
            agents=self.agents.drain(),
            counters=dict(self.counters),
        )
