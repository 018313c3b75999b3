"""The live backlog: open tickets per queue, status and priority, by age band, in calendar
and in business time.

Each key keeps the creation instants of its tickets, sorted; its published entry is
``[count, over each band (calendar), over each band (business), oldest created_ms]``,
computed at the worker's clock. A ticket is over a business band once the queue's
calendar has been open that long since it was created: with the latest instant from
which that much open time has passed by now, it is one bisection like the calendar
band. A heap says when a key's next ticket crosses an edge, so time moving costs
O(crossings) and a scrape reads one short entry per key, never a list of tickets.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from functools import lru_cache

from ccpulse.windows.business import BusinessCalendar

Key = tuple[str, str, str]  # (queue, status, priority)
CalendarOf = Callable[[str], BusinessCalendar | None]


@lru_cache(maxsize=65_536)
def _after(calendar: BusinessCalendar, start_ms: int, amount_ms: int) -> int:
    return calendar.add_business_ms(start_ms, amount_ms)


class Backlog:
    def __init__(self, bands_ms: tuple[int, ...], calendar_of: CalendarOf) -> None:
        self.bands_ms = bands_ms  # ascending edges: 4 h, 24 h, 3 d by default
        self.calendar_of = calendar_of
        self.created: dict[Key, list[int]] = {}
        self.now_ms = 0
        self.dirty: set[Key] = set()
        self._next: dict[Key, int] = {}  # key -> when it next crosses an edge
        self._heap: list[tuple[int, Key]] = []
        self._edges: dict[str, list[int]] = {}  # queue -> created at or before: over

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

    def edges(self, queue: str) -> list[int]:
        """The latest creation instant over each band now: calendar bands, then business
        bands (the queue's calendar; calendar time without one)."""
        edges = self._edges.get(queue)
        if edges is None:
            calendar = self.calendar_of(queue)
            now = self.now_ms
            edges = [now - band for band in self.bands_ms]
            edges += [now - band if calendar is None else calendar.sub_business_ms(now, band)
                      for band in self.bands_ms]
            self._edges[queue] = edges
        return edges

    def _changed(self, key: Key) -> None:
        self.dirty.add(key)
        times = self.created[key]
        calendar = self.calendar_of(key[0])
        crossing = -1
        bands = len(self.bands_ms)
        for n, edge in enumerate(self.edges(key[0])):
            i = bisect_left(times, edge + 1)  # the first ticket not over it yet
            if i == len(times):
                continue
            band = self.bands_ms[n % bands]
            at = times[i] + band if n < bands or calendar is None \
                else _after(calendar, times[i], band)
            if crossing < 0 or at < crossing:
                crossing = at
        if crossing >= 0 and crossing != self._next.get(key):
            self._next[key] = crossing
            heapq.heappush(self._heap, (crossing, key))

    def advance(self, now_ms: int) -> None:
        """Time moved: keys whose tickets crossed an age edge change."""
        if now_ms <= self.now_ms:
            return
        self.now_ms = now_ms
        self._edges = {}
        heap = self._heap
        crossed: set[Key] = set()  # each key once, however many of its tickets crossed
        while heap and heap[0][0] <= now_ms:
            at, key = heapq.heappop(heap)
            if self._next.get(key) == at:
                del self._next[key]
                crossed.add(key)
        for key in crossed:
            if key in self.created:
                self._changed(key)

    def entry(self, key: Key) -> list[int] | None:
        times = self.created.get(key)
        if not times:
            return None
        over = [bisect_left(times, edge + 1) for edge in self.edges(key[0])]
        return [len(times), *over, times[0]]

    def entries(self, keys: Iterable[Key]) -> dict[Key, list[int] | None]:
        return {key: self.entry(key) for key in keys}
