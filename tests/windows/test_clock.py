"""One record far ahead cannot move event time on its own; a real jump ahead can."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ccpulse.windows.clock import AheadGuard

TOLERANCE = 300_000
DAY = 86_400_000
START = 10 * DAY


def play(times: list[int | None], start: int = START, confirmations: int = 3,
         end: bool = False) -> tuple[list[int], list[int], int]:
    """Offer items 0, 1, ... with these times (None: unreadable) to a guard whose event
    time is ``start``; returns the items let through, the ones refused, and how many
    are still held (none after ``end``)."""
    guard: AheadGuard[int] = AheadGuard(TOLERANCE, confirmations, start)
    through: list[int] = []
    refused: list[int] = []
    released = [out for i, ts in enumerate(times) for out in guard.offer(i, ts)]
    if end:
        released += guard.end()
    for item, outlier in released:
        (refused if outlier else through).append(item)
    return through, refused, len(guard.held)


def test_a_lone_record_a_day_ahead_is_refused_and_nothing_else() -> None:
    s = START
    through, refused, held = play([s, s + 1000, s + DAY, None, s + 2000, s + 3000])
    assert refused == [2] and through == [0, 1, 3, 4, 5] and held == 0


def test_a_real_jump_ahead_is_confirmed_by_the_records_after_it() -> None:
    monday = START + 2 * DAY
    through, refused, held = play([START, START + 1000, monday, monday + 5, None, monday + 9,
                                   monday + 20])
    assert refused == [] and through == [0, 1, 2, 3, 4, 5, 6] and held == 0


def test_what_follows_a_held_record_waits_for_the_verdict() -> None:
    through, refused, held = play([START, START + DAY, None, START + DAY + 1])
    assert (through, refused, held) == ([0], [], 3)


def test_an_outlier_inside_a_real_jump_is_still_refused() -> None:
    """A quiet hour, then a record a year ahead among the records after the hour."""
    hour, year = START + 3_600_000, START + 365 * DAY
    through, refused, held = play([START, hour, year, hour + 60_000, hour + 90_000,
                                   hour + 95_000])
    assert refused == [2] and through == [0, 1, 3, 4, 5] and held == 0


def test_at_the_end_an_unconfirmed_record_is_refused_and_a_confirmed_one_kept() -> None:
    assert play([START, START + DAY], end=True) == ([0], [1], 0)
    assert play([START, START + DAY, START + DAY + 5], end=True) == ([0], [1, 2], 0)
    assert play([START, START + DAY, START + DAY + 5, START + DAY + 9], end=True) == \
        ([0, 1, 2, 3], [], 0)


def test_the_first_record_sets_the_time() -> None:
    assert play([DAY, DAY + 1, 5 * DAY, DAY + 2, DAY + 3], start=0) == ([0, 1, 3, 4], [2], 0)


def test_what_is_held_is_bounded() -> None:
    guard: AheadGuard[int] = AheadGuard(TOLERANCE, 3, START, max_held=100)
    guard.offer(0, START + DAY)
    released = [out for i in range(1, 1000) for out in guard.offer(i, None)]
    assert len(guard.held) <= 100 and released[0] == (0, True)


steps = st.lists(st.integers(-3_600_000, TOLERANCE), min_size=1, max_size=40)


def stream(deltas: list[int]) -> list[int | None]:
    """Records each no further ahead of the newest before them than the tolerance."""
    times: list[int | None] = []
    newest = START
    for delta in deltas:
        times.append(newest + delta)
        newest = max(newest, newest + delta)
    return times


@given(steps)
def test_records_within_the_tolerance_always_go_straight_through(deltas: list[int]) -> None:
    times = stream(deltas)
    assert play(times) == (list(range(len(times))), [], 0)


@given(steps, st.data())
def test_a_lone_outlier_anywhere_is_the_only_record_refused(deltas: list[int],
                                                            data: st.DataObject) -> None:
    times = stream(deltas)
    position = data.draw(st.integers(0, len(times)))
    newest_before = max([START, *(t for t in times[:position] if t is not None)])
    ahead = data.draw(st.integers(TOLERANCE + 3_600_000 + 1, 3650 * DAY))  # past any refute
    times.insert(position, newest_before + ahead)
    through, refused, held = play(times, end=True)
    assert refused == [position] and held == 0
    assert through == [i for i in range(len(times)) if i != position]


@given(steps, st.lists(st.integers(-TOLERANCE, TOLERANCE), min_size=2, max_size=40),
       st.integers(TOLERANCE + 1, 30 * DAY))
def test_a_stream_that_jumps_ahead_for_good_loses_nothing(before: list[int], after: list[int],
                                                          jump: int) -> None:
    """After a jump, two records that go on from the new time confirm it (records late by
    more than the tolerance would be votes against it)."""
    first = stream(before)
    newest = max(t for t in first if t is not None)
    rest = [None if t is None else t - START + newest + jump for t in stream([0, *after])]
    times = first + rest
    assert play(times) == (list(range(len(times))), [], 0)


@given(st.lists(st.one_of(st.none(), st.integers(-DAY, 2 * DAY)), min_size=1, max_size=60),
       st.sampled_from([0, START]))
def test_passes_lets_through_exactly_what_offer_would(offsets: list[int | None],
                                                      start: int) -> None:
    """The processor asks ``passes`` first and offers only what it refuses: the same
    records come out, in the same order, with the same verdicts, as from ``offer`` alone."""
    times = [None if offset is None else START + offset for offset in offsets]
    plain: AheadGuard[int] = AheadGuard(TOLERANCE, 3, start)
    expected = [out for i, ts in enumerate(times) for out in plain.offer(i, ts)]
    fast: AheadGuard[int] = AheadGuard(TOLERANCE, 3, start)
    got: list[tuple[int, bool]] = []
    for i, ts in enumerate(times):
        if ts is not None and fast.passes(ts):
            got.append((i, False))
        else:
            got.extend(fast.offer(i, ts))
    assert got == expected
    assert fast.now_ms == plain.now_ms and len(fast.held) == len(plain.held)
