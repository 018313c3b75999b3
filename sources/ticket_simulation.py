"""Tickets in miniature: e-mail, web and social tickets with priorities, categories, a bot
that acknowledges some, agents who reply, customers who keep them pending, solves,
reopens and closes.

Poisson arrivals per queue. ``pace`` scales every delay: at 1 a first reply takes
about 20 minutes, as in a real team; the demo runs faster so that a few minutes show
every figure. Urgent tickets are answered first and some tickets are left waiting
long enough to breach their SLA targets.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator
from typing import Any

from ccpulse.sources.simulation import Due, QueueModel

Emitted = Iterator[tuple[float, dict[str, Any]]]
PRIORITIES = (("low", 0.2), ("normal", 0.55), ("high", 0.2), ("urgent", 0.05))
CHANNELS = (("email", 0.6), ("web", 0.3), ("social", 0.1))
CATEGORIES = ("refund", "login", "delivery", "invoice", "cancel", "bug")
FIRST_REPLY_S = {"urgent": 300.0, "high": 900.0, "normal": 1_500.0, "low": 2_400.0}


class TicketSimulation:
    """Yields ``(time_s, event_doc)`` pairs in time order, from ``start_s`` on."""

    def __init__(self, queues: tuple[QueueModel, ...], tickets_per_s: float, seed: int,
                 start_s: float, pace: float = 1.0) -> None:
        self.rng = random.Random(seed + 104_729)
        self.queues = queues
        self.tickets_per_s = tickets_per_s
        self.pace = pace
        self.due: list[Due] = []
        self.seq = itertools.count()
        self.ids = itertools.count(1)
        self.numbers = itertools.count(1)
        self.run_id = f"{seed:x}{int(start_s):x}"
        self.tickets: dict[int, dict[str, Any]] = {}
        for q in queues:
            self._next_arrival(q, start_s)

    def _at(self, at_s: float, action: str, data: Any) -> None:
        heapq.heappush(self.due, Due(at_s, next(self.seq), action, data))

    def _delay(self, mean_s: float) -> float:
        return self.rng.expovariate(1 / (mean_s * self.pace))

    def _next_arrival(self, model: QueueModel, now_s: float) -> None:
        rate = max(self.tickets_per_s * model.share, 1e-9)
        self._at(now_s + self.rng.expovariate(rate), "arrive", model)

    def _pick(self, table: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([v for v, _ in table], [w for _, w in table])[0]

    def _doc(self, t: float, number: int, type_: str, **extra: Any) -> tuple[float, dict[str, Any]]:
        return t, {"event_id": f"simt-{self.run_id}-{next(self.ids)}", "type": type_,
                   "ts": round(t * 1000), "ticket_id": f"simt-{self.run_id}-t{number}",
                   **extra}

    def __iter__(self) -> Emitted:
        while self.due:
            due = heapq.heappop(self.due)
            yield from getattr(self, f"_{due.action}")(due.at_s, due.data)

    def _emit(self, t: float, doc: dict[str, Any]) -> Emitted:
        yield t, doc

    def _later(self, event: tuple[float, dict[str, Any]]) -> None:
        self._at(event[0], "emit", event[1])

    def _arrive(self, t: float, model: QueueModel) -> Emitted:
        self._next_arrival(model, t)
        number = next(self.numbers)
        priority = self._pick(PRIORITIES)
        agent_opened = self.rng.random() < 0.05
        ticket = {"queue": model.name, "priority": priority, "agent": f"{model.name}-desk-"
                  f"{self.rng.randrange(8):02d}", "exchanges": self.rng.choice([0, 1, 1, 2, 3]),
                  "reopened": False}
        self.tickets[number] = ticket
        yield self._doc(t, number, "ticket.created", queue=model.name,
                        channel=self._pick(CHANNELS), priority=priority,
                        category=self.rng.choice(CATEGORIES),
                        customer_id=f"cust-{self.rng.randrange(5_000)}",
                        opened_by="agent" if agent_opened else "customer")
        if agent_opened:
            yield self._doc(t, number, "ticket.replied", author="agent",
                            agent_id=ticket["agent"])
            self._at(t + self._delay(1_800), "customer", number)
            return
        if self.rng.random() < 0.3:  # an acknowledgement: never a reply
            self._later(self._doc(t + 2, number, "ticket.replied", author="bot"))
        slow = 4 if self.rng.random() < 0.1 else 1  # some wait far too long
        self._at(t + slow * self._delay(FIRST_REPLY_S[priority] / model.staffing), "reply",
                 number)

    def _reply(self, t: float, number: int) -> Emitted:
        ticket = self.tickets[number]
        if self.rng.random() < 0.2:
            yield self._doc(t, number, "ticket.replied", author="agent",
                            visibility="internal", agent_id=ticket["agent"])
        yield self._doc(t, number, "ticket.replied", author="agent", agent_id=ticket["agent"])
        if ticket["exchanges"] > 0:
            ticket["exchanges"] -= 1
            self._later(self._doc(t + 1, number, "ticket.status_changed", status="pending"))
            self._at(t + 1 + self._delay(900), "customer", number)
        elif self.rng.random() < 0.1:
            self._later(self._doc(t + 1, number, "ticket.status_changed", status="on_hold"))
            self._at(t + 1 + self._delay(1_800), "solve", number)
        else:
            self._at(t + 1 + self._delay(300), "solve", number)

    def _customer(self, t: float, number: int) -> Emitted:
        burst = 2 if self.rng.random() < 0.25 else 1
        gap = 30 * self.pace  # between the messages of a burst
        yield self._doc(t, number, "ticket.replied", author="customer")
        for i in range(1, burst):
            self._later(self._doc(t + gap * i, number, "ticket.replied", author="customer"))
        self._later(self._doc(t + gap * burst, number, "ticket.status_changed", status="open"))
        self._at(t + gap * burst + self._delay(600), "reply", number)

    def _solve(self, t: float, number: int) -> Emitted:
        ticket = self.tickets[number]
        yield self._doc(t, number, "ticket.status_changed", status="solved")
        if not ticket["reopened"] and self.rng.random() < 0.08:
            ticket["reopened"] = True
            ticket["exchanges"] = 0
            self._at(t + self._delay(1_800), "reopen", number)
        elif self.rng.random() < 0.5:
            self._later(self._doc(t + self._delay(900), number, "ticket.status_changed",
                                  status="closed"))
            del self.tickets[number]
        else:
            del self.tickets[number]  # final when the reopen window passes

    def _reopen(self, t: float, number: int) -> Emitted:
        yield self._doc(t, number, "ticket.reopened")
        self._later(self._doc(t + 1, number, "ticket.replied", author="customer"))
        self._at(t + 1 + self._delay(900), "reply", number)
