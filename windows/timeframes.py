"""Where each window starts at a given moment.

Every window is "all buckets from its start up to now". Buckets are one minute
long and aligned to UTC minutes, which are also local minutes in every current
time zone, so interval and day boundaries always fall on a bucket boundary.

- sliding windows (``5m``, ``15m``, ``1h``) hold the current minute so far plus the
  whole minutes before it, ``length / 1 min`` buckets in all;
- ``interval`` starts at the current 15- or 30-minute interval in local time;
- ``today`` starts at local midnight (the real instant, so a DST day is 23 or 25 h);
- day windows (``7d``: today and the six local days before it) start at a local
  midnight N - 1 days back, and move a day at a time;
- ``total`` never starts: it feeds the cumulative ``_total`` counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

BUCKET_MS = 60_000
DAY_MS = 86_400_000
NEVER_MS = -(2**62)


def bucket_of(ts_ms: int) -> int:
    return ts_ms - ts_ms % BUCKET_MS


class WindowKind(StrEnum):
    SLIDING = "sliding"
    INTERVAL = "interval"
    TODAY = "today"
    DAYS = "days"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class WindowSpec:
    name: str
    kind: WindowKind
    length_ms: int = 0  # sliding windows
    days: int = 0  # day windows


FIVE_MINUTES = WindowSpec("5m", WindowKind.SLIDING, 5 * 60_000)
FIFTEEN_MINUTES = WindowSpec("15m", WindowKind.SLIDING, 15 * 60_000)
HOUR = WindowSpec("1h", WindowKind.SLIDING, 60 * 60_000)
INTERVAL = WindowSpec("interval", WindowKind.INTERVAL)
TODAY = WindowSpec("today", WindowKind.TODAY)
TOTAL = WindowSpec("total", WindowKind.TOTAL)
SLIDING_WINDOWS = (FIVE_MINUTES, FIFTEEN_MINUTES, HOUR)
# the windows of live queue figures; "total" feeds the counters
CONTACT_WINDOWS = (*SLIDING_WINDOWS, INTERVAL, TODAY, TOTAL)


def day_window(days: int) -> WindowSpec:
    if not 2 <= days <= 92:
        raise ValueError(f"a day window holds 2 to 92 days, not {days}")
    return WindowSpec(f"{days}d", WindowKind.DAYS, days=days)


def reported(windows: tuple[WindowSpec, ...]) -> tuple[WindowSpec, ...]:
    """The windows served as gauges (all but ``total``)."""
    return tuple(w for w in windows if w.kind is not WindowKind.TOTAL)


@dataclass(frozen=True)
class Calendar:
    """The site's time zone and interval length."""

    timezone: str = "UTC"
    interval_minutes: int = 15

    def __post_init__(self) -> None:
        if self.interval_minutes not in (15, 30):
            raise ValueError(f"interval_minutes must be 15 or 30, got {self.interval_minutes}")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, ts_ms: int) -> datetime:
        return datetime.fromtimestamp(ts_ms / 1000, self.zone)

    def day_start_ms(self, ts_ms: int, days_back: int = 0) -> int:
        local = self.local(ts_ms)
        day = local.date() - timedelta(days=days_back)
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return round(midnight.timestamp() * 1000)

    def interval_start_ms(self, ts_ms: int) -> int:
        local = self.local(ts_ms)
        minute = local.minute - local.minute % self.interval_minutes
        start = local.replace(minute=minute, second=0, microsecond=0)
        return round(start.timestamp() * 1000)

    def day_label(self, ts_ms: int) -> str:
        return self.local(ts_ms).date().isoformat()

    def window_start_ms(self, spec: WindowSpec, now_ms: int) -> int:
        if spec.kind is WindowKind.SLIDING:
            return bucket_of(now_ms) - spec.length_ms + BUCKET_MS
        if spec.kind is WindowKind.INTERVAL:
            return self.interval_start_ms(now_ms)
        if spec.kind is WindowKind.TODAY:
            return self.day_start_ms(now_ms)
        if spec.kind is WindowKind.DAYS:
            return self.day_start_ms(now_ms, spec.days - 1)
        return NEVER_MS

    def window_starts(self, windows: tuple[WindowSpec, ...], now_ms: int) -> dict[str, int]:
        return {spec.name: self.window_start_ms(spec, now_ms) for spec in windows}
