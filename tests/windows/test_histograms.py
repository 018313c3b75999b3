"""Histograms keep their bounds with their counts; a change of bounds is never silent."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ccpulse.windows.histograms import (
    Histogram,
    Histograms,
    HistogramSpec,
    merged,
    rebucketed,
)

BOUNDS = (5_000, 10_000, 20_000, 60_000)


def observed(bounds: tuple[int, ...], values: list[int]) -> Histogram:
    histogram = Histogram(bounds)
    for value in values:
        histogram.observe(value)
    return histogram


waits = st.lists(st.integers(0, 120_000), max_size=50)


@given(values=waits)
def test_cumulative_counts_are_the_observations_not_above_each_bound(values: list[int]) -> None:
    histogram = observed(BOUNDS, values)
    assert histogram.cumulative() == [sum(1 for v in values if v <= b) for b in BOUNDS]
    assert (histogram.count, histogram.sum_ms) == (len(values), sum(values))
    assert Histogram.from_stored(histogram.stored()) == histogram


@given(values=waits, keep=st.sets(st.sampled_from(BOUNDS)))
def test_dropping_bounds_is_exact(values: list[int], keep: set[int]) -> None:
    bounds = tuple(sorted(keep))
    assert rebucketed(observed(BOUNDS, values), bounds) == observed(bounds, values)


def test_a_new_bound_cannot_be_filled_in_from_the_past() -> None:
    assert rebucketed(observed(BOUNDS, [1, 25_000]), (*BOUNDS, 25_000)) is None


def test_restoring_under_new_bounds_starts_again_and_says_why() -> None:
    new_bounds = (5_000, 10_000, 20_000, 25_000, 60_000)
    histograms = Histograms([HistogramSpec("wait", ("queue",), new_bounds)])
    resets = histograms.restore([(("wait", "sales"), observed(BOUNDS, [1, 25_000]))])
    assert len(resets) == 1 and "25000" in resets[0]
    assert histograms.items[("wait", "sales")] == Histogram(new_bounds)
    assert histograms.drain() == {("wait", "sales"): Histogram(new_bounds)}
    histograms.observe(("wait", "sales"), 24_000)
    assert histograms.items[("wait", "sales")].cumulative() == [0, 0, 0, 1, 1]


@given(a=waits, b=waits)
def test_partitions_with_different_bounds_add_up_over_the_bounds_they_share(
        a: list[int], b: list[int]) -> None:
    total = merged([observed(BOUNDS, a), observed((10_000, 25_000, 60_000), b)])
    assert total == observed((10_000, 60_000), a + b)
