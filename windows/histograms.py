"""Histograms that carry their bucket bounds with their counts.

A histogram counts observations (waits, response times) in buckets bounded by
``bounds_ms``, with the count and sum of all observations; it is cumulative
since it began, like a Prometheus histogram. Its bounds are stored beside its
counts, so that a change of configured bounds (a queue's new threshold) is
noticed when it is loaded again: counts are carried over where that is exact
(every new bound was already a bound) and the histogram starts again from zero,
with a reason, where it is not. Nothing is ever counted in the wrong bucket.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from ccpulse.windows.families import canonical

HistogramKey = tuple[str, ...]  # (histogram name, *label values)


@dataclass(frozen=True)
class HistogramSpec:
    name: str
    labels: tuple[str, ...]
    bounds_ms: tuple[int, ...]  # sorted, without +Inf


class Histogram:
    __slots__ = ("bounds_ms", "count", "counts", "sum_ms")

    def __init__(self, bounds_ms: Sequence[int], counts: list[int] | None = None,
                 count: int = 0, sum_ms: int = 0) -> None:
        self.bounds_ms = tuple(bounds_ms)
        self.counts = counts if counts is not None else [0] * len(self.bounds_ms)
        self.count = count  # every observation, the ones above the last bound included
        self.sum_ms = sum_ms

    def observe(self, value_ms: int) -> None:
        i = bisect_left(self.bounds_ms, value_ms)
        if i < len(self.counts):
            self.counts[i] += 1
        self.count += 1
        self.sum_ms += value_ms

    def cumulative(self) -> list[int]:
        """Observations not above each bound."""
        return list(accumulate(self.counts))

    def stored(self) -> dict[str, Any]:
        return {"b": list(self.bounds_ms), "c": self.cumulative(), "n": self.count,
                "s": self.sum_ms}

    @classmethod
    def from_stored(cls, doc: dict[str, Any]) -> Histogram:
        cumulative = [int(c) for c in doc["c"]]
        counts = [c - p for c, p in zip(cumulative, [0, *cumulative], strict=False)]
        return cls([int(b) for b in doc["b"]], counts, int(doc["n"]), int(doc["s"]))

    def __deepcopy__(self, memo: dict[int, object]) -> Histogram:
        return Histogram(self.bounds_ms, list(self.counts), self.count, self.sum_ms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Histogram) and self.stored() == other.stored()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Histogram({self.stored()!r})"


def rebucketed(histogram: Histogram, bounds_ms: tuple[int, ...]) -> Histogram | None:
    """The same observations under ``bounds_ms``, or None where that is not exact (a new
    bound that was not a bound before: how many fell below it is unknown)."""
    if histogram.bounds_ms == bounds_ms:
        return histogram
    old = set(histogram.bounds_ms)
    if not all(b in old for b in bounds_ms):
        return None
    cumulative = dict(zip(histogram.bounds_ms, histogram.cumulative(), strict=True))
    new_cumulative = [cumulative[b] for b in bounds_ms]
    counts = [c - p for c, p in zip(new_cumulative, [0, *new_cumulative], strict=False)]
    return Histogram(bounds_ms, counts, histogram.count, histogram.sum_ms)


class Histograms:
    """Every histogram of one partition, by name and labels."""

    def __init__(self, specs: Iterable[HistogramSpec]) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.items: dict[HistogramKey, Histogram] = {}
        self.dirty: set[HistogramKey] = set()

    def observe(self, key: HistogramKey, value_ms: int) -> None:
        histogram = self.items.get(key)
        if histogram is None:
            histogram = self.items[key] = Histogram(self.specs[key[0]].bounds_ms)
        histogram.observe(value_ms)
        self.dirty.add(key)

    def drain(self) -> dict[HistogramKey, Histogram]:
        out = {key: self.items[key] for key in self.dirty}
        self.dirty.clear()
        return out

    def restore(self, stored: Iterable[tuple[HistogramKey, Histogram]]) -> list[str]:
        """Take back stored histograms under the configured bounds; returns what had to
        start again, and why."""
        resets = []
        for key, histogram in stored:
            spec = self.specs.get(key[0])
            if spec is None:
                continue
            carried = rebucketed(histogram, spec.bounds_ms)
            if carried is None:
                resets.append(f"{'/'.join(key)}: bounds changed from "
                              f"{list(histogram.bounds_ms)} to {list(spec.bounds_ms)} ms")
                carried = Histogram(spec.bounds_ms)
            key = canonical(key)
            if carried is not histogram:
                self.dirty.add(key)  # published again with its new bounds
            self.items[key] = carried
        return resets


def merged(histograms: Iterable[Histogram]) -> Histogram | None:
    """Several partitions' histograms of one series added up, over the bounds they share
    (exact: a cumulative count at a shared bound is the sum of theirs)."""
    parts = list(histograms)
    if not parts:
        return None
    bounds_ms = parts[0].bounds_ms
    if all(part.bounds_ms == bounds_ms for part in parts):  # the usual case: add counts up
        counts = [sum(column) for column in zip(*(part.counts for part in parts), strict=True)]
        return Histogram(bounds_ms, counts, sum(p.count for p in parts),
                         sum(p.sum_ms for p in parts))
    shared = set(parts[0].bounds_ms)
    for part in parts[1:]:
        shared &= set(part.bounds_ms)
    bounds = tuple(sorted(shared))
    total = [0] * len(bounds)
    count = sum_ms = 0
    for part in parts:
        at = dict(zip(part.bounds_ms, part.cumulative(), strict=True))
        for i, bound in enumerate(bounds):
            total[i] += at[bound]
        count += part.count
        sum_ms += part.sum_ms
    counts = [c - p for c, p in zip(total, [0, *total], strict=False)]
    return Histogram(bounds, counts, count, sum_ms)
