"""Credits grouped by local day, for reports over a whole file of events.

A :class:`DayTotals` stands in for the window engine: every credit goes to the
local day of its time, summed over channels (and over queues unless asked not
to), so a contact counts on the day it left the queue, however late its end
arrives.
"""

from __future__ import annotations

from collections.abc import Mapping

from ccpulse.windows.engine import WindowSet
from ccpulse.windows.families import FamilySpec, SeriesKey, Vec
from ccpulse.windows.timeframes import Calendar

ALL = "*"


class DayTotals(WindowSet):
    def __init__(self, calendar: Calendar, families: Mapping[str, FamilySpec],
                 by_queue: bool) -> None:
        super().__init__(calendar, (), families, 0)
        self.by_queue = by_queue
        self.rows: dict[tuple[str, SeriesKey], Vec] = {}  # (day, series) -> values
        self._days: dict[int, str] = {}

    def slot(self, series: SeriesKey, ts_ms: int) -> Vec:
        minute = ts_ms - ts_ms % 60_000
        day = self._days.get(minute)
        if day is None:
            day = self._days[minute] = self.calendar.day_label(minute)
        # over every channel (and the site's series, which have no queue, under ALL)
        series = (series[0], series[1] if self.by_queue and len(series) > 1 else ALL)
        values = self.rows.get((day, series))
        if values is None:
            values = self.rows[(day, series)] = self.families[series[0]].empty()
        return values

    def fold(self) -> None:
        return None

    def advance(self, now_ms: int) -> None:
        self.now_ms = max(self.now_ms, now_ms)
