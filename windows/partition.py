"""All state derived from one input partition: every domain's records, windows, counters.

A partition is the unit of ownership: exactly one worker folds a partition's
events at a time. Its state leaves memory in two ways:

- ``publish`` gives what the exporter reads (window totals, live entries,
  histograms, counters) as changed since the last publication, with the offset
  it reflects; this happens after every batch;
- ``checkpoint`` gives the rest of what a restarted worker needs (buckets and
  records) as changed since the last checkpoint; this happens every few
  seconds, together with a publication, so that the two describe one offset.

A restarted worker loads the last checkpoint and folds the events after it again
(see ``stream.processor``), so per-contact state is written once per checkpoint
rather than once per event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ccpulse.windows.domain import Context, DomainState, LiveKey, RecordKey
from ccpulse.windows.engine import BucketKey, TotalKey, WindowSet
from ccpulse.windows.events import Event
from ccpulse.windows.families import Vec
from ccpulse.windows.histograms import Histogram, HistogramKey, Histograms
from ccpulse.windows.labels import LABEL_RECORDS, LabelGuard
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.registry import Registry

# an event applied after events more than this much newer is counted late
LATE_AFTER_MS: Final = 300_000

LAYOUT_VERSION = 2  # of the stored state as a whole (see ``ccpulse.state.layout``)


@dataclass
class Published:
    """What the exporter reads, as changed since the last publication (``None``: gone)."""

    offset: int
    now_ms: int
    counters: dict[str, int]
    totals: dict[TotalKey, Vec | None]
    histograms: dict[HistogramKey, Histogram]
    live: dict[LiveKey, Any]
    # ``live`` and ``totals`` hold every entry: replace what is stored (after a take-up,
    # what a worker published before its stop may hold entries this one never makes again)
    complete: bool
    schema: dict[str, Any] | None = None  # with a complete publication: how to read it


@dataclass
class Checkpoint:
    """What else a restarted worker needs, as changed since the last checkpoint."""

    buckets: dict[BucketKey, Vec | None]
    records: dict[RecordKey, list[Any] | None]


@dataclass
class StoredPartition:
    """A partition's last checkpoint, as loaded from a store and read into the current
    field orders; ``problems`` says what could not be read and starts again empty."""

    offset: int = -1
    now_ms: int = 0
    totals: list[tuple[TotalKey, Vec]] = field(default_factory=list)
    buckets: list[tuple[BucketKey, Vec]] = field(default_factory=list)
    histograms: list[tuple[HistogramKey, Histogram]] = field(default_factory=list)
    records: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    published_offset: int = -1  # the newest offset published, at or after the checkpoint
    problems: list[str] = field(default_factory=list)
    # not empty: what is stored cannot be read (its layout or a version); the partition
    # starts again from its first offset and its first save replaces everything stored
    reset_reason: str = ""


def schema(registry: Registry) -> dict[str, Any]:
    """Everything a reader needs to interpret the stored values."""
    out: dict[str, Any] = {"layout": LAYOUT_VERSION}
    for name, family in registry.families.items():
        out[f"family:{name}"] = family.schema()
    for name, record in registry.records.items():
        out[f"record:{name}"] = record.schema()
    out[f"record:{LABEL_RECORDS.name}"] = LABEL_RECORDS.schema()
    return out


class PartitionState:
    def __init__(self, registry: Registry, now_ms: int,
                 stored: StoredPartition | None = None) -> None:
        stored = stored or StoredPartition(now_ms=now_ms)
        self.registry = registry
        self.windows = WindowSet(registry.config.calendar, registry.windows, registry.families,
                                 max(now_ms, stored.now_ms))
        self.histograms = Histograms(registry.histograms.values())
        self.offset = stored.offset
        self.counters: dict[str, int] = dict(stored.counters)
        self.queues = LabelGuard(registry.config.limits)
        self.queues.restore(stored.records)
        self.agents = LabelGuard(registry.config.limits, "agents")
        self.agents.restore(stored.records)
        self.ctx = Context(self.windows, self.histograms, self.queues, self.counters,
                           agents=self.agents)
        self.states: list[DomainState] = [d.new_state(self.ctx) for d in registry.domains]
        self.windows.restore(stored.totals, stored.buckets)
        self.notes = list(stored.problems)
        resets = self.histograms.restore(stored.histograms)
        if resets:
            self.ctx.count("histogram_resets", len(resets))
            self.notes.extend(f"histogram {r}: started again" for r in resets)
        for state in self.states:
            state.restore(stored.records)
        self._appliers: list[Callable[[Event], str]] = [s.apply for s in self.states]
        self.position = 0  # of the event being applied, in the batch given to ``apply``
        # the newest event time applied so far, by which lateness is judged
        self._stream_ms = self.counters.get("newest_event_ms", 0)
        self._complete = True  # the next publication replaces what is stored

    @property
    def now_ms(self) -> int:
        return self.windows.now_ms

    def advance(self, now_ms: int) -> None:
        """Move the windows to ``now_ms``; do this before applying a batch."""
        self.windows.advance(now_ms)

    def expire(self) -> None:
        """Let every domain act on the time (forget, settle, time out); do this after
        applying a batch, so that a batch spanning hours of event time cannot expire a
        wait its own events end."""
        now_ms = self.windows.now_ms
        for state in self.states:
            state.advance(now_ms)

    def apply(self, events: Sequence[Event]) -> list[tuple[int, str]]:
        """Apply events in order; returns the position and reason of each one rejected.
        If a domain raises, ``position`` is the event that made it raise."""
        rejected: list[tuple[int, str]] = []
        applied = duplicates = late = 0
        appliers = self._appliers
        ctx = self.ctx
        stream_ms = self._stream_ms
        for i, event in enumerate(events):
            self.position = ctx.position = i
            outcome = appliers[event.domain](event)
            ts_ms = event.ts_ms
            if outcome == APPLIED:
                applied += 1
                if ts_ms < stream_ms - LATE_AFTER_MS:
                    late += 1
            elif outcome == DUPLICATE:
                duplicates += 1
            else:
                self.reject(outcome)
                rejected.append((i, outcome))
            if ts_ms > stream_ms:
                stream_ms = ts_ms
        self._stream_ms = stream_ms
        ctx.position = -1
        counters = self.counters
        if self.queues.folded:
            counters["queues_folded"] = counters.get("queues_folded", 0) + self.queues.folded
            self.queues.folded = 0
        if self.agents.folded:
            counters["agents_folded"] = counters.get("agents_folded", 0) + self.agents.folded
            self.agents.folded = 0
        if applied:
            counters["processed"] = counters.get("processed", 0) + applied
        if duplicates:
            counters["duplicates"] = counters.get("duplicates", 0) + duplicates
        if late:
            counters["late"] = counters.get("late", 0) + late
        return rejected

    def observe_newest(self, ts_ms: int) -> None:
        if ts_ms > self.counters.get("newest_event_ms", 0):
            self.counters["newest_event_ms"] = ts_ms

    def reject(self, reason: str) -> None:
        name = f"rejected:{reason}"
        self.counters[name] = self.counters.get(name, 0) + 1

    def publish(self) -> Published:
        self.windows.fold()
        complete = self._complete
        self._complete = False
        live: dict[LiveKey, Any] = {}
        for state in self.states:
            live.update(state.live_all() if complete else state.live_changes())
        return Published(
            offset=self.offset,
            now_ms=self.now_ms,
            counters=dict(self.counters),
            totals=self.windows.drain_totals(every=complete),
            histograms=self.histograms.drain(),
            live=live,
            complete=complete,
            schema=schema(self.registry) if complete else None,
        )

    def checkpoint(self) -> Checkpoint:
        """Buckets and records changed since the last checkpoint; take it together with
        a publication, so that it describes the same offset."""
        self.windows.fold()
        records: dict[RecordKey, list[Any] | None] = self.queues.record_changes()
        records.update(self.agents.record_changes())
        for state in self.states:
            records.update(state.record_changes())
        return Checkpoint(buckets=self.windows.drain_buckets(), records=records)
