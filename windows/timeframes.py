"""Where each window starts at a given moment.

Every window is "all buckets from its start up to now". Buckets are one minute
long and aligned to UTC minutes, which are also local minutes in every current
time zone, so interval and day boundaries always fall on a bucket boundary.

- sliding windows (``5m``, ``15m``, ``1h``) hold the current minute so far plus the
  whole minutes before it, ``length / 1 min`` buckets in all;
- ``interval`` starts at the current 15- or 30-minute interval in local time;
- ``today`` starts at local midnight (the real instant, so a DST day is 23 or 25 h);
- ``total`` never starts: it feeds the cumulative ``_total`` counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

BUCKET_MS = 60_000
NEVER_MS = -(2**62)


def bucket_of(ts_ms: int) -> int:
    return ts_ms - ts_ms % BUCKET_MS


class WindowKind(StrEnum):
    SLIDING = "sliding"
    INTERVAL = "interval"
    TODAY = "today"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class WindowSpec:
    name: str
    kind: WindowKind
    length_ms: int = 0


SLIDING_WINDOWS = (
    WindowSpec("5m", WindowKind.SLIDING, 5 * 60_000),
    WindowSpec("15m", WindowKind.SLIDING, 15 * 60_000),
    WindowSpec("1h", WindowKind.SLIDING, 60 * 60_000),
)
REPORTED_WINDOWS = (
    *SLIDING_WINDOWS,
    WindowSpec("interval", WindowKind.INTERVAL),
    WindowSpec("today", WindowKind.TODAY),
)
ALL_WINDOWS = (*REPORTED_WINDOWS, WindowSpec("total", WindowKind.TOTAL))
LONGEST_SLIDING_MS = max(w.length_ms for w in SLIDING_WINDOWS)


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

    def day_start_ms(self, ts_ms: int) -> int:
        local = self.local(ts_ms)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
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
        return NEVER_MS

    def window_starts(self, now_ms: int) -> dict[str, int]:
        return {spec.name: self.window_start_ms(spec, now_ms) for spec in ALL_WINDOWS}
