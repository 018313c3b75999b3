"""Contact outcomes and quality reviews after simulated contacts.

Each call or chat that ends, and each ticket solved, ends resolved or not (less often
resolved the longer the customer waited) for a customer: mostly a new one, sometimes one
coming back on a matter left unresolved, or on one thought solved. Bots and the IVR
resolve some matters alone. A share of the contacts agents handled are reviewed against
the quality criteria of ``DEMO_CRITERIA``.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

Emitted = Iterator[tuple[float, dict[str, Any]]]
STARTS = ("call.queued", "chat.queued", "chat.handoff")
ANSWERS = ("call.answered", "chat.answered")
ENDS = ("call.ended", "chat.ended")
# criterion: (weight, top score): the demo's [quality_criteria]
DEMO_CRITERIA = {"greeting": (1.0, 5.0), "accuracy": (3.0, 10.0), "empathy": (2.0, 5.0),
                 "compliance": (2.0, 1.0)}
REVIEW_SHARE = 0.1
SELF_SERVICE_SHARE = 0.25  # matters a bot or the IVR resolves, per contact that queues


def criteria_toml() -> str:
    """The ``[quality_criteria]`` tables the simulated reviews are scored against."""
    return "".join(f"\n[quality_criteria.{name}]\nweight = {weight:g}\nmax = {top:g}\n"
                   for name, (weight, top) in DEMO_CRITERIA.items())


class Outcomes:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed + 9_191)
        self.run_id = f"{seed:x}"
        self.numbers = itertools.count(1)
        self.open_matters: deque[tuple[str, str]] = deque(maxlen=200)  # (customer, matter)
        self.recent: deque[tuple[str, str]] = deque(maxlen=200)

    def customer(self) -> tuple[str, str]:
        """Who the next contact is from, and about what."""
        rng = self.rng
        if self.open_matters and rng.random() < 0.5:
            return self.open_matters.popleft()
        if self.recent and rng.random() < 0.06:
            return rng.choice(self.recent)
        n = next(self.numbers)
        return f"cu-{self.run_id}-{n}", f"m-{n}"

    def ended(self, t: float, contact: dict[str, Any], wait_s: float, channel: str
              ) -> Emitted:
        rng = self.rng
        customer, matter = self.customer()
        resolved = rng.random() < max(0.45, 0.9 - wait_s / 600)
        kind = "resolved" if resolved else "unresolved"
        (self.recent if resolved else self.open_matters).append((customer, matter))
        yield t, self._doc(t, kind, customer, matter, contact["queue"], channel,
                           agent_id=contact.get("agent_id"))
        if contact.get("agent_id") and rng.random() < REVIEW_SHARE:
            at = t + 20 + rng.expovariate(1 / 60)  # reviewed within minutes
            yield at, self._review(at, contact, channel)

    def self_served(self, t: float, contact: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        customer, matter = self.customer()
        self.recent.append((customer, matter))
        return t, self._doc(t, "self_served", customer, matter, contact["queue"],
                            contact.get("channel", "voice"))

    def _doc(self, t: float, kind: str, customer: str, matter: str, queue: str, channel: str,
             **extra: Any) -> dict[str, Any]:
        doc = {"event_id": f"simo-{self.run_id}-{next(self.numbers)}",
               "type": f"contact.{kind}", "ts": round(t * 1000), "customer_id": customer,
               "matter": matter, "queue": queue, "channel": channel}
        doc.update({k: v for k, v in extra.items() if v is not None})
        return doc

    def _review(self, t: float, contact: dict[str, Any], channel: str) -> dict[str, Any]:
        rng = self.rng
        skill = rng.betavariate(8, 2)  # most reviews score well
        scores = {name: round(top * min(1.0, max(0.0, rng.gauss(skill, 0.15))))
                  for name, (_, top) in DEMO_CRITERIA.items() if rng.random() < 0.9}
        scores = scores or {"greeting": 4}
        number = next(self.numbers)
        return {"event_id": f"simq-{self.run_id}-{number}", "type": "qa.evaluated",
                "ts": round(t * 1000), "review_id": f"rv-{self.run_id}-{number}",
                "queue": contact["queue"], "channel": channel,
                "agent_id": contact["agent_id"], "scores": scores}


def with_outcomes(events: Iterable[tuple[float, dict[str, Any]]], seed: int) -> Emitted:
    """``events`` (in time order) with contact outcomes and reviews merged in, in time
    order."""
    outcomes = Outcomes(seed)
    rng = random.Random(seed + 4_242)
    pending: list[tuple[float, int, dict[str, Any]]] = []
    order = itertools.count()
    queued: dict[str, float] = {}
    waits: dict[str, float] = {}
    tickets: dict[str, tuple[str, str]] = {}  # ticket: (queue, channel)
    for t, doc in events:
        while pending and pending[0][0] <= t:
            at, _, extra = heapq.heappop(pending)
            yield at, extra
        yield t, doc
        kind = doc["type"]
        if kind == "ticket.created":
            tickets[doc["ticket_id"]] = (doc["queue"], doc.get("channel", "email"))
            continue
        if kind == "ticket.status_changed" and doc.get("status") == "solved":
            queue, channel = tickets.get(doc["ticket_id"], ("", ""))
            if queue:
                contact = {"queue": queue, "agent_id": doc.get("agent_id")}
                for at, extra in outcomes.ended(t, contact, 0.0, channel):
                    heapq.heappush(pending, (at, next(order), extra))
            continue
        cid = doc.get("contact_id") or doc.get("conversation_id")
        if cid is None:
            continue
        if kind in STARTS and cid not in queued:
            queued[cid] = t
            if rng.random() < SELF_SERVICE_SHARE:
                at, extra = outcomes.self_served(t, doc)
                heapq.heappush(pending, (at, next(order), extra))
        elif kind in ANSWERS:
            waits[cid] = t - queued.pop(cid, t)
        elif kind in ENDS and cid in waits:
            channel = doc.get("channel", "voice")
            for at, extra in outcomes.ended(t, doc, waits.pop(cid), channel):
                heapq.heappush(pending, (at, next(order), extra))
        elif kind.endswith((".abandoned", ".transferred")):
            queued.pop(cid, None)
            waits.pop(cid, None)
    for at, _, extra in sorted(pending):
        yield at, extra
