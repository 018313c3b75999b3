"""Time sources: the wall clock for live use, the event clock for replays."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def observe(self, ts_ms: int) -> None:
        """Tell the clock an event with this time was seen."""

    def now_ms(self) -> int: ...


class WallClock:
    def observe(self, ts_ms: int) -> None:
        return None

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class EventClock:
    """"Now" is the newest event time seen so far."""

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
