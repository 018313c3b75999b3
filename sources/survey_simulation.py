"""Surveys after simulated contacts: a share of the calls and chats that end get a survey;
some customers answer, more kindly the shorter they waited, and some comment, which the
team follows up."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterable, Iterator
from typing import Any

Emitted = Iterator[tuple[float, dict[str, Any]]]
STARTS = ("call.queued", "chat.queued", "chat.handoff")
ANSWERS = ("call.answered", "chat.answered")
LEFT = ("call.abandoned", "chat.abandoned", "call.transferred", "chat.transferred")
ENDS = ("call.ended", "chat.ended")


def with_surveys(events: Iterable[tuple[float, dict[str, Any]]], share: float,
                 seed: int) -> Emitted:
    """``events`` (in time order) with survey events merged in, in time order."""
    rng = random.Random(seed + 7_777)
    pending: list[tuple[float, int, dict[str, Any]]] = []
    order = itertools.count()
    queued: dict[str, float] = {}
    waits: dict[str, float] = {}
    numbers = itertools.count(1)
    run_id = f"{seed:x}"
    for t, doc in events:
        while pending and pending[0][0] <= t:
            at, _, survey = heapq.heappop(pending)
            yield at, survey
        yield t, doc
        kind = doc["type"]
        cid = doc.get("contact_id") or doc.get("conversation_id")
        if cid is None:
            continue
        if kind in STARTS:
            queued.setdefault(cid, t)
        elif kind in ANSWERS:
            waits[cid] = t - queued.pop(cid, t)
        elif kind in LEFT:
            queued.pop(cid, None)
            waits.pop(cid, None)
        elif kind in ENDS and cid in waits:
            wait = waits.pop(cid)
            if rng.random() < share:
                for at, survey in _survey(rng, t, doc, wait, f"simv-{run_id}-{next(numbers)}"):
                    heapq.heappush(pending, (at, next(order), survey))


def _survey(rng: random.Random, t: float, contact: dict[str, Any], wait_s: float,
            sid: str) -> Emitted:
    kind = rng.choices(["csat", "nps", "ces"], [0.6, 0.25, 0.15])[0]
    base = {"survey_id": sid, "kind": kind, "queue": contact["queue"],
            "channel": contact.get("channel", "voice"), "agent_id": contact.get("agent_id")}
    ids = itertools.count(1)

    def event(at: float, type_: str, **extra: Any) -> tuple[float, dict[str, Any]]:
        doc = {"event_id": f"{sid}-{next(ids)}", "type": type_, "ts": round(at * 1000),
               **{k: v for k, v in base.items() if v is not None}, **extra}
        return at, doc

    sent = t + 30
    yield event(sent, "survey.sent")
    if rng.random() > 0.4:
        return  # most customers never answer
    happy = rng.random() < max(0.2, 0.95 - wait_s / 120)
    if kind == "csat":
        score = rng.choice([4, 5, 5]) if happy else rng.randint(1, 3)
    elif kind == "nps":
        score = rng.choice([9, 10, 10, 8]) if happy else rng.randint(0, 7)
    else:
        score = rng.randint(5, 7) if happy else rng.randint(1, 4)
    answered = sent + rng.expovariate(1 / 60)
    comment = rng.random() < (0.2 if happy else 0.5)
    yield event(answered, "survey.answered", score=score, comment=comment)
    if comment and rng.random() < 0.6:
        yield event(answered + rng.expovariate(1 / 120), "survey.followed_up")
