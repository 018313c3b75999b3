"""Where partition state is kept: a small protocol and an in-memory store.

``save`` is fenced: it applies only if the stored offset is still the one the
caller loaded, so a worker that lost a partition can never overwrite the state
of its new owner.
"""

from __future__ import annotations

import copy
from typing import Protocol

from windows.partition import Changes, StoredPartition


class PartitionStore(Protocol):
    def load(self, partition_id: str) -> StoredPartition: ...

    def save(self, partition_id: str, expected_offset: int, changes: Changes,
             extra_meta: dict[str, int] | None = None) -> bool:
        """Apply the changes atomically; False if the stored offset moved meanwhile.

        ``extra_meta`` holds figures about the input (such as its high-water mark)
        kept beside the counters.
        """


class MemoryStore:
    def __init__(self) -> None:
        self.partitions: dict[str, StoredPartition] = {}
        self.extra_meta: dict[str, dict[str, int]] = {}

    def load(self, partition_id: str) -> StoredPartition:
        return copy.deepcopy(self.partitions.get(partition_id, StoredPartition()))

    def save(self, partition_id: str, expected_offset: int, changes: Changes,
             extra_meta: dict[str, int] | None = None) -> bool:
        stored = self.partitions.setdefault(partition_id, StoredPartition())
        if stored.offset != expected_offset:
            return False
        totals = dict(stored.totals)
        totals.update(changes.totals)  # type: ignore[arg-type]
        stored.totals = [(k, list(v)) for k, v in totals.items() if v is not None]
        buckets = dict(stored.buckets)
        buckets.update(changes.buckets)  # type: ignore[arg-type]
        stored.buckets = [(k, list(v)) for k, v in buckets.items() if v is not None]
        for cid, record in changes.contacts.items():
            if record is None:
                stored.contacts.pop(cid, None)
            else:
                stored.contacts[cid] = copy.deepcopy(record)
        stored.histograms.update(copy.deepcopy(changes.histograms))
        for agent, lists in changes.agents.items():
            if lists is None:
                stored.agents.pop(agent, None)
            else:
                stored.agents[agent] = copy.deepcopy(lists)
        stored.counters = dict(changes.counters)
        self.extra_meta.setdefault(partition_id, {}).update(extra_meta or {})
        stored.offset = changes.offset
        stored.now_ms = changes.now_ms
        return True
