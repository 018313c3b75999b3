"""Where partition state is kept: a small protocol and an in-memory store.

A store holds two things per partition: the published view (what the exporter
reads, with the offset it reflects) and the last checkpoint (the view as it was
at an earlier offset, plus buckets and contact records). ``save`` is fenced: it
applies only if the published offset is still the one the caller expects, so a
worker that lost a partition can never overwrite the state of its new owner.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from windows import aggregate as a
from windows.contacts import ContactRecord, HistogramKey, LiveKey
from windows.engine import BucketKey, TotalKey
from windows.partition import Checkpoint, LiveEntry, Published, StoredPartition


@dataclass
class Write:
    """One partition's publication, and its checkpoint if one is due."""

    partition_id: str
    expected_offset: int  # the published offset the writer last saw
    published: Published
    checkpoint: Checkpoint | None = None
    extra_meta: dict[str, int] = field(default_factory=dict)  # such as the high-water mark


class PartitionStore(Protocol):
    def load(self, partition_id: str) -> StoredPartition:
        """The last checkpoint, with the newest published offset."""

    def save(self, writes: Sequence[Write]) -> list[bool]:
        """Apply each write atomically (a publication and, given a checkpoint, that
        publication as the new checkpoint); False where the published offset was no
        longer the expected one, and nothing of that write was applied."""


@dataclass
class View:
    offset: int = -1
    now_ms: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    totals: dict[TotalKey, a.Agg] = field(default_factory=dict)
    histograms: dict[HistogramKey, list[int]] = field(default_factory=dict)
    agents: dict[str, list[list[str]]] = field(default_factory=dict)
    live: dict[LiveKey, LiveEntry] = field(default_factory=dict)


class MemoryStore:
    def __init__(self) -> None:
        self.views: dict[str, View] = {}
        self.checkpoints: dict[str, tuple[View, dict[BucketKey, a.Agg],
                                          dict[str, ContactRecord]]] = {}
        self.extra_meta: dict[str, dict[str, int]] = {}

    def load(self, partition_id: str) -> StoredPartition:
        published = self.views.get(partition_id, View()).offset
        if partition_id not in self.checkpoints:
            return StoredPartition(published_offset=published)
        view, buckets, contacts = self.checkpoints[partition_id]
        view, buckets = copy.deepcopy(view), copy.deepcopy(buckets)
        return StoredPartition(
            offset=view.offset, now_ms=view.now_ms, totals=list(view.totals.items()),
            buckets=list(buckets.items()), contacts={cid: r.copy() for cid, r in contacts.items()},
            histograms=view.histograms,
            counters=view.counters, agents=view.agents, published_offset=published)

    def save(self, writes: Sequence[Write]) -> list[bool]:
        return [self._save(write) for write in writes]

    def _save(self, write: Write) -> bool:
        pid = write.partition_id
        view = self.views.setdefault(pid, View())
        if view.offset != write.expected_offset:
            return False
        published = copy.deepcopy(write.published)
        view.offset, view.now_ms = published.offset, published.now_ms
        view.counters = published.counters
        if published.live_complete:
            view.live.clear()
        for target, changes in ((view.totals, published.totals),
                                (view.histograms, published.histograms),
                                (view.agents, published.agents), (view.live, published.live)):
            _apply(target, changes)
        self.extra_meta.setdefault(pid, {}).update(write.extra_meta)
        if write.checkpoint is not None:
            _, buckets, contacts = self.checkpoints.get(pid, (View(), {}, {}))
            _apply(buckets, copy.deepcopy(write.checkpoint.buckets))
            _apply(contacts, {cid: None if r is None else r.copy()
                              for cid, r in write.checkpoint.contacts.items()})
            self.checkpoints[pid] = (copy.deepcopy(view), buckets, contacts)
        return True


def _apply(target: dict[Any, Any], changes: dict[Any, Any]) -> None:
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
