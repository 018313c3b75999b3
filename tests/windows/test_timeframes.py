from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ccpulse.windows.timeframes import (
    SLIDING_WINDOWS,
    Calendar,
    WindowKind,
    WindowSpec,
    day_window,
)


def ms(text: str, zone: str) -> int:
    return round(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


@pytest.mark.parametrize(("zone", "now", "midnight", "day_hours"), [
    ("Europe/London", "2024-03-31T12:00", "2024-03-31T00:00", 23),  # spring forward
    ("Europe/London", "2024-10-27T12:00", "2024-10-27T00:00", 25),  # fall back
    ("America/New_York", "2024-03-10T23:59", "2024-03-10T00:00", 23),
    ("UTC", "2024-06-01T00:00", "2024-06-01T00:00", 24),
])
def test_today_starts_at_local_midnight_across_dst(zone: str, now: str, midnight: str,
                                                   day_hours: int) -> None:
    calendar = Calendar(zone)
    start = calendar.day_start_ms(ms(now, zone))
    assert start == ms(midnight, zone)
    next_day = calendar.day_start_ms(start + (day_hours + 1) * 3_600_000 - 1)
    assert next_day - start == day_hours * 3_600_000


@pytest.mark.parametrize(("zone", "interval", "now", "start"), [
    ("Asia/Kolkata", 30, "2024-05-05T10:44:59", "2024-05-05T10:30"),
    ("Asia/Kathmandu", 15, "2024-05-05T10:44:59", "2024-05-05T10:30"),
    ("Europe/Berlin", 15, "2024-05-05T10:15:00", "2024-05-05T10:15"),
])
def test_interval_is_aligned_in_local_time(zone: str, interval: int, now: str, start: str) -> None:
    assert Calendar(zone, interval).interval_start_ms(ms(now, zone)) == ms(start, zone)


def test_interval_in_the_repeated_hour_of_a_dst_fall_back() -> None:
    calendar = Calendar("Europe/London", 30)
    first_0145 = ms("2024-10-27T00:45", "UTC")  # 01:45 BST
    second_0145 = ms("2024-10-27T01:45", "UTC")  # 01:45 GMT, an hour later
    assert calendar.interval_start_ms(first_0145) == ms("2024-10-27T00:30", "UTC")
    assert calendar.interval_start_ms(second_0145) == ms("2024-10-27T01:30", "UTC")


def test_sliding_window_holds_its_length_in_minutes_including_the_current_one() -> None:
    calendar = Calendar()
    now = ms("2024-05-05T10:07:30", "UTC")
    five = next(w for w in SLIDING_WINDOWS if w.name == "5m")
    assert calendar.window_start_ms(five, now) == ms("2024-05-05T10:03", "UTC")


def test_bad_calendar_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="interval_minutes"):
        Calendar("UTC", 20)
    assert WindowSpec("x", WindowKind.TOTAL).length_ms == 0


def test_a_day_window_starts_at_a_local_midnight_days_back() -> None:
    calendar = Calendar("Europe/London")
    now = ms("2024-03-31T12:00", "Europe/London")  # the spring-forward Sunday
    assert calendar.window_start_ms(day_window(7), now) == ms("2024-03-25T00:00",
                                                               "Europe/London")
    assert calendar.window_start_ms(day_window(2), now) == ms("2024-03-30T00:00",
                                                               "Europe/London")
    with pytest.raises(ValueError, match="2 to 92"):
        day_window(1)
