"""The backlog's age bands against counting every ticket's age, as time moves alone: in
calendar time, and in business time counted minute by minute."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.windows.business import BusinessCalendar
from ccpulse.windows.tickets.backlog import Backlog

MIN = 60_000
H = 60 * MIN
BANDS = (4 * H, 24 * H, 72 * H)
KEY = ("sales", "open", "normal")
T0 = 1_700_438_400_000  # Monday 2023-11-20 00:00 UTC
OFFICE = BusinessCalendar.from_hours("office", "UTC", dict.fromkeys(
    ("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-17:00"))


def open_minutes(start: int, end: int) -> int:
    return sum(MIN for m in range(start, end, MIN) if OFFICE.is_open(m))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200 * 60), st.booleans()), min_size=1, max_size=20),
       st.lists(st.integers(0, 300 * 60), min_size=1, max_size=8))
def test_band_counts_follow_the_clock(tickets: list[tuple[int, bool]], times: list[int]) -> None:
    backlog = Backlog(BANDS, lambda queue: OFFICE)
    kept = []
    for minute, stays in tickets:
        created = T0 + minute * MIN
        backlog.add(KEY, created)
        kept.append(created)
        if not stays:
            backlog.remove(KEY, created)
            kept.remove(created)
    backlog.dirty.clear()
    for minute in sorted(times):
        before = backlog.entry(KEY)
        backlog.advance(T0 + minute * MIN)
        entry = backlog.entry(KEY)
        if not kept:
            assert entry is None
            continue
        now = backlog.now_ms
        ages = [now - c for c in kept]
        open_ages = [open_minutes(c, now) for c in kept]
        assert entry == [len(kept), *(sum(a >= band for a in ages) for band in BANDS),
                         *(sum(a >= band for a in open_ages) for band in BANDS), min(kept)]
        if entry != before:  # a change is always published
            assert KEY in backlog.dirty
        backlog.dirty.clear()
