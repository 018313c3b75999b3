"""Business-hours calendars: when a queue is open, and how much open time lies between
two instants.

A calendar has a time zone, opening hours per weekday (local wall-clock times,
several spans a day allowed) and holidays (local dates, closed all day). Every
function works on real instants (epoch milliseconds): a span that crosses a DST
change counts the real time that passed, and the opening hours of a DST day are
its local hours, wherever they fall in UTC. A local opening time that does not
exist on a spring-forward day opens at the first instant after the gap, and a
repeated hour of a fall-back day is open both times it comes round, as a clock on
the wall would say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_A_DAY = 24 * 60
ALWAYS = "always"
REMEMBERED_DAYS = 20_000  # open spans kept per calendar (about 55 years of days)

Span = tuple[int, int]  # minutes after local midnight: [start, end)


def parse_spans(text: str) -> tuple[Span, ...]:
    """``"08:00-12:00, 13:00-18:00"``, ``"closed"`` or ``"00:00-24:00"`` as minute spans."""
    text = text.strip().lower()
    if text in ("", "closed"):
        return ()
    spans = []
    for part in text.split(","):
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise ValueError(f"{part.strip()!r} is not HH:MM-HH:MM")
        low, high = _minute(start), _minute(end)
        if not low < high:
            raise ValueError(f"{part.strip()!r}: the end must come after the start")
        spans.append((low, high))
    spans.sort()
    for (_, earlier_end), (later_start, _) in pairwise(spans):
        if later_start < earlier_end:
            raise ValueError(f"{text!r}: spans overlap")
    return tuple(spans)


def _minute(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text.strip()!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= MINUTES_A_DAY or int(minutes) > 59:
        raise ValueError(f"{text.strip()!r} is not a time of day")
    return value


@dataclass(frozen=True)
class BusinessCalendar:
    name: str = "site"
    timezone: str = "UTC"
    week: tuple[tuple[Span, ...], ...] = ((),) * 7  # Monday first
    holidays: frozenset[date] = field(default_factory=frozenset)
    _spans: dict[date, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has seven days")
        ZoneInfo(self.timezone)

    @classmethod
    def always_open(cls, name: str = ALWAYS, timezone: str = "UTC") -> BusinessCalendar:
        return cls(name, timezone, (((0, MINUTES_A_DAY),),) * 7)

    @classmethod
    def from_hours(cls, name: str, timezone: str, hours: Mapping[str, str],
                   holidays: Iterable[str] = ()) -> BusinessCalendar:
        """From ``{"monday": "08:00-18:00", ...}`` (days not named are closed)."""
        unknown = set(hours) - set(DAYS)
        if unknown:
            raise ValueError(f"unknown day(s) {sorted(unknown)}; use {', '.join(DAYS)}")
        week = tuple(parse_spans(hours.get(day, "closed")) for day in DAYS)
        return cls(name, timezone, week, frozenset(date.fromisoformat(d) for d in holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # -- the open spans of a local day, as instants ---------------------------------------
    def day_spans(self, day: date) -> tuple[tuple[int, int], ...]:
        """The open spans of a local date, as [start, end) epoch milliseconds: the instants
        whose local date is ``day`` and whose local time of day is within its hours
        (remembered: ticket clocks ask for the same days over and over)."""
        spans = self._spans.get(day)
        if spans is None:
            if len(self._spans) >= REMEMBERED_DAYS:
                self._spans.clear()
            spans = self._spans[day] = tuple(self._day_spans(day))
        return spans

    def _day_spans(self, day: date) -> list[tuple[int, int]]:
        if day in self.holidays or not self.week[day.weekday()]:
            return []
        out = []
        naive_midnight = _naive_ms(day)
        for low, high, offset in _pieces(day, self.zone):
            for start, end in self.week[day.weekday()]:
                first = max(low, naive_midnight - offset + start * 60_000)
                last = min(high, naive_midnight - offset + end * 60_000)
                if first < last:
                    out.append((first, last))
        out.sort()
        return out

    def local_date(self, ts_ms: int) -> date:
        return datetime.fromtimestamp(ts_ms / 1000, self.zone).date()

    # -- questions ---------------------------------------------------------------------
    def is_open(self, ts_ms: int) -> bool:
        return any(low <= ts_ms < high for low, high in self.day_spans(self.local_date(ts_ms)))

    def business_ms(self, start_ms: int, end_ms: int) -> int:
        """Open milliseconds in [start, end) (0 if end is not after start)."""
        if end_ms <= start_ms:
            return 0
        total = 0
        day = self.local_date(start_ms) - timedelta(days=1)  # a span may begin the day before
        last = self.local_date(end_ms)
        while day <= last:
            for low, high in self.day_spans(day):
                overlap = min(high, end_ms) - max(low, start_ms)
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total

    def add_business_ms(self, start_ms: int, amount_ms: int, horizon_days: int = 3660) -> int:
        """The instant at which ``amount_ms`` of open time has passed after ``start_ms``
        (``start_ms`` itself for 0); a calendar never open gives up after the horizon and
        says "never" (a time far in the future)."""
        if amount_ms <= 0:
            return start_ms
        left = amount_ms
        day = self.local_date(start_ms) - timedelta(days=1)  # a span may cross midnight
        for _ in range(horizon_days + 2):  # the day before, and the horizon's last day
            for low, high in self.day_spans(day):
                low = max(low, start_ms)
                if high <= low:
                    continue
                if high - low >= left:
                    return low + left
                left -= high - low
            day += timedelta(days=1)
        return NEVER_MS

    def sub_business_ms(self, end_ms: int, amount_ms: int, horizon_days: int = 3660) -> int:
        """The latest instant from which ``amount_ms`` of open time has passed by
        ``end_ms`` (``end_ms`` itself for 0); a calendar never open enough within the
        horizon says "never" (a time far in the past, -``NEVER_MS``)."""
        if amount_ms <= 0:
            return end_ms
        left = amount_ms
        day = self.local_date(end_ms) + timedelta(days=1)  # a span may cross midnight
        for _ in range(horizon_days + 2):  # the day after, and the horizon's first day
            for low, high in reversed(self.day_spans(day)):
                high = min(high, end_ms)
                if high <= low:
                    continue
                if high - low >= left:
                    return high - left
                left -= high - low
            day -= timedelta(days=1)
        return -NEVER_MS

    def next_change(self, ts_ms: int, horizon_days: int = 400) -> int:
        """The first instant after ``ts_ms`` at which the calendar opens or closes."""
        day = self.local_date(ts_ms) - timedelta(days=1)
        for _ in range(horizon_days):
            for low, high in self.day_spans(day):
                for edge in (low, high):
                    if edge > ts_ms:
                        return edge
            day += timedelta(days=1)
        return NEVER_MS


NEVER_MS = 2**62



def _naive_ms(day: date) -> int:
    """Local midnight of ``day`` as if it were UTC, in epoch milliseconds."""
    return (day - date(1970, 1, 1)).days * 86_400_000


def _offset_ms(ts_ms: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ts_ms / 1000, zone).utcoffset()
    assert offset is not None
    return offset.days * 86_400_000 + offset.seconds * 1000


def _pieces(day: date, zone: ZoneInfo) -> list[tuple[int, int, int]]:
    """The local day as instants, cut where the UTC offset changes: [start, end, offset)."""
    start = _first_instant(day, zone)
    end = _first_instant(day + timedelta(days=1), zone)
    first, last = _offset_ms(start, zone), _offset_ms(end - 1, zone)
    if first == last:
        return [(start, end, first)]
    low, high = start, end - 1  # the change: the first instant with the new offset
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_ms(middle, zone) == first:
            low = middle
        else:
            high = middle
    return [(start, high, first), (high, end, last)]


def _first_instant(day: date, zone: ZoneInfo) -> int:
    """The first instant whose local date is ``day`` (local midnight, or the end of a gap
    that swallows it)."""
    return round(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() * 1000)
