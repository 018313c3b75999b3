"""The window engine against a brute-force reference that keeps every credit."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from windows import aggregate as a
from windows.engine import WindowSet
from windows.partition import EngineConfig, PartitionState
from windows.store import MemoryStore, Write
from windows.timeframes import ALL_WINDOWS, BUCKET_MS, Calendar, bucket_of

T0 = 1_700_000_000_000  # 2023-11-14, a Tuesday
ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
QUEUES = [("sales", "voice"), ("support", "voice"), ("sales", "chat")]


@dataclass(frozen=True)
class Credit:
    queue: str
    channel: str
    ts_ms: int
    field: int
    amount: int


@dataclass(frozen=True)
class Advance:
    to_ms: int


steps = st.lists(
    st.one_of(
        st.builds(Credit, st.sampled_from([q for q, _ in QUEUES]),
                  st.sampled_from(["voice", "chat"]),
                  st.integers(-3 * 3_600_000, 600_000), st.integers(0, a.SIZE - 1),
                  st.integers(1, 5)),
        st.builds(Advance, st.integers(0, 40 * 60_000)),
    ),
    max_size=60,
)


def reference(calendar: Calendar, script: list[Credit | Advance],
              t0: int = T0) -> dict[tuple[str, str, str], a.Agg]:
    """Keep every credit with the bucket it landed in; sum what each window covers."""
    now = t0
    landed: list[tuple[Credit, int]] = []
    for step in script:
        if isinstance(step, Advance):
            now = max(now, now + step.to_ms)
        else:
            landed.append((step, bucket_of(min(t0 + step.ts_ms, now))))
    out: dict[tuple[str, str, str], a.Agg] = {}
    for spec in ALL_WINDOWS:
        start = calendar.window_start_ms(spec, now)
        for credit, bucket in landed:
            if bucket >= start:
                agg = out.setdefault((spec.name, credit.queue, credit.channel), a.empty())
                agg[credit.field] += credit.amount
    return out


def run(windows: WindowSet, script: list[Credit | Advance], t0: int = T0) -> None:
    for step in script:
        if isinstance(step, Advance):
            windows.advance(windows.now_ms + step.to_ms)
        else:
            windows.slot(step.queue, step.channel, t0 + step.ts_ms)[step.field] += step.amount
    windows.fold()


def engine_totals(windows: WindowSet) -> dict[tuple[str, str, str], a.Agg]:
    return {(name, q, c): agg for name, per_queue in windows.totals.items()
            for (q, c), agg in per_queue.items() if not a.is_empty(agg)}


@settings(max_examples=300, deadline=None)
@given(script=steps, zone=st.sampled_from(ZONES), interval=st.sampled_from([15, 30]),
       start_offset=st.integers(0, 86_400_000))
def test_windows_match_brute_force(script: list[Credit | Advance], zone: str, interval: int,
                                   start_offset: int) -> None:
    t0 = T0 + start_offset
    calendar = Calendar(zone, interval)
    windows = WindowSet(calendar, t0)
    run(windows, script, t0)
    expected = {k: v for k, v in reference(calendar, script, t0).items() if not a.is_empty(v)}
    assert engine_totals(windows) == expected


def test_buckets_are_kept_only_as_long_as_the_longest_sliding_window() -> None:
    windows = WindowSet(Calendar(), T0)
    for minute in range(180):
        windows.advance(T0 + minute * BUCKET_MS)
        windows.slot("q", "voice", windows.now_ms)[a.OFFERED] += 1
    windows.fold()
    assert len(windows.buckets[("q", "voice")]) == 60
    assert windows.total("1h", "q", "voice")[a.OFFERED] == 60
    assert windows.total("5m", "q", "voice")[a.OFFERED] == 5


def test_sliding_window_drops_old_buckets_when_time_moves_without_events() -> None:
    windows = WindowSet(Calendar(), T0)
    windows.slot("q", "voice", T0)[a.ANSWERED] += 3
    windows.advance(T0 + 4 * 60_000)
    assert windows.total("5m", "q", "voice")[a.ANSWERED] == 3
    windows.advance(T0 + 6 * 60_000)
    assert windows.total("5m", "q", "voice")[a.ANSWERED] == 0
    assert windows.total("15m", "q", "voice")[a.ANSWERED] == 3
    assert windows.total("total", "q", "voice")[a.ANSWERED] == 3


def test_today_restarts_at_local_midnight() -> None:
    calendar = Calendar("Europe/Paris")
    before_midnight = 1_700_002_740_000  # 2023-11-14 23:59 in Paris
    windows = WindowSet(calendar, before_midnight)
    windows.slot("q", "voice", before_midnight)[a.OFFERED] += 1
    windows.advance(before_midnight + 30_000)
    assert windows.total("today", "q", "voice")[a.OFFERED] == 1
    windows.advance(before_midnight + 90_000)
    assert windows.total("today", "q", "voice")[a.OFFERED] == 0
    assert windows.total("1h", "q", "voice")[a.OFFERED] == 1


@settings(max_examples=100, deadline=None)
@given(script=steps, cuts=st.lists(st.integers(0, 60), max_size=4))
def test_saving_and_restoring_midway_changes_nothing(script: list[Credit | Advance],
                                                     cuts: list[int]) -> None:
    config = EngineConfig(calendar=Calendar("Europe/London"))
    store = MemoryStore()
    straight = WindowSet(config.calendar, T0)
    run(straight, script)

    state = PartitionState(config, T0)
    offset = -1
    for i, step in enumerate(script):
        if i in cuts:  # checkpoint, then carry on from a fresh copy of what was saved
            state.offset = i
            assert store.save([Write("p", offset, state.publish(), state.checkpoint())]) == [True]
            offset = i
            state = PartitionState(config, T0, store.load("p"))
        run(state.windows, [step])
    state.windows.fold()
    assert engine_totals(state.windows) == engine_totals(straight)


def test_fenced_save_refuses_a_stale_owner() -> None:
    store = MemoryStore()
    config = EngineConfig()
    first = PartitionState(config, T0)
    first.offset = 10
    assert store.save([Write("p", -1, first.publish(), first.checkpoint())]) == [True]
    stale = PartitionState(config, T0)
    stale.offset = 5
    assert store.save([Write("p", -1, stale.publish())]) == [False]
    assert store.load("p").published_offset == 10
