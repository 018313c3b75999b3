"""Where partition state is kept: a small protocol and an in-memory store.

A store holds two things per partition: the published view (what the exporter
reads, with the offset it reflects) and the last checkpoint (the view as it was
at an earlier offset, plus buckets and records). ``save`` is fenced: it applies
only if the published offset is still the one the caller expects, so a worker
that lost a partition can never overwrite the state of its new owner.
``ccpulse.state.redis_store`` keeps the same contract in Redis.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ccpulse.windows.domain import LiveKey, RecordKey
from ccpulse.windows.engine import BucketKey, TotalKey
from ccpulse.windows.families import Vec
from ccpulse.windows.histograms import Histogram, HistogramKey
from ccpulse.windows.partition import Checkpoint, Published, StoredPartition


@dataclass
class Write:
    """One partition's publication, and its checkpoint if one is due."""

    partition_id: str
    expected_offset: int  # the published offset the writer last saw
    published: Published
    checkpoint: Checkpoint | None = None
    extra_meta: dict[str, int] = field(default_factory=dict)  # such as the high-water mark
    reset: bool = False  # replace everything stored for the partition (it was unreadable)


class PartitionStore(Protocol):
    def load(self, partition_id: str) -> StoredPartition:
        """The last checkpoint, with the newest published offset."""

    def prepare(self, writes: Sequence[Write]) -> Any:
        """The writes encoded for ``execute``: after this, the caller may change the state
        the writes were taken from."""

    def execute(self, prepared: Any) -> list[bool]:
        """Apply each write atomically (a publication and, given a checkpoint, that
        publication as the new checkpoint); False where the published offset was no
        longer the expected one, and nothing of that write was applied. May run on
        another thread than ``prepare``."""

    def view(self, partition_id: str) -> View:
        """The published view, as a reader sees it."""


@dataclass
class View:
    offset: int = -1
    now_ms: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    totals: dict[TotalKey, Vec] = field(default_factory=dict)
    histograms: dict[HistogramKey, Histogram] = field(default_factory=dict)
    live: dict[LiveKey, Any] = field(default_factory=dict)


class MemoryStore:
    def __init__(self) -> None:
        self.views: dict[str, View] = {}
        self.checkpoints: dict[str, tuple[View, dict[BucketKey, Vec],
                                          dict[RecordKey, list[Any]]]] = {}
        self.extra_meta: dict[str, dict[str, int]] = {}

    def view(self, partition_id: str) -> View:
        return copy.deepcopy(self.views.get(partition_id, View()))

    def load(self, partition_id: str) -> StoredPartition:
        published = self.views.get(partition_id, View()).offset
        if partition_id not in self.checkpoints:
            return StoredPartition(published_offset=published)
        view, buckets, records = copy.deepcopy(self.checkpoints[partition_id])
        by_spec: dict[str, dict[str, list[Any]]] = {}
        for (spec, entity), values in records.items():
            by_spec.setdefault(spec, {})[entity] = values
        return StoredPartition(
            offset=view.offset, now_ms=view.now_ms, totals=list(view.totals.items()),
            buckets=list(buckets.items()), histograms=list(view.histograms.items()),
            records=by_spec, counters=view.counters, published_offset=published)

    def prepare(self, writes: Sequence[Write]) -> list[Write]:
        return copy.deepcopy(list(writes))

    def execute(self, prepared: list[Write]) -> list[bool]:
        return [self._save(write) for write in prepared]

    def save(self, writes: Sequence[Write]) -> list[bool]:
        return self.execute(self.prepare(writes))

    def _save(self, write: Write) -> bool:
        pid = write.partition_id
        view = self.views.setdefault(pid, View())
        if view.offset != write.expected_offset:
            return False
        if write.reset:
            view = self.views[pid] = View()
            self.checkpoints.pop(pid, None)
        published = write.published
        view.offset, view.now_ms = published.offset, published.now_ms
        view.counters = published.counters
        if published.complete:
            view.live.clear()
            view.totals.clear()
        _apply(view.totals, published.totals)
        view.histograms.update(published.histograms)
        _apply(view.live, published.live)
        self.extra_meta.setdefault(pid, {}).update(write.extra_meta)
        if write.checkpoint is not None:
            _, buckets, records = self.checkpoints.get(pid, (View(), {}, {}))
            _apply(buckets, write.checkpoint.buckets)
            _apply(records, write.checkpoint.records)
            self.checkpoints[pid] = (copy.deepcopy(view), buckets, records)
        return True


def _apply(target: dict[Any, Any], changes: dict[Any, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
