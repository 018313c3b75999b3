"""The backlog's age bands against counting every ticket's age, as time moves alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.windows.tickets.backlog import Backlog

H = 3_600_000
BANDS = (4 * H, 24 * H, 72 * H)
KEY = ("sales", "open", "normal")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200 * H), st.booleans()), min_size=1, max_size=30),
       st.lists(st.integers(0, 300 * H), min_size=1, max_size=10))
def test_band_counts_follow_the_clock(tickets: list[tuple[int, bool]], times: list[int]) -> None:
    backlog = Backlog(BANDS)
    kept = []
    for created, stays in tickets:
        backlog.add(KEY, created)
        kept.append(created)
        if not stays:
            backlog.remove(KEY, created)
            kept.remove(created)
    backlog.dirty.clear()
    for now in sorted(times):
        before = backlog.entry(KEY)
        backlog.advance(now)
        entry = backlog.entry(KEY)
        if not kept:
            assert entry is None
            continue
        ages = [backlog.now_ms - c for c in kept]
        assert entry == [len(kept), *(sum(a >= band for a in ages) for band in BANDS),
                         min(kept)]
        if entry != before:  # a change is always published
            assert KEY in backlog.dirty
        backlog.dirty.clear()
