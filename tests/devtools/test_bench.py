"""The bench's own arithmetic."""

from __future__ import annotations

import functools
import gc

import pytest

from ccpulse.devtools import bench
from ccpulse.devtools.bench import bracketed
from ccpulse.runtime import GC_THRESHOLDS


def test_a_worker_run_is_measured_against_the_mean_time_per_event_of_the_raw_runs_around_it(
        ) -> None:
    # 10 and 3.33 microseconds per event: 6.67 on average, 150,000 events/s
    assert bracketed(100_000.0, 300_000.0) == pytest.approx(150_000.0)
    assert bracketed(300_000.0, 100_000.0) == pytest.approx(150_000.0)
    assert bracketed(250_000.0, 250_000.0) == pytest.approx(250_000.0)


def test_the_raw_consumer_runs_alternately_with_cpythons_and_a_workers_gc_thresholds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run sees the thresholds it is labelled with; the thresholds are CPython's
    again afterwards; each figure is the median of its runs."""
    seen: list[tuple[int, int, int]] = []
    rates = iter([100.0, 400.0, 300.0, 500.0, 200.0, 450.0])

    async def fake_raw_consume(bootstrap: str, prefix: str, n: int) -> float:
        seen.append(gc.get_threshold())
        return next(rates)

    monkeypatch.setattr(bench, "raw_consume", fake_raw_consume)
    before = gc.get_threshold()
    result = bench.raw_gc_rates("127.0.0.1:1", "p", 10, times=3)
    assert seen == [before, GC_THRESHOLDS] * 3
    assert gc.get_threshold() == before
    assert result == {"default_events_per_s": 200.0, "tuned_events_per_s": 450.0}


class FakeClock:
    """``time`` as the bench reads it: each sleep moves both clocks on."""

    def __init__(self, wall: float) -> None:
        self.wall = wall
        self.mono = 100.0

    def time(self) -> float:
        return self.wall

    def perf_counter(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def test_one_workers_catch_up_is_timed_from_its_assignment_counting_every_event(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Polled every 20 ms: nothing saved for 10 polls (0.2 s), the first batch saved with
    its events partly cancelled by derived events still to apply, then done; the worker
    was assigned its partitions 0.105 s in (between two polls)."""
    clock = FakeClock(wall=1_000.0)
    monkeypatch.setattr(bench, "time", clock)
    progress = iter([0] * 10 + [300, 700, 1_000])
    monkeypatch.setattr(bench, "cpu_s", lambda processes: 1.0 + (clock.wall - 1_000.0) * 0.9)
    timing = bench.time_catch_up(lambda: next(progress), 1_000, [],
                                 assigned_at=lambda: 1_000.105)
    # done at the 13th poll: 0.24 s in; 0.135 s after the assignment
    assert timing["startup_s"] == pytest.approx(0.105)
    assert timing["events_per_s"] == pytest.approx(1_000 / 0.135)
    # CPU from the poll just before the assignment (0.1 s in: 1.09 s) to the end
    assert timing["cpu_us_per_event"] == pytest.approx((1.0 + 0.24 * 0.9 - 1.09) / 1_000 * 1e6)
    assert timing["cpu_busy"] == pytest.approx((0.24 * 0.9 - 0.09) / 0.135)


def test_without_an_assignment_time_the_catch_up_is_timed_from_the_first_saved_batch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(wall=1_000.0)
    monkeypatch.setattr(bench, "time", clock)
    progress = iter([0] * 10 + [300, 700, 1_000])
    monkeypatch.setattr(bench, "cpu_s", lambda processes: clock.wall - 1_000.0)
    timing = bench.time_catch_up(lambda: next(progress), 1_000, [])
    # the first batch seen at 0.2 s with 300 events; done at 0.24 s
    assert timing["startup_s"] == pytest.approx(0.2)
    assert timing["events_per_s"] == pytest.approx(700 / 0.04)
    assert timing["cpu_us_per_event"] == pytest.approx(0.04 / 700 * 1e6)


def test_an_assignment_time_outside_the_run_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(wall=1_000.0)
    monkeypatch.setattr(bench, "time", clock)
    monkeypatch.setattr(bench, "cpu_s", lambda processes: 0.0)
    for said in (None, 999.0, 2_000.0):
        with pytest.raises(RuntimeError, match="assignment time"):
            bench.time_catch_up(lambda: 1_000, 1_000, [], assigned_at=functools.partial(
                lambda value: value, said))


def test_the_cpu_at_a_moment_is_that_of_the_last_sample_at_or_before_it() -> None:
    samples = [(10.0, 1.0), (10.02, 1.5), (10.04, 2.0)]
    assert bench.cpu_at(samples, 10.03) == 1.5
    assert bench.cpu_at(samples, 10.04) == 2.0
    assert bench.cpu_at(samples, 9.0) == 1.0  # before every sample: the first


def test_the_first_assignment_of_several_workers_is_the_earliest_each_first_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker not up yet is asked again; a later rebalance (a second worker joining)
    moves a worker's gauge on, but its first value stays."""
    said: dict[int, list[OSError | float | None]] = {
        1: [OSError("refused"), None, 10.0, 12.0], 2: [None, 11.0, 12.0, 12.0]}

    def fake_assignment_time(port: int) -> float | None:
        answer = said[port].pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer

    monkeypatch.setattr(bench, "assignment_time", fake_assignment_time)
    first = bench.FirstAssignment([1, 2])
    first.sample()  # 1 refused, 2 not yet
    first.sample()  # 1 not yet, 2 at 11
    assert first.seen == {2: 11.0}
    assert first.earliest() == 10.0  # 1 at 10 (2 is not asked again)
    assert first.earliest() == 10.0
    assert said == {1: [12.0], 2: [12.0, 12.0]}
    assert bench.FirstAssignment([]).earliest() is None


def test_a_workers_cpu_by_step_is_read_from_its_metrics_lines() -> None:
    lines = ["# HELP ccpulse_worker_cpu_seconds_total CPU time ...",
             "# TYPE ccpulse_worker_cpu_seconds_total counter",
             'ccpulse_worker_cpu_seconds_total{step="fold"} 0.75',
             'ccpulse_worker_cpu_seconds_total{step="publish"} 0.125',
             'ccpulse_worker_cpu_seconds_total{step="save"} 0.0',
             'ccpulse_worker_cpu_seconds_created{step="fold"} 1.7e+09',
             "ccpulse_worker_batches_total 12.0"]
    assert bench.step_cpu_s(lines) == {"fold": 0.75, "publish": 0.125, "save": 0.0}


def test_the_cpu_per_event_by_step_leaves_the_rest_of_the_process_as_other() -> None:
    """200,000 events; the process used 8 us per event, 5 of them folding."""
    steps = bench.per_step({"fold": 1.0, "publish": 0.2, "save": 0.1}, 200_000, 8.0)
    assert steps == pytest.approx({"cpu_fold_us": 5.0, "cpu_publish_us": 1.0,
                                   "cpu_save_us": 0.5, "cpu_other_us": 1.5})
    assert bench.steps_of(steps) == pytest.approx(
        {"fold": 5.0, "publish": 1.0, "save": 0.5, "other": 1.5})
    # a worker that never saved still says so
    assert bench.per_step({}, 10, 3.0) == {"cpu_fold_us": 0.0, "cpu_publish_us": 0.0,
                                          "cpu_save_us": 0.0, "cpu_other_us": 3.0}


def test_records_are_fetched_as_the_raw_consumer_and_as_a_worker_fetch_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """aiokafka's records under CPython's garbage collection, lean ones under a worker's
    thresholds, alternately; each figure the median of its runs."""
    seen: list[tuple[bool, tuple[int, int, int]]] = []
    costs = iter([2.0, 0.9, 2.6, 1.1, 2.2, 0.8])

    async def fake_fetch_cost(bootstrap: str, prefix: str, n: int, lean: bool) -> float:
        seen.append((lean, gc.get_threshold()))
        return next(costs)

    monkeypatch.setattr(bench, "fetch_cost", fake_fetch_cost)
    before = gc.get_threshold()
    result = bench.fetch_costs("127.0.0.1:1", "p", 10, times=3)
    assert seen == [(False, before), (True, GC_THRESHOLDS)] * 3
    assert gc.get_threshold() == before
    assert result == {"aiokafka_us": 2.2, "lean_us": 0.9}


def test_a_metrics_samples_are_read_by_their_labels_and_no_other_metrics() -> None:
    lines = ["# HELP ccpulse_contacts_waiting Contacts waiting",
             'ccpulse_contacts_waiting{queue="probe",channel="voice"} 3.0',
             'ccpulse_contacts_waiting{queue="sales",channel="voice"} 7.0',
             'ccpulse_contacts_waiting_oldest_seconds{queue="probe"} 12.5',
             "ccpulse_worker_last_assignment_timestamp_seconds 1.7e+09"]
    assert bench.samples(lines, "ccpulse_contacts_waiting") == {
        'queue="probe",channel="voice"': 3.0, 'queue="sales",channel="voice"': 7.0}
    assert bench.samples(lines, "ccpulse_worker_last_assignment_timestamp_seconds") == {
        "": 1.7e9}
    assert bench.samples(lines, "ccpulse_worker_batches_total") == {}
