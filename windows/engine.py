"""Rolling windows over one-minute buckets, kept as running totals, for every family.

Each window's total is the sum of the buckets from the window's start up to now
(see ``timeframes``). Credits are gathered per batch, then folded into the
buckets and into every window of the credit's family whose start they are not
before (a bucket's credits that add up to nothing change nothing, and make no
total: an all-zero total is no total). When time moves, a sliding window
subtracts the minutes that left it, a day window the days that left it, and
``interval`` and ``today`` start again from zero. Reading a window is therefore a
single lookup, whatever its length and however many events it holds.

A series is a family name plus its label values, such as
``("contact", "sales", "voice")``. Credits later than ``now`` are taken as
happening now; minute buckets are kept as long as the longest sliding window
needs them, day buckets as long as the longest day window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ccpulse.windows.families import (
    FamilySpec,
    SeriesKey,
    Vec,
    add_into,
    canonical,
    is_empty,
    subtract_into,
)
from ccpulse.windows.timeframes import (
    BUCKET_MS,
    NEVER_MS,
    Calendar,
    WindowKind,
    WindowSpec,
    bucket_of,
)

TotalKey = tuple[str, SeriesKey]  # (window, series)
BucketKey = tuple[str, SeriesKey, int]  # ("m" or "d", series, bucket start ms)
MINUTE = "m"
DAY = "d"


class WindowSet:
    def __init__(self, calendar: Calendar, windows: tuple[WindowSpec, ...],
                 families: Mapping[str, FamilySpec], now_ms: int) -> None:
        self.calendar = calendar
        self.windows = windows
        self.families = dict(families)
        self.now_ms = now_ms
        self.starts = calendar.window_starts(windows, now_ms)
        self.earliest_start_ms = _earliest(self.starts, now_ms)
        kinds = {w.name: w.kind for w in windows}
        self._sliding = {name: any(kinds.get(w) is WindowKind.SLIDING for w in f.windows)
                         for name, f in self.families.items()}
        self._daily = {name: any(kinds.get(w) is WindowKind.DAYS for w in f.windows)
                       for name, f in self.families.items()}
        self._longest_sliding_ms = max((w.length_ms for w in windows
                                        if w.kind is WindowKind.SLIDING), default=BUCKET_MS)
        self._longest_days = max((w.days for w in windows if w.kind is WindowKind.DAYS),
                                 default=1)
        self.minutes: dict[SeriesKey, dict[int, Vec]] = {}
        self.days: dict[SeriesKey, dict[int, Vec]] = {}
        self.totals: dict[str, dict[SeriesKey, Vec]] = {w.name: {} for w in windows}
        self.pending: dict[SeriesKey, dict[int, Vec]] = {}
        self.dirty_totals: set[TotalKey] = set()  # window totals changed since the last drain
        self.dirty_buckets: set[BucketKey] = set()
        self._pruned_before: dict[str, int] = {}  # per granularity, the last prune's bound

    @property
    def oldest_kept_minute_ms(self) -> int:
        return bucket_of(self.now_ms) - self._longest_sliding_ms + BUCKET_MS

    @property
    def oldest_kept_day_ms(self) -> int:
        return self.calendar.day_start_ms(self.now_ms, self._longest_days - 1)

    # -- credits ---------------------------------------------------------------
    def slot(self, series: SeriesKey, ts_ms: int) -> Vec:
        """The vector a credit to ``series`` at ``ts_ms`` adds into (``series`` best a
        canonical tuple, see ``families.canonical``)."""
        if ts_ms > self.now_ms:
            ts_ms = self.now_ms
        bucket = ts_ms - ts_ms % BUCKET_MS  # bucket_of, inline: once per credit
        per_bucket = self.pending.get(series)
        if per_bucket is None:
            per_bucket = self.pending[series] = {}
        values = per_bucket.get(bucket)
        if values is None:
            values = per_bucket[bucket] = self.families[series[0]].empty()
        return values

    def fold(self) -> None:
        """Add the pending credits to the buckets and window totals."""
        if not self.pending:
            return
        oldest_minute = self.oldest_kept_minute_ms
        oldest_day = self.oldest_kept_day_ms
        day_of: dict[int, int] = {}
        starts = self.starts
        dirty = self.dirty_totals
        for series, per_bucket in self.pending.items():
            family = self.families[series[0]]
            for bucket, delta in per_bucket.items():
                if is_empty(delta):  # credits that cancel out (an agent's time corrected)
                    continue
                if self._sliding[family.name] and bucket >= oldest_minute:
                    self._add_bucket(self.minutes, MINUTE, series, bucket, delta)
                if self._daily[family.name]:
                    day = day_of.get(bucket)
                    if day is None:
                        day = day_of[bucket] = self.calendar.day_start_ms(bucket)
                    if day >= oldest_day:
                        self._add_bucket(self.days, DAY, series, day, delta)
                for window in family.windows:
                    if starts[window] <= bucket:
                        dirty.add((window, series))
                        totals = self.totals[window]
                        total = totals.get(series)
                        if total is None:
                            totals[series] = list(delta)
                        else:
                            add_into(total, delta)
        self.pending = {}

    def _add_bucket(self, buckets: dict[SeriesKey, dict[int, Vec]], granularity: str,
                    series: SeriesKey, start: int, delta: Vec) -> None:
        per_series = buckets.get(series)
        if per_series is None:
            per_series = buckets[series] = {}
        values = per_series.get(start)
        if values is None:
            per_series[start] = list(delta)
        else:
            add_into(values, delta)
        self.dirty_buckets.add((granularity, series, start))

    # -- time --------------------------------------------------------------------
    def advance(self, now_ms: int) -> None:
        """Move "now" forward (never back), retiring what left each window."""
        self.fold()
        if now_ms <= self.now_ms:
            return
        new_starts = self.calendar.window_starts(self.windows, now_ms)
        for spec in self.windows:
            old, new = self.starts[spec.name], new_starts[spec.name]
            if new == old:
                continue
            if spec.kind is WindowKind.SLIDING:
                self._retire(spec.name, self.minutes, old, new)
            elif spec.kind is WindowKind.DAYS:
                self._retire(spec.name, self.days, old, new)
            else:
                self._reset(spec.name)
        self.now_ms = now_ms
        self.starts = new_starts
        self.earliest_start_ms = _earliest(new_starts, now_ms)
        self._prune(self.minutes, MINUTE, self.oldest_kept_minute_ms)
        self._prune(self.days, DAY, self.oldest_kept_day_ms)

    def _retire(self, window: str, buckets: dict[SeriesKey, dict[int, Vec]], old_start: int,
                new_start: int) -> None:
        totals = self.totals[window]
        dirty = self.dirty_totals
        for series in list(totals):
            total = totals[series]
            left = False
            for start, values in buckets.get(series, {}).items():
                if old_start <= start < new_start:
                    subtract_into(total, values)
                    left = True
            if left:
                dirty.add((window, series))
                if is_empty(total):
                    del totals[series]

    def _reset(self, window: str) -> None:
        totals = self.totals[window]
        self.dirty_totals.update((window, series) for series in totals)
        totals.clear()

    def _prune(self, buckets: dict[SeriesKey, dict[int, Vec]], granularity: str,
               oldest_kept: int) -> None:
        """Drop the buckets before ``oldest_kept`` (each series is looked at only when
        the bound moves: a new bucket is never older than it)."""
        if self._pruned_before.get(granularity) == oldest_kept:
            return
        self._pruned_before[granularity] = oldest_kept
        for series in list(buckets):
            per_series = buckets[series]
            if per_series and min(per_series) < oldest_kept:
                for start in [s for s in per_series if s < oldest_kept]:
                    del per_series[start]
                    self.dirty_buckets.add((granularity, series, start))
            if not per_series:
                del buckets[series]

    # -- reading and persistence ----------------------------------------------------
    def total(self, window: str, series: SeriesKey) -> Vec:
        return self.totals[window].get(series) or self.families[series[0]].empty()

    def drain_totals(self, every: bool = False) -> dict[TotalKey, Vec | None]:
        """Every window total changed since the last drain (None: gone); with ``every``,
        every window total there is."""
        totals = self.totals
        out: dict[TotalKey, Vec | None]
        if every:
            out = {(window, series): values for window, by_series in totals.items()
                   for series, values in by_series.items()}
        else:
            out = {key: totals[key[0]].get(key[1]) for key in self.dirty_totals}
        self.dirty_totals = set()
        return out

    def drain_buckets(self) -> dict[BucketKey, Vec | None]:
        out: dict[BucketKey, Vec | None] = {}
        for key in self.dirty_buckets:
            granularity, series, start = key
            buckets = self.minutes if granularity == MINUTE else self.days
            out[key] = buckets.get(series, {}).get(start)
        self.dirty_buckets.clear()
        return out

    def restore(self, totals: Iterable[tuple[TotalKey, Vec]],
                buckets: Iterable[tuple[BucketKey, Vec]]) -> None:
        """Take up stored totals and buckets; those of a window (or bucket size) their
        family no longer keeps (saved by a version that kept it) are left out and drained
        as gone, so that the next save deletes them from the store."""
        self._pruned_before.clear()
        for (window, series), values in totals:
            family = self.families.get(series[0])
            if family is None or window not in self.totals:
                continue
            if window in family.windows:
                self.totals[window][canonical(series)] = values
            else:
                self.dirty_totals.add((window, canonical(series)))
        for (granularity, series, start), values in buckets:
            family = self.families.get(series[0])
            if family is None:
                continue
            kept = self._sliding if granularity == MINUTE else self._daily
            if kept[family.name]:
                target = self.minutes if granularity == MINUTE else self.days
                target.setdefault(canonical(series), {})[start] = values
            else:
                self.dirty_buckets.add((granularity, canonical(series), start))


def _earliest(starts: Mapping[str, int], now_ms: int) -> int:
    """The start of the longest window that has one (before it, only ``total`` counts)."""
    return min((s for s in starts.values() if s != NEVER_MS), default=now_ms)
