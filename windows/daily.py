"""Credits grouped by local day, for reports over a whole file of events.

A :class:`DayTotals` stands in for the window engine: every credit goes to the
local day of its time, summed over the labels the report does not group by
(channel, or queue and channel), so a contact counts on the day it left the
queue, however late its end arrives.
"""

from __future__ import annotations

from collections.abc import Mapping

from ccpulse.windows.engine import WindowSet
from ccpulse.windows.families import FamilySpec, SeriesKey, Vec
from ccpulse.windows.timeframes import Calendar

ALL = "*"
DAY_MS = 86_400_000
MINUTE_CREDIT_DAYS = 7  # agent time further back than this is credited in one piece


class DayTotals(WindowSet):
    def __init__(self, calendar: Calendar, families: Mapping[str, FamilySpec],
                 labels_kept: int, kept_by_family: Mapping[str, int] | None = None) -> None:
        """``labels_kept``: how many of a series' labels (queue, channel) make a row;
        the rest are summed, and a series with fewer labels (the site's) gets ``ALL``.
        ``kept_by_family``: another number for some families (all of a ticket's)."""
        super().__init__(calendar, (), families, 0)
        self.labels_kept = labels_kept
        self.kept_by_family = dict(kept_by_family or {})
        self.rows: dict[tuple[str, SeriesKey], Vec] = {}  # (day, series) -> values
        self._days: dict[int, str] = {}
        self._move_earliest_start()

    def _move_earliest_start(self) -> None:
        """Every day is a window here; a span longer than a week (an agent who sent
        nothing for days) goes to its first day in one piece."""
        self.earliest_start_ms = self.now_ms - MINUTE_CREDIT_DAYS * DAY_MS

    def slot(self, series: SeriesKey, ts_ms: int) -> Vec:
        minute = ts_ms - ts_ms % 60_000
        day = self._days.get(minute)
        if day is None:
            day = self._days[minute] = self.calendar.day_label(minute)
        labels_kept = self.kept_by_family.get(series[0], self.labels_kept)
        kept = series[1:1 + labels_kept]
        series = (series[0], *kept, *(ALL,) * (max(labels_kept, 1) - len(kept)))
        values = self.rows.get((day, series))
        if values is None:
            values = self.rows[(day, series)] = self.families[series[0]].empty()
        return values

    def fold(self) -> None:
        return None

    def advance(self, now_ms: int) -> None:
        self.now_ms = max(self.now_ms, now_ms)
        self._move_earliest_start()
