"""Time sources: the wall clock for live use, the event clock for replays."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar


class Clock(Protocol):
    @property
    def follows_events(self) -> bool:
        """Whether events move this clock (the event clock) or not (the wall clock)."""

    def observe(self, ts_ms: int) -> None:
        """Tell the clock an event with this time was seen."""

    def now_ms(self) -> int: ...


class WallClock:
    follows_events = False

    def observe(self, ts_ms: int) -> None:
        return None

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class EventClock:
    """"Now" is the newest event time seen so far."""

    follows_events = True

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def observe(self, ts_ms: int) -> None:
        if ts_ms > self._now_ms:
            self._now_ms = ts_ms

    def now_ms(self) -> int:
        return self._now_ms


def clock_factory(kind: str) -> Callable[[], Clock]:
    """New clocks of a kind: wall clocks are all one, event clocks each their own."""
    if kind == "wall":
        wall = WallClock()
        return lambda: wall
    if kind == "event":
        return EventClock
    raise ValueError(f"unknown clock {kind!r}: expected 'wall' or 'event'")


T = TypeVar("T")


class Held:
    """A record the guard holds, with the votes on it so far."""

    __slots__ = ("candidate", "confirms", "item", "refutes", "ts_ms")

    def __init__(self, item: Any, ts_ms: int | None, candidate: bool) -> None:
        self.item = item
        self.ts_ms = ts_ms
        self.candidate = candidate  # ahead of event time when it came: waits for a verdict
        self.confirms = 0
        self.refutes = 0


class AheadGuard(Generic[T]):
    """Keeps one bad record from moving event time.

    On the event clock, "now" is the newest event time let through. A record further
    ahead of it than the tolerance is a *candidate*: it is held, and everything after
    it waits behind it in order. Each later record with a time votes on the candidates
    before it: one that goes on from about the candidate's time or later (no more than
    the tolerance before it) confirms it; one that goes on from an earlier time refutes
    it. ``confirmations - 1`` votes either way decide: a confirmed candidate is let
    through and moves time (a quiet night, a weekend), a refuted one is refused as an
    outlier (``ts_in_future``). Records without a time (unreadable ones) wait in line
    and do not vote. At ``end`` (and when more than ``max_held`` records wait) a
    candidate not yet confirmed is refused.
    """

    def __init__(self, tolerance_ms: int, confirmations: int = 3, now_ms: int = 0,
                 max_held: int = 10_000) -> None:
        self.tolerance_ms = tolerance_ms
        self.votes = max(0, confirmations - 1)
        self.max_held = max_held
        self.now_ms = now_ms
        self.held: list[Held] = []

    def passes(self, ts_ms: int) -> bool:
        """Whether a record at ``ts_ms`` goes straight on, as ``offer`` would let it (nothing
        is held and it is not too far ahead): the common case, without a list to build."""
        if self.held:
            return False
        if self.now_ms <= 0 or ts_ms <= self.now_ms + self.tolerance_ms or not self.votes:
            if ts_ms > self.now_ms:  # a partition's first record sets its time
                self.now_ms = ts_ms
            return True
        return False

    def offer(self, item: T, ts_ms: int | None) -> list[tuple[T, bool]]:
        """What goes on now, in order, each with whether it is refused as an outlier."""
        tolerance = self.tolerance_ms
        if not self.held and (ts_ms is None or self.passes(ts_ms)):
            return [(item, False)]
        if ts_ms is not None:
            for held in self.held:
                if held.candidate and held.ts_ms is not None:
                    if ts_ms < held.ts_ms - tolerance:
                        held.refutes += 1
                    else:
                        held.confirms += 1
        candidate = ts_ms is not None and ts_ms > self.now_ms + tolerance
        self.held.append(Held(item, ts_ms, candidate))
        return self._release(final=len(self.held) > self.max_held)

    def end(self) -> list[tuple[T, bool]]:
        """No more input for now: decide everything held by the votes it has."""
        return self._release(final=True)

    def _release(self, final: bool) -> list[tuple[T, bool]]:
        out: list[tuple[T, bool]] = []
        held, votes = self.held, self.votes
        released = 0
        for entry in held:
            refused = False
            if entry.candidate:
                assert entry.ts_ms is not None
                if entry.ts_ms <= self.now_ms + self.tolerance_ms:
                    pass  # time has caught up with it
                elif entry.confirms >= votes:
                    pass
                elif entry.refutes >= votes:
                    refused = True
                elif final:
                    refused = True  # never confirmed
                else:
                    break
            released += 1
            out.append((entry.item, refused))
            if not refused and entry.ts_ms is not None and entry.ts_ms > self.now_ms:
                self.now_ms = entry.ts_ms
        del held[:released]
        return out
