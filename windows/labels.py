"""Bounds on free-text labels: which queue names become series.

Queue names come from producers, so a producer bug (or a hostile one) could
create a series per event. With an allow-list only those queues are taken (other
events are rejected as ``queue_not_allowed``); without one, the first
``max_queues`` names a partition sees are taken and any later new name folds
into the queue ``other`` (counted in ``queues_folded``). What a partition has
admitted is checkpointed with it, so the mapping never changes under a refold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.config import Limits
from ccpulse.windows.families import RecordKey, RecordSpec

OTHER: Final = "other"
ANY: Final = "*"  # "every queue" in agent events, never a series of its own
LABEL_RECORDS = RecordSpec("labels", 1, ("values",))


class LabelGuard:
    """The guard of queue names, or (``kind`` "agents") of agent names in per-agent series,
    bounded by ``max_agents`` and with no allow-list; or of any other label (ticket
    categories) bounded by ``limit``."""

    def __init__(self, limits: Limits, kind: str = "queues", limit: int | None = None) -> None:
        self.kind = kind
        self.allowlist = limits.queue_allowlist if kind == "queues" else frozenset()
        self.max_queues = limits.max_queues if kind == "queues" else limits.max_agents
        if limit is not None:
            self.max_queues = limit
        self.admitted: set[str] = set()
        self.folded = 0
        self._dirty = False

    def queue(self, name: str) -> str | None:
        """The queue a name is counted under, or None if it is not allowed."""
        if name in self.admitted or name == ANY:
            return name
        if self.allowlist:
            if name not in self.allowlist:
                return None
        elif len(self.admitted) >= self.max_queues:
            self.folded += 1
            return OTHER
        self.admitted.add(name)
        self._dirty = True
        return name

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        if not self._dirty:
            return {}
        self._dirty = False
        return {(LABEL_RECORDS.name, self.kind): [sorted(self.admitted)]}

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        stored = records.get(LABEL_RECORDS.name, {}).get(self.kind)
        if stored:
            self.admitted = set(stored[0])
