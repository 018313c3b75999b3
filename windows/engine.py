"""Rolling windows over one-minute buckets, kept as running totals.

Each window's total is the sum of the buckets from the window's start up to now
(see ``timeframes``). Credits are gathered per batch, then folded into the
buckets and into every window whose start they are not before. When time moves,
a sliding window subtracts the buckets that left it and a tumbling window
(``interval``, ``today``) starts again from zero. Reading a window is therefore a
single lookup, whatever its length and however many events it holds.

Credits later than ``now`` are taken as happening now; buckets are kept only as
long as the longest sliding window needs them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from windows import aggregate as a
from windows.timeframes import (
    ALL_WINDOWS,
    BUCKET_MS,
    LONGEST_SLIDING_MS,
    Calendar,
    WindowKind,
    bucket_of,
)

QueueKey = tuple[str, str]  # (queue, channel)
TotalKey = tuple[str, str, str]  # (window, queue, channel)
BucketKey = tuple[str, str, int]  # (queue, channel, bucket start ms)


class WindowSet:
    def __init__(self, calendar: Calendar, now_ms: int) -> None:
        self.calendar = calendar
        self.now_ms = now_ms
        self.starts = calendar.window_starts(now_ms)
        self.buckets: dict[QueueKey, dict[int, a.Agg]] = {}
        self.totals: dict[str, dict[QueueKey, a.Agg]] = {w.name: {} for w in ALL_WINDOWS}
        self.pending: dict[BucketKey, a.Agg] = {}
        self.dirty_totals: set[TotalKey] = set()
        self.dirty_buckets: set[BucketKey] = set()

    @property
    def oldest_kept_bucket_ms(self) -> int:
        return bucket_of(self.now_ms) - LONGEST_SLIDING_MS + BUCKET_MS

    # -- credits ---------------------------------------------------------------
    def slot(self, queue: str, channel: str, ts_ms: int) -> a.Agg:
        if ts_ms > self.now_ms:
            ts_ms = self.now_ms
        key = (queue, channel, ts_ms - ts_ms % BUCKET_MS)  # bucket_of, inline: once per credit
        agg = self.pending.get(key)
        if agg is None:
            agg = self.pending[key] = a.empty()
        return agg

    def fold(self) -> None:
        """Add the pending credits to the buckets and window totals.

        Windows are ordered by start, so the windows a bucket belongs to are a prefix
        of that order; credits are summed per queue and prefix first, and each window
        total takes one addition per queue however many minutes a batch spans."""
        if not self.pending:
            return
        oldest_kept = self.oldest_kept_bucket_ms
        by_start = sorted((start, name) for name, start in self.starts.items())
        starts = [start for start, _ in by_start]
        names = [name for _, name in by_start]
        sums: dict[tuple[QueueKey, int], a.Agg] = {}
        for (queue, channel, bucket), delta in self.pending.items():
            qkey = (queue, channel)
            if bucket >= oldest_kept:
                per_queue = self.buckets.get(qkey)
                if per_queue is None:
                    per_queue = self.buckets[qkey] = {}
                agg = per_queue.get(bucket)
                if agg is None:
                    per_queue[bucket] = list(delta)
                else:
                    a.add_into(agg, delta)
                self.dirty_buckets.add((queue, channel, bucket))
            covered = bisect_right(starts, bucket)  # the windows this bucket is in
            if covered:
                total = sums.get((qkey, covered))
                if total is None:
                    sums[(qkey, covered)] = delta
                else:
                    a.add_into(total, delta)
        self.pending = {}
        for (qkey, covered), delta in sums.items():
            for name in names[:covered]:
                totals = self.totals[name]
                total = totals.get(qkey)
                if total is None:
                    totals[qkey] = list(delta)
                else:
                    a.add_into(total, delta)
                self.dirty_totals.add((name, *qkey))

    # -- time --------------------------------------------------------------------
    def advance(self, now_ms: int) -> None:
        """Move "now" forward (never back), retiring what left each window."""
        self.fold()
        if now_ms <= self.now_ms:
            return
        new_starts = self.calendar.window_starts(now_ms)
        for spec in ALL_WINDOWS:
            old, new = self.starts[spec.name], new_starts[spec.name]
            if new == old:
                continue
            if spec.kind is WindowKind.SLIDING:
                self._retire(spec.name, old, new)
            else:
                self._reset(spec.name)
        self.now_ms = now_ms
        self.starts = new_starts
        self._prune_buckets(self.oldest_kept_bucket_ms)

    def _retire(self, name: str, old_start: int, new_start: int) -> None:
        # buckets exist only up to the current minute
        retired = range(old_start, min(new_start, bucket_of(self.now_ms) + BUCKET_MS), BUCKET_MS)
        totals = self.totals[name]
        for qkey, per_queue in self.buckets.items():
            total = totals.get(qkey)
            if total is None:
                continue
            for bucket in retired:
                agg = per_queue.get(bucket)
                if agg is not None:
                    a.subtract_into(total, agg)
            if a.is_empty(total):
                del totals[qkey]
            self.dirty_totals.add((name, *qkey))

    def _reset(self, name: str) -> None:
        totals = self.totals[name]
        self.dirty_totals.update((name, *qkey) for qkey in totals)
        totals.clear()

    def _prune_buckets(self, oldest_kept: int) -> None:
        for qkey in list(self.buckets):
            per_queue = self.buckets[qkey]
            if per_queue and min(per_queue) < oldest_kept:
                for bucket in [b for b in per_queue if b < oldest_kept]:
                    del per_queue[bucket]
                    self.dirty_buckets.add((*qkey, bucket))
            if not per_queue:
                del self.buckets[qkey]

    # -- reading and persistence ----------------------------------------------------
    def total(self, window: str, queue: str, channel: str) -> a.Agg:
        return self.totals[window].get((queue, channel)) or a.empty()

    def drain_totals(self) -> dict[TotalKey, a.Agg | None]:
        out = {k: self.totals[k[0]].get((k[1], k[2])) for k in self.dirty_totals}
        self.dirty_totals.clear()
        return out

    def drain_buckets(self) -> dict[BucketKey, a.Agg | None]:
        out = {k: self.buckets.get((k[0], k[1]), {}).get(k[2]) for k in self.dirty_buckets}
        self.dirty_buckets.clear()
        return out

    def restore(self, totals: Iterable[tuple[TotalKey, a.Agg]],
                buckets: Iterable[tuple[BucketKey, a.Agg]]) -> None:
        for (name, queue, channel), agg in totals:
            if name in self.totals:
                self.totals[name][(queue, channel)] = agg
        for (queue, channel, bucket), agg in buckets:
            self.buckets.setdefault((queue, channel), {})[bucket] = agg
