"""Contact pairing and crediting, with small timelines written in each test."""

from __future__ import annotations

import pytest

from windows import aggregate as a
from windows.contacts import ContactTracker
from windows.event import Event
from windows.kpis import compute
from windows.policy import AbandonPolicy, PolicyBook, ServiceLevelPolicy


def Ev(kind: str, ts_ms: int, contact_id: str = "c1", queue: str = "q",
       channel: str = "voice", event_id: str = "", to_queue: str | None = None,
       handle_ms: int = 0) -> Event:
    return Event(event_id, f"call.{kind}", kind, ts_ms, contact_id, queue, channel, None,
                 to_queue, handle_ms)


def numbered(ev: Event, i: int) -> Event:
    """The event with an id of its own where the timeline gave none."""
    if not ev.event_id:
        ev.event_id = f"e{i}"
    return ev


class Sink:
    def __init__(self) -> None:
        self.agg = a.empty()
        self.queues: dict[str, a.Agg] = {}

    def slot(self, queue: str, channel: str, ts_ms: int) -> a.Agg:
        return self.queues.setdefault(queue, a.empty())


def play(timeline: list[Event], policy: ServiceLevelPolicy | None = None
         ) -> tuple[list[str], dict[str, a.Agg], ContactTracker]:
    tracker = ContactTracker(PolicyBook(policy or ServiceLevelPolicy()), [20_000, 60_000])
    sink = Sink()
    outcomes = []
    for i, ev in enumerate(timeline):
        outcomes.append(tracker.apply(numbered(ev, i), sink))
    return outcomes, sink.queues, tracker


def test_answer_within_and_after_threshold() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0, "a"), Ev("answered", 20_000, "a"),
        Ev("queued", 0, "b"), Ev("answered", 20_001, "b"),
        Ev("ended", 200_000, "a", handle_ms=150_000),
    ])
    assert outcomes == ["applied"] * 5
    q = queues["q"]
    assert (q[a.OFFERED], q[a.ANSWERED], q[a.ANSWERED_WITHIN]) == (2, 2, 1)
    assert q[a.ANSWER_WAIT_MS] == 40_001
    assert (q[a.HANDLED], q[a.HANDLE_MS]) == (1, 150_000)
    assert tracker.histogram(("q", "voice", "answered")) == [1, 2]


@pytest.mark.parametrize(("abandons", "short_s", "expected_sl", "offered"), [
    (AbandonPolicy.NEGATIVE, 0, 1 / 4, 4),  # 1 met of 2 answered + 2 abandoned
    (AbandonPolicy.IGNORED, 0, 1 / 2, 4),  # abandons left out: 1 of 2 answered
    (AbandonPolicy.POSITIVE, 0, 2 / 4, 4),  # the 10 s abandon counts as met
    (AbandonPolicy.NEGATIVE, 15, 1 / 3, 3),  # the 10 s abandon is short: gone entirely
])
def test_abandon_policies(abandons: AbandonPolicy, short_s: float, expected_sl: float,
                          offered: int) -> None:
    policy = ServiceLevelPolicy(threshold_s=20, abandons=abandons, short_abandon_s=short_s)
    _, queues, _ = play([
        Ev("queued", 0, "a"), Ev("answered", 5_000, "a"),
        Ev("queued", 0, "b"), Ev("answered", 50_000, "b"),
        Ev("queued", 0, "c"), Ev("abandoned", 10_000, "c"),
        Ev("queued", 0, "d"), Ev("abandoned", 90_000, "d"),
    ], policy)
    kpis = compute(queues["q"], policy)
    assert kpis.service_level == pytest.approx(expected_sl)
    assert kpis.offered == offered
    assert queues["q"][a.SHORT_ABANDONED] == (1 if short_s else 0)


def test_transfer_while_waiting_leaves_one_queue_and_enters_another() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0), Ev("transferred", 30_000, to_queue="r"),
        Ev("answered", 35_000, queue="r"),
    ])
    assert outcomes == ["applied"] * 3
    assert queues["q"][a.TRANSFERRED] == 1 and queues["q"][a.OFFERED] == 1
    assert queues["q"][a.ANSWERED] == 0
    assert queues["r"][a.ANSWERED] == 1 and queues["r"][a.ANSWER_WAIT_MS] == 5_000
    assert not tracker.waiting


def test_transfer_after_answer_just_enters_the_new_queue() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0), Ev("answered", 1_000), Ev("transferred", 60_000, to_queue="r"),
    ])
    assert outcomes == ["applied"] * 3
    assert queues["q"][a.TRANSFERRED] == 0
    assert tracker.live() == {("r", "voice"): {"w": [60_000], "s": 0}}


@pytest.mark.parametrize(("timeline", "reason"), [
    ([Ev("answered", 5)], "not_waiting"),
    ([Ev("queued", 10), Ev("answered", 5)], "answered_before_queued"),
    ([Ev("queued", 10), Ev("abandoned", 5)], "abandoned_before_queued"),
    ([Ev("queued", 10), Ev("queued", 20)], "already_waiting"),
    ([Ev("queued", 10), Ev("ended", 20)], "ended_while_waiting"),
    ([Ev("queued", 10), Ev("answered", 20, queue="other")], "not_waiting"),
])
def test_impossible_sequences_are_rejected_with_a_reason(timeline: list[Event],
                                                          reason: str) -> None:
    outcomes, _, _ = play(timeline)
    assert outcomes[-1] == reason


def test_a_repeated_event_id_is_a_duplicate_and_counts_once() -> None:
    outcomes, queues, _ = play([
        Ev("queued", 0, event_id="x1"), Ev("queued", 0, event_id="x1"),
        Ev("answered", 3_000, event_id="x2"), Ev("answered", 3_000, event_id="x2"),
    ])
    assert outcomes == ["applied", "duplicate", "applied", "duplicate"]
    assert queues["q"][a.ANSWERED] == 1


def test_live_state_lists_queue_times_of_waiting_contacts() -> None:
    _, _, tracker = play([
        Ev("queued", 30_000, "c"), Ev("queued", 0, "a"), Ev("queued", 15_000, "b"),
        Ev("answered", 31_000, "b"),
    ])
    assert tracker.live() == {("q", "voice"): {"w": [0, 30_000], "s": 1}}


def test_waiting_figures_are_computed_at_the_readers_now() -> None:
    from exporters.view import View

    view = View(now_ms=40_000, live={("q", "voice"): [0, 30_000, 19_000]})
    assert view.waiting("q", "voice", 20_000) == (3, 40.0, 2)
    assert view.waiting("q", "voice", 9_999) == (3, 40.0, 3)
    assert view.waiting("other", "voice", 20_000) == (0, 0.0, 0)


def test_forgotten_contacts_expire() -> None:
    _, _, tracker = play([Ev("queued", 0, "a"), Ev("queued", 0, "b"), Ev("answered", 1, "b")])
    tracker.expire(16 * 60_000)
    assert "b" not in tracker.finished and "a" in tracker.waiting
    tracker.expire(5 * 3_600_000)
    assert not tracker.waiting and tracker.expired_waiting == 1


def test_handle_time_is_credited_at_the_queue_exit() -> None:
    class TimedSink:
        def __init__(self) -> None:
            self.slots: dict[int, a.Agg] = {}

        def slot(self, queue: str, channel: str, ts_ms: int) -> a.Agg:
            return self.slots.setdefault(ts_ms, a.empty())

    tracker = ContactTracker(PolicyBook(), [])
    sink = TimedSink()
    for i, ev in enumerate([Ev("queued", 0), Ev("answered", 5_000),
                            Ev("ended", 3_600_000, handle_ms=3_000_000),
                            Ev("ended", 50, "unknown", handle_ms=7)]):
        assert tracker.apply(numbered(ev, i), sink) == "applied"
    assert sink.slots[5_000][a.HANDLE_MS] == 3_000_000  # with its answer, an hour earlier
    assert sink.slots[50][a.HANDLE_MS] == 7  # no answer known: at its end
