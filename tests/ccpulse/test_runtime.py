"""Process-wide tuning: the garbage collector as the worker and the exporter run it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ccpulse.runtime import GC_THRESHOLDS, tune_gc


@pytest.fixture
def collector_as_it_was() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("collector_as_it_was")
def test_tuning_freezes_what_exists_and_collects_later() -> None:
    gc.unfreeze()
    survivor = [object() for _ in range(10)]
    tune_gc()
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # later than CPython's default young collection
    assert gc.get_freeze_count() >= len(survivor)
