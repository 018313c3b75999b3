"""The window engine against a brute-force reference that keeps every credit."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.windows.engine import WindowSet
from ccpulse.windows.families import FamilySpec, SeriesKey, Vec, is_empty
from ccpulse.windows.timeframes import (
    BUCKET_MS,
    CONTACT_WINDOWS,
    Calendar,
    WindowSpec,
    bucket_of,
    day_window,
)

T0 = 1_700_000_000_000  # 2023-11-14, a Tuesday
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
WEEK = day_window(7)
WINDOWS: tuple[WindowSpec, ...] = (*CONTACT_WINDOWS, WEEK)
# a family with every window, and one with the slow windows only (as tickets have)
QUICK = FamilySpec("quick", 1, ("a", "b", "c"), ("queue", "channel"),
                   tuple(w.name for w in CONTACT_WINDOWS))
SLOW = FamilySpec("slow", 1, ("a", "b"), ("queue",), ("interval", "today", "7d", "total"))
FAMILIES = {f.name: f for f in (QUICK, SLOW)}
SERIES: list[SeriesKey] = [("quick", "sales", "voice"), ("quick", "support", "voice"),
                           ("quick", "sales", "chat"), ("slow", "sales"), ("slow", "vip")]


@dataclass(frozen=True)
class Credit:
    series: SeriesKey
    ts_ms: int
    field: int
    amount: int


@dataclass(frozen=True)
class Recent:
    """A credit ``ago_ms`` before the current "now": the minutes sliding windows keep."""

    series: SeriesKey
    ago_ms: int
    field: int
    amount: int


@dataclass(frozen=True)
class Advance:
    by_ms: int


Step = Credit | Recent | Advance


steps = st.lists(
    st.one_of(
        st.builds(Credit, st.sampled_from(SERIES), st.integers(-9 * 86_400_000, 600_000),
                  st.integers(0, 1), st.integers(1, 5)),
        st.builds(Recent, st.sampled_from(SERIES), st.integers(0, 90 * 60_000),
                  st.integers(0, 1), st.integers(1, 5)),
        st.builds(Advance, st.one_of(st.integers(0, 40 * 60_000),
                                     st.integers(0, 3 * 86_400_000))),
    ),
    max_size=60,
)


def reference(calendar: Calendar, script: list[Step],
              t0: int) -> dict[tuple[str, SeriesKey], Vec]:
    """Keep every credit with the bucket it landed in; sum what each window covers."""
    now = t0
    landed: list[tuple[Credit | Recent, int]] = []
    for step in script:
        if isinstance(step, Advance):
            now += step.by_ms
        elif isinstance(step, Recent):
            landed.append((step, bucket_of(now - step.ago_ms)))
        else:
            landed.append((step, bucket_of(min(t0 + step.ts_ms, now))))
    out: dict[tuple[str, SeriesKey], Vec] = {}
    for spec in WINDOWS:
        start = calendar.window_start_ms(spec, now)
        for credit, bucket in landed:
            family = FAMILIES[credit.series[0]]
            if spec.name in family.windows and bucket >= start:
                values = out.setdefault((spec.name, credit.series), family.empty())
                values[credit.field] += credit.amount
    return {k: v for k, v in out.items() if not is_empty(v)}


def run(windows: WindowSet, script: list[Step], t0: int) -> None:
    for step in script:
        if isinstance(step, Advance):
            windows.advance(windows.now_ms + step.by_ms)
        elif isinstance(step, Recent):
            windows.slot(step.series, windows.now_ms - step.ago_ms)[step.field] += step.amount
        else:
            windows.slot(step.series, t0 + step.ts_ms)[step.field] += step.amount
    windows.fold()


def engine_totals(windows: WindowSet) -> dict[tuple[str, SeriesKey], Vec]:
    return {(name, series): values for name, per_series in windows.totals.items()
            for series, values in per_series.items() if not is_empty(values)}


@settings(max_examples=300, deadline=None)
@given(script=steps, zone=st.sampled_from(ZONES), interval=st.sampled_from([15, 30]),
       start_offset=st.integers(0, 86_400_000))
def test_windows_match_brute_force(script: list[Step], zone: str, interval: int,
                                   start_offset: int) -> None:
    t0 = T0 + start_offset
    calendar = Calendar(zone, interval)
    windows = WindowSet(calendar, WINDOWS, FAMILIES, t0)
    run(windows, script, t0)
    assert engine_totals(windows) == reference(calendar, script, t0)


@settings(max_examples=100, deadline=None)
@given(script=steps, cuts=st.lists(st.integers(0, 60), max_size=4))
def test_restoring_totals_and_buckets_midway_changes_nothing(script: list[Step],
                                                            cuts: list[int]) -> None:
    calendar = Calendar("Europe/London")
    straight = WindowSet(calendar, WINDOWS, FAMILIES, T0)
    run(straight, script, T0)
    windows = WindowSet(calendar, WINDOWS, FAMILIES, T0)
    totals: dict = {}
    buckets: dict = {}
    for i, step in enumerate(script):
        if i in cuts:  # keep what a checkpoint keeps, then carry on from a fresh copy
            windows.fold()
            for key, values in windows.drain_totals().items():
                totals[key] = None if values is None else list(values)
            for key, values in windows.drain_buckets().items():
                buckets[key] = None if values is None else list(values)
            now = windows.now_ms
            windows = WindowSet(calendar, WINDOWS, FAMILIES, now)
            windows.restore([(k, list(v)) for k, v in totals.items() if v is not None],
                            [(k, list(v)) for k, v in buckets.items() if v is not None])
        run(windows, [step], T0)
    assert engine_totals(windows) == engine_totals(straight)


@settings(max_examples=200, deadline=None)
@given(script=steps)
def test_what_is_drained_step_by_step_rebuilds_every_total(
        script: list[Step]) -> None:
    windows = WindowSet(Calendar("Europe/London"), WINDOWS, FAMILIES, T0)
    published: dict[tuple[str, SeriesKey], Vec] = {}
    for step in script:
        run(windows, [step], T0)
        for key, values in windows.drain_totals().items():
            if values is None or is_empty(values):
                published.pop(key, None)
            else:
                published[key] = list(values)
    assert published == engine_totals(windows)


def test_time_moving_drains_only_the_totals_a_bucket_left() -> None:
    windows = WindowSet(Calendar("UTC"), WINDOWS, FAMILIES, T0)
    early, late = ("quick", "sales", "voice"), ("quick", "sales", "chat")
    windows.slot(early, T0 - 4 * 60_000)[0] += 1
    windows.slot(late, T0)[0] += 1
    windows.fold()
    windows.drain_totals()
    windows.advance(T0 + 60_000)  # the early credit leaves the 5-minute window only
    assert set(windows.drain_totals()) == {("5m", early)}


def test_credits_that_cancel_out_make_no_total_and_no_bucket() -> None:
    windows = WindowSet(Calendar("UTC"), WINDOWS, FAMILIES, T0)
    series = ("quick", "sales", "voice")
    values = windows.slot(series, T0)
    values[0] += 5_000  # an agent's time credited, then taken back in the same batch
    values[0] -= 5_000
    windows.fold()
    assert windows.drain_totals() == {}
    assert windows.drain_buckets() == {}
    assert series not in windows.totals["5m"] and series not in windows.minutes


def test_minute_buckets_are_kept_only_as_long_as_the_longest_sliding_window() -> None:
    windows = WindowSet(Calendar(), WINDOWS, FAMILIES, T0)
    series = ("quick", "q", "voice")
    for minute in range(180):
        windows.advance(T0 + minute * BUCKET_MS)
        windows.slot(series, windows.now_ms)[0] += 1
    windows.fold()
    assert len(windows.minutes[series]) == 60
    assert windows.total("1h", series)[0] == 60
    assert windows.total("5m", series)[0] == 5


def test_a_family_without_sliding_windows_keeps_day_buckets_only() -> None:
    windows = WindowSet(Calendar(), WINDOWS, FAMILIES, T0)
    for day in range(10):
        windows.advance(T0 + day * 86_400_000)
        windows.slot(("slow", "q"), windows.now_ms)[0] += 1
    windows.fold()
    assert ("slow", "q") not in windows.minutes
    assert len(windows.days[("slow", "q")]) == 7
    assert windows.total("7d", ("slow", "q"))[0] == 7
    assert windows.total("total", ("slow", "q"))[0] == 10


def test_what_a_family_no_longer_keeps_is_not_restored_and_drains_as_gone() -> None:
    """A checkpoint of a version that kept more windows for a family (as per-agent figures
    once had sliding windows): those totals and minute buckets are deleted, not kept."""
    windows = WindowSet(Calendar(), WINDOWS, FAMILIES, T0)
    series = ("slow", "q")
    windows.restore([(("1h", series), [1, 2]), (("today", series), [3, 4])],
                    [(("m", series, T0 - T0 % BUCKET_MS), [1, 2])])
    assert windows.total("1h", series) == [0, 0]
    assert windows.total("today", series) == [3, 4]
    assert series not in windows.minutes
    assert windows.drain_totals() == {("1h", series): None}
    assert windows.drain_buckets() == {("m", series, T0 - T0 % BUCKET_MS): None}


def test_sliding_window_drops_old_buckets_when_time_moves_without_events() -> None:
    windows = WindowSet(Calendar(), WINDOWS, FAMILIES, T0)
    series = ("quick", "q", "voice")
    windows.slot(series, T0)[1] += 3
    windows.advance(T0 + 4 * 60_000)
    assert windows.total("5m", series)[1] == 3
    windows.advance(T0 + 6 * 60_000)
    assert windows.total("5m", series)[1] == 0
    assert windows.total("15m", series)[1] == 3
    assert windows.total("total", series)[1] == 3


def test_today_restarts_at_local_midnight() -> None:
    calendar = Calendar("Europe/Paris")
    before_midnight = 1_700_002_740_000  # 2023-11-14 23:59 in Paris
    windows = WindowSet(calendar, WINDOWS, FAMILIES, before_midnight)
    series = ("quick", "q", "voice")
    windows.slot(series, before_midnight)[0] += 1
    windows.advance(before_midnight + 30_000)
    assert windows.total("today", series)[0] == 1
    windows.advance(before_midnight + 90_000)
    assert windows.total("today", series)[0] == 0
    assert windows.total("1h", series)[0] == 1
