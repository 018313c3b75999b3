"""Chat response times against a brute-force reading of the README's rules, on random
conversations with bursts, bots, internal notes, handoffs, transfers, reopens and ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.chats import family as f
from ccpulse.windows.chats.responses import LIVE
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.policy import PolicyBook, ServiceLevelPolicy
from ccpulse.windows.registry import build_registry

T0 = 1_700_000_000_000
POLICY = ServiceLevelPolicy(first_response_target_s=30, response_target_s=45)
REGISTRY = build_registry(EngineConfig(policies=PolicyBook(POLICY), derive_agent_activity=False))
QUEUES = ("sales", "support", "billing")


@dataclass
class Step:
    type: str
    gap_s: int  # after the step before (0: the same instant)
    extra: dict[str, Any]


def messages() -> st.SearchStrategy[list[Step]]:
    """A few messages: customer bursts, bot and agent replies, internal notes."""
    one = st.builds(lambda author, internal, gap: Step(
        "chat.message", gap, {"author": author, "agent_id": "ann" if author == "agent" else None,
                              "visibility": "internal" if internal else "public"}),
        st.sampled_from(["customer", "customer", "agent", "bot"]),
        st.sampled_from([False, False, False, True]), st.integers(0, 90))
    return st.lists(one, max_size=4)


@st.composite
def story(draw: st.DrawFn) -> list[Step]:
    """One conversation: bot-phase messages, an entry (queued or handoff), maybe transfers,
    an answer, an end or abandon, maybe a reopen and more; messages anywhere."""
    steps: list[Step] = list(draw(messages()))
    queue = draw(st.sampled_from(QUEUES))
    steps.append(Step(draw(st.sampled_from(["chat.queued", "chat.handoff"])),
                      draw(st.integers(0, 30)), {"queue": queue}))
    steps += draw(messages())
    if draw(st.booleans()):
        to_queue = draw(st.sampled_from(QUEUES))
        steps.append(Step("chat.transferred", draw(st.integers(0, 60)),
                          {"queue": queue, "to_queue": to_queue}))
        queue = to_queue
        steps += draw(messages())
    if draw(st.booleans()):
        steps.append(Step("chat.abandoned", draw(st.integers(0, 60)), {"queue": queue}))
        return steps + draw(messages())
    if draw(st.booleans()):
        steps.append(Step("chat.answered", draw(st.integers(0, 60)),
                          {"queue": queue, "agent_id": "ann"}))
        steps += draw(messages())
    for _ in range(draw(st.integers(0, 2))):
        steps.append(Step("chat.ended", draw(st.integers(0, 60)), {"queue": queue}))
        steps += draw(messages())
        if not draw(st.booleans()):
            break
        steps.append(Step("chat.reopened", draw(st.integers(0, 600)), {"queue": queue}))
        steps += draw(messages())
    return steps


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Several stories interleaved in time: the documents, in time order."""
    docs = []
    for n, steps in enumerate(draw(st.lists(story(), min_size=1, max_size=4))):
        ts = T0 + draw(st.integers(0, 300)) * 1000
        queue = next((s.extra["queue"] for s in steps if "queue" in s.extra), "sales")
        for i, step in enumerate(steps):
            ts += step.gap_s * 1000
            extra = {k: v for k, v in step.extra.items() if v is not None}
            docs.append({"event_id": f"k{n}-{i}", "type": step.type, "ts": ts,
                         "conversation_id": f"k{n}", "channel": "chat",
                         "queue": extra.pop("queue", queue), **extra})
    return sorted(docs, key=lambda d: d["ts"])  # stable: one conversation keeps its order


# -- the reference -------------------------------------------------------------------------
@dataclass
class Expected:
    totals: dict[str, list[int]]  # queue -> chat family vector
    first: list[int]  # every first response, ms
    replies: list[int]  # every response, ms
    awaiting: dict[str, list[int]]  # queue -> since, of conversations awaiting a reply


def reference(docs: list[dict[str, Any]], now_ms: int) -> Expected:
    totals: dict[str, list[int]] = {}
    first: list[int] = []
    replies: list[int] = []
    awaiting: dict[str, list[int]] = {}
    for cid in sorted({d["conversation_id"] for d in docs}):
        mine = [d for d in docs if d["conversation_id"] == cid]
        for i, doc in enumerate(mine):
            before = mine[:i]

            def last(types: tuple[str, ...], upto: list[dict[str, Any]] = before
                     ) -> int:  # position of the latest of these types, -1 if none
                return max((j for j, d in enumerate(upto) if d["type"] in types), default=-1)

            queue = _queue_at(mine[: i + 1])
            vec = totals.setdefault(queue, [0] * f.CHAT.size)
            kind = doc["type"]
            if kind == "chat.handoff":
                vec[f.HANDOFFS] += 1
            elif kind == "chat.reopened":
                vec[f.REOPENS] += 1
            elif kind in ("chat.ended", "chat.abandoned") and _clock_start(before) is not None:
                vec[f.UNRESPONDED] += 1
            if kind != "chat.message":
                continue
            public = doc["visibility"] == "public"
            author = doc["author"]
            if not public:
                vec[f.INTERNAL_NOTES] += author == "agent"
                continue
            if author != "agent":
                vec[f.CUSTOMER_MESSAGES if author == "customer" else f.BOT_MESSAGES] += 1
                continue
            vec[f.AGENT_MESSAGES] += 1
            if last(ENDS) > last(ENTRIES):
                continue  # ended: counted only
            clock = _clock_start(before)
            if clock is not None:
                wait = max(0, doc["ts"] - clock)
                first.append(wait)
                vec[f.FIRST_RESPONSES] += 1
                vec[f.FIRST_RESPONSE_MS] += wait
                vec[f.FIRST_RESPONSES_WITHIN] += wait <= 30_000
            run = _run_start(before)
            if run is not None:
                wait = max(0, doc["ts"] - run)
                replies.append(wait)
                vec[f.RESPONSES] += 1
                vec[f.RESPONSE_MS] += wait
                vec[f.RESPONSES_WITHIN] += wait <= 45_000
        with_humans = _last(mine, ENTRIES) > _last(mine, ENDS)
        starts = [s for s in (_clock_start(mine), _run_start(mine)) if s is not None]
        if with_humans and starts:
            awaiting.setdefault(_queue_at(mine), []).append(min(starts))
    return Expected({q: v for q, v in totals.items() if any(v)}, first, replies, awaiting)


ENTRIES = ("chat.queued", "chat.handoff", "chat.reopened")
ENDS = ("chat.ended", "chat.abandoned")


def _last(docs: list[dict[str, Any]], types: tuple[str, ...]) -> int:
    return max((j for j, d in enumerate(docs) if d["type"] in types), default=-1)


def _answers(docs: list[dict[str, Any]]) -> list[int]:
    """Positions of public agent messages sent while not ended."""
    return [j for j, d in enumerate(docs) if d["type"] == "chat.message"
            and d["author"] == "agent" and d["visibility"] == "public"
            and _last(docs[:j], ENDS) <= _last(docs[:j], ENTRIES)]


def _clock_start(docs: list[dict[str, Any]]) -> int | None:
    """The running first-response clock's start after ``docs``: the latest entry since the
    last reopen (or the start), if no answer came since that reopen and no end since."""
    reopen = _last(docs, ("chat.reopened",))
    offset = max(reopen, 0)
    segment = docs[offset:]
    entered = [offset + j for j, d in enumerate(segment) if d["type"] in ENTRIES]
    if not entered or any(j > entered[0] for j in _answers(docs)):
        return None
    entries = [d for d in segment if d["type"] in ENTRIES]
    if _last(segment, ENDS) > _last(segment, ENTRIES):
        return None
    return max(d["ts"] for d in entries)


def _run_start(docs: list[dict[str, Any]]) -> int | None:
    """The start of the unanswered run after ``docs``: its first public customer message
    since the last answer or end, moved to the latest entry if that is later."""
    answered = max([*_answers(docs), _last(docs, ENDS)], default=-1)
    run = [d for d in docs[answered + 1:] if d["type"] == "chat.message"
           and d["author"] == "customer" and d["visibility"] == "public"]
    if not run:
        return None
    entry = max((d["ts"] for d in docs if d["type"] in ENTRIES), default=0)
    return max(run[0]["ts"], entry)


def _queue_at(docs: list[dict[str, Any]]) -> str:
    queue = docs[0]["queue"]
    for d in docs:
        if d["type"] in ENTRIES:
            queue = d["queue"]
        elif d["type"] == "chat.transferred":
            queue = d["to_queue"]
    return queue


# -- the test ----------------------------------------------------------------------------
def fold(docs: list[dict[str, Any]]) -> PartitionState:
    state = PartitionState(REGISTRY, T0)
    now = max(d["ts"] for d in docs)
    state.advance(now)
    events = [REGISTRY.decode(doc, now, 0) for doc in docs]
    rejected = state.apply(events)
    assert rejected == [], [(docs[i], reason) for i, reason in rejected]
    state.windows.fold()
    return state


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(conversations())
def test_response_times_are_what_the_rules_say(docs: list[dict[str, Any]]) -> None:
    state = fold(docs)
    now = state.now_ms
    expected = reference(docs, now)
    totals = {series[1]: values for series, values in state.windows.totals["total"].items()
              if series[0] == f.CHAT.name and any(values)}
    assert totals == expected.totals
    histograms = state.histograms.items
    first = [h for k, h in histograms.items() if k[0] == f.FIRST_RESPONSE]
    assert sum(h.count for h in first) == len(expected.first)
    assert sum(h.sum_ms for h in first) == sum(expected.first)
    replies = [h for k, h in histograms.items() if k[0] == f.RESPONSE]
    assert sum(h.count for h in replies) == len(expected.replies)
    assert sum(h.sum_ms for h in replies) == sum(expected.replies)
    live = {key[1]: value for key, value in state.publish().live.items()
            if key[0] == LIVE and value}
    assert live == {q: sorted(v) for q, v in expected.awaiting.items()}


def test_a_bot_reply_neither_answers_nor_ends_the_run() -> None:
    docs = [{"event_id": f"e{i}", "ts": T0 + s * 1000, "conversation_id": "k", "queue": "sales",
             "channel": "chat", **doc} for i, (s, doc) in enumerate([
                 (0, {"type": "chat.message", "author": "customer"}),
                 (5, {"type": "chat.message", "author": "bot"}),
                 (40, {"type": "chat.handoff"}),
                 (45, {"type": "chat.message", "author": "customer"}),
                 (50, {"type": "chat.message", "author": "agent", "visibility": "internal",
                       "agent_id": "ann"}),
                 (70, {"type": "chat.message", "author": "agent", "agent_id": "ann"})])]
    vec = fold(docs).windows.totals["total"][(f.CHAT.name, "sales", "chat")]
    # the clock and the run start at the handoff (40 s), not at the first message (0 s)
    assert (vec[f.FIRST_RESPONSES], vec[f.FIRST_RESPONSE_MS]) == (1, 30_000)
    assert (vec[f.RESPONSES], vec[f.RESPONSE_MS]) == (1, 30_000)
    assert (vec[f.BOT_MESSAGES], vec[f.INTERNAL_NOTES]) == (1, 1)
