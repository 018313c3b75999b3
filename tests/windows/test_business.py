"""Business time against a minute-by-minute brute force, across DST changes and holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ccpulse.windows.business import BusinessCalendar, parse_spans

ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Sao_Paulo"]
# minute-aligned instants around DST changes of those zones
ANCHORS = [1_711_846_800_000,  # 2024-03-31 London spring forward
           1_729_990_800_000,  # 2024-10-27 London fall back
           1_710_050_400_000,  # 2024-03-10 New York
           1_712_451_600_000,  # 2024-04-07 Lord Howe (half-hour shift)
           1_539_482_400_000,  # 2018-11-04 Sao Paulo, midnight swallowed by the gap
           1_735_689_600_000]  # 2025-01-01, a holiday below
MINUTE = 60_000
# open two hours on Tuesdays and two and a half on Saturdays: with a 30-day horizon from
# the first anchor, whether there is enough open time is decided on the horizon's last
# (forward) or first (backward) day
SPARSE = BusinessCalendar("sparse", "UTC", ((), ((0, 120),), (), (), (), ((0, 150),), ()))

spans = st.lists(st.tuples(st.integers(0, 47), st.integers(1, 48)), max_size=3).map(
    lambda pairs: sorted({(a * 30, a * 30 + b * 30) for a, b in pairs if a * 30 + b * 30 <= 1440}))


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    week = []
    for _ in range(7):
        chosen = draw(spans)
        merged: list[tuple[int, int]] = []
        for low, high in chosen:  # no overlaps
            if merged and low < merged[-1][1]:
                continue
            merged.append((low, high))
        week.append(tuple(merged))
    holidays = frozenset(draw(st.sets(st.sampled_from(
        [date(2024, 3, 31), date(2024, 10, 27), date(2025, 1, 1), date(2024, 3, 10)]))))
    return BusinessCalendar("t", zone, tuple(week), holidays)


def brute_open(calendar: BusinessCalendar, ts_ms: int) -> bool:
    local = datetime.fromtimestamp(ts_ms / 1000, ZoneInfo(calendar.timezone))
    if local.date() in calendar.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(low <= minute < high for low, high in calendar.week[local.weekday()])


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), anchor=st.sampled_from(ANCHORS),
       start=st.integers(-36 * 60, 36 * 60), length=st.integers(0, 48 * 60))
def test_business_time_counts_every_open_minute(calendar: BusinessCalendar, anchor: int,
                                                start: int, length: int) -> None:
    start_ms = anchor + start * MINUTE
    end_ms = start_ms + length * MINUTE
    expected = sum(MINUTE for m in range(start, start + length)
                   if brute_open(calendar, anchor + m * MINUTE))
    assert calendar.business_ms(start_ms, end_ms) == expected
    assert calendar.is_open(start_ms) == brute_open(calendar, start_ms)


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), anchor=st.sampled_from(ANCHORS), start=st.integers(-600, 600),
       amount=st.integers(0, 20 * 60))
@example(calendar=SPARSE, anchor=ANCHORS[0], start=0, amount=1081)
def test_adding_business_time_lands_where_that_much_has_passed(
        calendar: BusinessCalendar, anchor: int, start: int, amount: int) -> None:
    start_ms = anchor + start * MINUTE
    due = calendar.add_business_ms(start_ms, amount * MINUTE, horizon_days=30)
    if due >= 2**62:  # never open enough within the horizon
        assert calendar.business_ms(start_ms, start_ms + 30 * 86_400_000) < amount * MINUTE
        return
    assert calendar.business_ms(start_ms, due) == amount * MINUTE
    if amount:
        assert calendar.business_ms(start_ms, due - 1) < amount * MINUTE


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), anchor=st.sampled_from(ANCHORS), end=st.integers(-600, 600),
       amount=st.integers(0, 20 * 60))
@example(calendar=SPARSE, anchor=ANCHORS[0], end=0, amount=1200)
def test_going_back_by_business_time_finds_the_latest_start(
        calendar: BusinessCalendar, anchor: int, end: int, amount: int) -> None:
    end_ms = anchor + end * MINUTE
    start = calendar.sub_business_ms(end_ms, amount * MINUTE, horizon_days=30)
    if start <= -2**62:  # never open enough within the horizon
        assert calendar.business_ms(end_ms - 30 * 86_400_000, end_ms) < amount * MINUTE
        return
    assert calendar.business_ms(start, end_ms) == amount * MINUTE
    if amount:
        assert calendar.business_ms(start + 1, end_ms) < amount * MINUTE


def test_a_plain_office_week() -> None:
    office = BusinessCalendar.from_hours("office", "Europe/London",
                                         {d: "09:00-17:00" for d in (
                                             "monday", "tuesday", "wednesday", "thursday",
                                             "friday")}, holidays=["2024-12-25"])
    monday_9 = int(datetime(2024, 12, 23, 9, tzinfo=ZoneInfo("Europe/London")).timestamp()
                   * 1000)
    week_later = monday_9 + 7 * 86_400_000
    assert office.business_ms(monday_9, week_later) == 4 * 8 * 3_600_000  # Christmas closed
    assert office.add_business_ms(monday_9, 9 * 3_600_000) == monday_9 + 24 * 3_600_000 + \
        3_600_000  # Tuesday 10:00
    assert office.next_change(monday_9) == monday_9 + 8 * 3_600_000
    assert BusinessCalendar.always_open().business_ms(0, 5) == 5


@pytest.mark.parametrize(("text", "problem"), [
    ("9-17", "HH:MM"), ("18:00-08:00", "after the start"), ("08:00-12:00,11:00-13:00", "overlap"),
    ("25:00-26:00", "time of day")])
def test_bad_hours_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_spans(text)


def test_a_day_of_the_gap_and_of_the_repeat() -> None:
    london = BusinessCalendar("l", "Europe/London", (((60, 150),),) * 7)  # 01:00-02:30 daily
    spring = int(datetime(2024, 3, 31, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
    autumn = int(datetime(2024, 10, 27, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
    # 01:00-02:00 does not exist on 31 March: only 02:00-02:30 BST is open
    assert london.business_ms(spring, spring + 86_400_000) == 30 * MINUTE
    # 01:00-02:00 happens twice on 27 October: open both times, then 02:00-02:30 GMT
    assert london.business_ms(autumn - 3_600_000, autumn + 86_400_000) == 150 * MINUTE
