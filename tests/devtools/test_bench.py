"""The bench's own arithmetic."""

from __future__ import annotations

import pytest

from ccpulse.devtools.bench import bracketed


def test_a_worker_run_is_measured_against_the_mean_time_per_event_of_the_raw_runs_around_it(
        ) -> None:
    # 10 and 3.33 microseconds per event: 6.67 on average, 150,000 events/s
    assert bracketed(100_000.0, 300_000.0) == pytest.approx(150_000.0)
    assert bracketed(300_000.0, 100_000.0) == pytest.approx(150_000.0)
    assert bracketed(250_000.0, 250_000.0) == pytest.approx(250_000.0)
