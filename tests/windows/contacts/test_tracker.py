"""Contact pairing and crediting, with small timelines written in each test."""

from __future__ import annotations

import pytest

from ccpulse.windows.config import Limits, Retention
from ccpulse.windows.contacts import family as f
from ccpulse.windows.contacts.event import UNMEASURED, ContactEvent
from ccpulse.windows.contacts.family import CONTACT, wait_histograms
from ccpulse.windows.contacts.kpis import compute
from ccpulse.windows.contacts.tracker import ContactTracker
from ccpulse.windows.domain import Context
from ccpulse.windows.engine import WindowSet
from ccpulse.windows.families import Vec
from ccpulse.windows.histograms import Histograms
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.policy import AbandonPolicy, PolicyBook, ServiceLevelPolicy
from ccpulse.windows.timeframes import CONTACT_WINDOWS, Calendar

T0 = 1_700_000_000_000


def Ev(kind: str, ts_ms: int, contact_id: str = "c1", queue: str = "q",
       channel: str = "voice", event_id: str = "", to_queue: str | None = None,
       handle_ms: int = UNMEASURED, agent_id: str | None = None) -> ContactEvent:
    return ContactEvent(event_id, f"call.{kind}", kind, T0 + ts_ms, 0, contact_id, queue,
                        channel, agent_id, to_queue, handle_ms)


def new_tracker(policy: ServiceLevelPolicy | None = None, limits: Limits | None = None,
                now_ms: int = T0 + 10 * 3_600_000) -> ContactTracker:
    windows = WindowSet(Calendar(), CONTACT_WINDOWS, {CONTACT.name: CONTACT}, now_ms)
    ctx = Context(windows, Histograms(wait_histograms((20_000, 60_000))),
                  LabelGuard(limits or Limits()))
    return ContactTracker("call", ctx, PolicyBook(policy or ServiceLevelPolicy()), Retention(),
                          limits or Limits())


def play(timeline: list[ContactEvent], policy: ServiceLevelPolicy | None = None,
         tracker: ContactTracker | None = None
         ) -> tuple[list[str], dict[str, Vec], ContactTracker]:
    tracker = tracker or new_tracker(policy)
    outcomes = []
    for i, ev in enumerate(timeline):
        ev.event_id = ev.event_id or f"e{i}"
        outcomes.append(tracker.apply(ev))
    return outcomes, totals(tracker), tracker


def totals(tracker: ContactTracker) -> dict[str, Vec]:
    windows = tracker.ctx.windows
    windows.fold()
    return {series[1]: values for series, values in windows.totals["total"].items()}


def test_answer_within_and_after_threshold() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0, "a"), Ev("answered", 20_000, "a"),
        Ev("queued", 0, "b"), Ev("answered", 20_001, "b"),
        Ev("ended", 200_000, "a", handle_ms=150_000),
    ])
    assert outcomes == ["applied"] * 5
    q = queues["q"]
    assert (q[f.OFFERED], q[f.ANSWERED], q[f.ANSWERED_WITHIN]) == (2, 2, 1)
    assert q[f.ANSWER_WAIT_MS] == 40_001
    assert (q[f.HANDLED], q[f.HANDLE_MS]) == (1, 150_000)
    assert tracker.ctx.histograms.items[(f.ANSWER_WAIT, "q", "voice")].cumulative() == [1, 2]


def test_an_end_without_durations_takes_its_time_in_service_as_handle_time() -> None:
    _, queues, _ = play([Ev("queued", 0), Ev("answered", 5_000),
                         Ev("ended", 65_000), Ev("ended", 70_000, "unknown")])
    assert (queues["q"][f.HANDLED], queues["q"][f.HANDLE_MS]) == (1, 60_000)


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
    assert queues["q"][f.SHORT_ABANDONED] == (1 if short_s else 0)


def test_a_channel_policy_of_its_own_within_a_queue() -> None:
    tracker = new_tracker()
    tracker.policies = PolicyBook(ServiceLevelPolicy(), {},
                                  {("q", "chat"): ServiceLevelPolicy(threshold_s=60)})
    play([Ev("queued", 0, "a"), Ev("answered", 45_000, "a"),
          Ev("queued", 0, "b", channel="chat"), Ev("answered", 45_000, "b", channel="chat")],
         tracker=tracker)
    tracker.ctx.windows.fold()
    within = {series[2]: values[f.ANSWERED_WITHIN]
              for series, values in tracker.ctx.windows.totals["total"].items()}
    assert within == {"voice": 0, "chat": 1}


def test_transfer_while_waiting_leaves_one_queue_and_enters_another() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0), Ev("transferred", 30_000, to_queue="r"),
        Ev("answered", 35_000, queue="r"),
    ])
    assert outcomes == ["applied"] * 3
    assert queues["q"][f.TRANSFERRED] == 1 and queues["q"][f.OFFERED] == 1
    assert queues["q"][f.ANSWERED] == 0
    assert queues["r"][f.ANSWERED] == 1 and queues["r"][f.ANSWER_WAIT_MS] == 5_000
    assert not tracker.waiting


def test_transfer_after_answer_ends_the_first_service_and_waits_in_the_new_queue() -> None:
    outcomes, queues, tracker = play([
        Ev("queued", 0), Ev("answered", 1_000), Ev("transferred", 61_000, to_queue="r"),
        Ev("answered", 71_000, queue="r"), Ev("ended", 131_000, queue="r"),
    ])
    assert outcomes == ["applied"] * 5
    assert queues["q"][f.TRANSFERRED] == 0 and queues["q"][f.ANSWERED] == 1
    assert queues["q"][f.HANDLED] == 1 and queues["q"][f.HANDLE_MS] == 60_000
    assert queues["r"][f.OFFERED] == 1 and queues["r"][f.ANSWER_WAIT_MS] == 10_000
    assert queues["r"][f.HANDLED] == 1 and queues["r"][f.HANDLE_MS] == 60_000
    assert not tracker.live_all()


def test_a_transfer_after_the_contact_left_is_refused() -> None:
    for left in (Ev("abandoned", 1_000), Ev("answered", 1_000)):
        timeline = [Ev("queued", 0), left]
        if left.kind == "answered":
            timeline.append(Ev("ended", 2_000))
        outcomes, queues, tracker = play([*timeline, Ev("transferred", 9_000, to_queue="r")])
        assert outcomes[-1] == "not_waiting" and "r" not in queues
        assert not tracker.live_all()


@pytest.mark.parametrize(("timeline", "reason"), [
    ([Ev("answered", 5)], "not_queued"),
    ([Ev("transferred", 5, to_queue="r")], "not_queued"),
    ([Ev("queued", 10), Ev("answered", 5)], "answered_before_queued"),
    ([Ev("queued", 10), Ev("abandoned", 5)], "abandoned_before_queued"),
    ([Ev("queued", 10), Ev("transferred", 5, to_queue="r")], "transferred_before_queued"),
    ([Ev("queued", 10), Ev("queued", 20)], "already_waiting"),
    ([Ev("queued", 10), Ev("ended", 20)], "ended_while_waiting"),
    ([Ev("queued", 10), Ev("answered", 20, queue="other")], "not_waiting"),
    ([Ev("queued", 10), Ev("answered", 20), Ev("abandoned", 30)], "not_waiting"),
    ([Ev("queued", 10), Ev("answered", 20), Ev("transferred", 30, queue="x", to_queue="r")],
     "not_waiting"),
    ([Ev("queued", 10), Ev("transferred", 20, queue="x", to_queue="r")], "not_waiting"),
])
def test_impossible_sequences_are_rejected_with_a_reason(timeline: list[ContactEvent],
                                                          reason: str) -> None:
    outcomes, _, tracker = play(timeline)
    assert outcomes[-1] == reason
    assert not tracker.live_all().get(("call", "r", "voice")), "no phantom in the target queue"


def test_a_repeated_event_id_is_a_duplicate_and_counts_once() -> None:
    outcomes, queues, _ = play([
        Ev("queued", 0, event_id="x1"), Ev("queued", 0, event_id="x1"),
        Ev("answered", 3_000, event_id="x2"), Ev("answered", 3_000, event_id="x2"),
    ])
    assert outcomes == ["applied", "duplicate", "applied", "duplicate"]
    assert queues["q"][f.ANSWERED] == 1


def test_live_entries_list_queue_times_of_waiting_contacts_and_only_changes() -> None:
    _, _, tracker = play([
        Ev("queued", 30_000, "c"), Ev("queued", 0, "a"), Ev("queued", 15_000, "b"),
        Ev("answered", 31_000, "b"),
    ])
    expected = {("call", "q", "voice"): {"w": [T0, T0 + 30_000], "s": 1}}
    assert tracker.live_changes() == expected
    assert tracker.live_changes() == {}
    assert tracker.live_all() == expected


def test_forgotten_contacts_expire_and_are_counted() -> None:
    _, _, tracker = play([Ev("queued", 0, "a"), Ev("queued", 0, "b"), Ev("answered", 1, "b"),
                          Ev("ended", 2, "b")])
    tracker.advance(T0 + 16 * 60_000)
    assert "b" not in tracker.finished and "a" in tracker.waiting
    tracker.advance(T0 + 5 * 3_600_000)
    assert not tracker.waiting and tracker.ctx.counters["expired_waiting"] == 1
    assert tracker.live_changes() == {("call", "q", "voice"): None}


def test_a_flood_of_new_contacts_stops_at_the_limit() -> None:
    tracker = new_tracker(limits=Limits(max_contacts=2))
    outcomes, _, _ = play([Ev("queued", 0, "a"), Ev("queued", 0, "b"), Ev("queued", 0, "c"),
                           Ev("answered", 1, "a")], tracker=tracker)
    assert outcomes == ["applied", "applied", "entity_limit", "applied"]


def test_records_round_trip_through_a_checkpoint() -> None:
    _, _, tracker = play([Ev("queued", 0, "a"), Ev("queued", 5, "b"),
                          Ev("answered", 9, "b", agent_id="ann")])
    saved = {cid: raw for (_, cid), raw in tracker.record_changes().items() if raw is not None}
    again = new_tracker()
    again.restore({"call": saved})
    assert again.live_all() == tracker.live_all()
    assert again.record("b") == tracker.record("b") and again.record("b").agent == "ann"


def test_handle_time_is_credited_at_the_queue_exit() -> None:
    tracker = new_tracker(now_ms=T0 + 70 * 60_000)
    play([Ev("queued", 0), Ev("answered", 5_000), Ev("ended", 3_600_000, handle_ms=3_000_000),
          Ev("ended", 3_500_000, "unknown", handle_ms=7)], tracker=tracker)
    windows = tracker.ctx.windows
    windows.fold()
    series = ("contact", "q", "voice")
    # with its answer, 70 minutes ago: in the total, not in the last hour
    assert windows.total("total", series)[f.HANDLE_MS] == 3_000_007
    # no answer known: at its end, 58 minutes in
    assert windows.total("1h", series)[f.HANDLE_MS] == 7


def test_queues_outside_the_allow_list_are_refused_and_beyond_the_cap_fold_into_other() -> None:
    strict = new_tracker(limits=Limits(queue_allowlist=frozenset({"q", "r"})))
    outcomes, _, _ = play([Ev("queued", 0, "a", queue="spam"), Ev("queued", 0, "b"),
                           Ev("transferred", 5, "b", to_queue="spam")], tracker=strict)
    assert outcomes == ["queue_not_allowed", "applied", "queue_not_allowed"]
    capped = new_tracker(limits=Limits(max_queues=2))
    names = [f"q{i}" for i in range(6)]
    _, queues, tracker = play([e for i, name in enumerate(names) for e in (
        Ev("queued", i, f"c{i}", queue=name), Ev("answered", i + 1, f"c{i}", queue=name))],
        tracker=capped)
    assert set(queues) == {"q0", "q1", "other"} and queues["other"][f.ANSWERED] == 4
    assert tracker.ctx.queues.folded == 8


def test_repeats_sent_after_the_contact_was_forgotten_are_not_recognised() -> None:
    tracker = new_tracker()
    first = [Ev("queued", 0, event_id="q"), Ev("answered", 5_000, event_id="a"),
             Ev("ended", 65_000, event_id="e")]
    assert [tracker.apply(e) for e in first] == ["applied"] * 3
    tracker.advance(T0 + 65_000 + 16 * 60_000)  # past the 15 minutes finished contacts stay
    assert tracker.record("c1") is None
    again = [Ev("answered", 5_000, event_id="a"), Ev("queued", 0, event_id="q")]
    assert [tracker.apply(e) for e in again] == ["not_queued", "applied"]
    assert "c1" in tracker.waiting  # a new visit, which waits until presumed lost
