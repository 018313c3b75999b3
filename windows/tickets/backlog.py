"""The live backlog: open tickets per queue, status and priority, by age band.

Each key keeps the creation instants of its tickets, sorted; its published entry is
``[count, over band 1, over band 2, ..., oldest created_ms]``, computed at the worker's
clock. A heap says when a key's next ticket crosses a band edge, so time moving costs
O(crossings) and a scrape reads one short entry per key, never a list of tickets.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from typing import Any

Key = tuple[str, str, str]  # (queue, status, priority)


class Backlog:
    def __init__(self, bands_ms: tuple[int, ...]) -> None:
        self.bands_ms = bands_ms  # ascending edges: 4 h, 24 h, 3 d by default
        self.created: dict[Key, list[int]] = {}
        self.now_ms = 0
        self.dirty: set[Key] = set()
        self._next: dict[Key, int] = {}  # key -> when it next crosses an edge
        self._heap: list[tuple[int, Key]] = []

    def add(self, key: Key, created_ms: int) -> None:
        insort(self.created.setdefault(key, []), created_ms)
        self._changed(key)

    def remove(self, key: Key, created_ms: int) -> None:
        times = self.created.get(key)
        if times is None:
            return
        i = bisect_left(times, created_ms)
        if i < len(times) and times[i] == created_ms:
            del times[i]
        if not times:
            del self.created[key]
            self._next.pop(key, None)
            self.dirty.add(key)
        else:
            self._changed(key)

    def _changed(self, key: Key) -> None:
        self.dirty.add(key)
        times = self.created[key]
        crossing = min((times[i] + band for band in self.bands_ms
                        if (i := bisect_left(times, self.now_ms - band + 1)) < len(times)),
                       default=-1)
        if crossing >= 0 and crossing != self._next.get(key):
            self._next[key] = crossing
            heapq.heappush(self._heap, (crossing, key))

    def advance(self, now_ms: int) -> None:
        """Time moved: keys whose tickets crossed an age edge change."""
        if now_ms <= self.now_ms:
            return
        self.now_ms = now_ms
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            at, key = heapq.heappop(heap)
            if self._next.get(key) == at:
                del self._next[key]
                self._changed(key)

    def entry(self, key: Key) -> list[int] | None:
        times = self.created.get(key)
        if not times:
            return None
        over = [bisect_left(times, self.now_ms - band + 1) for band in self.bands_ms]
        return [len(times), *over, times[0]]

    def entries(self, keys: Any) -> dict[Key, list[int] | None]:
        return {key: self.entry(key) for key in keys}
