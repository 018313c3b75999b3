"""A voice contact centre in miniature, producing realistic ccpulse events.

Per queue: Poisson arrivals whose rate swells and ebbs over a ten-minute cycle,
a pool of agents with exponential talk, hold and wrap-up times, and callers who
hang up after an exponential patience. Agents report their state (busy on a
call, after-contact work, available, now and then away on a break). Some
queues are understaffed so that their service level visibly moves. Contacts
waiting too long in a queue with an overflow are transferred there.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CYCLE_S = 600.0
BREAK_CHANCE = 0.03  # after a call, an agent takes a break
BREAK_S = 300.0


@dataclass(frozen=True)
class QueueModel:
    name: str
    share: float  # of the total arrival rate
    staffing: float  # agents per Erlang of mean offered load; below ~1.05 the queue struggles
    talk_s: float = 180.0
    hold_s: float = 20.0
    wrap_s: float = 30.0
    patience_s: float = 90.0
    overflow_to: str | None = None
    overflow_after_s: float = 60.0


DEFAULT_QUEUES = (
    QueueModel("sales", 0.35, staffing=1.2),
    QueueModel("support", 0.35, staffing=0.97, talk_s=240, patience_s=120,
               overflow_to="general", overflow_after_s=90),
    QueueModel("billing", 0.2, staffing=1.08, talk_s=200, patience_s=60),
    QueueModel("general", 0.1, staffing=1.3),
)


def default_queues(names: list[str] | None,
                   staffing: dict[str, float] | None = None) -> tuple[QueueModel, ...]:
    """The named queues (default: sales, support, billing, general), with staffing
    overridden per queue where given (agents per Erlang of offered load)."""
    staffing = staffing or {}
    known = {q.name: q for q in DEFAULT_QUEUES}
    names = names or list(known)
    standard = set(names) == set(known)  # keep the standard mix of traffic
    models = []
    for i, name in enumerate(names):
        base = known.get(name) or QueueModel(name, 0.0, 1.2 if i % 2 == 0 else 0.97)
        models.append(QueueModel(
            name, base.share if standard else 1 / len(names), staffing.get(name, base.staffing),
            base.talk_s, base.hold_s, base.wrap_s, base.patience_s,
            base.overflow_to if base.overflow_to in names else None, base.overflow_after_s))
    return tuple(models)


@dataclass
class _QueueState:
    model: QueueModel
    agents: int
    free: list[str] = field(default_factory=list)  # agents free for a call
    waiting: deque[int] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.free = [f"{self.model.name}-a{i:03d}" for i in range(self.agents)]

    @property
    def free_agents(self) -> int:
        return len(self.free)


@dataclass(order=True)
class Due:
    """An action due at a simulated time (ties kept in the order they were planned)."""

    at_s: float
    seq: int
    action: str = field(compare=False)
    data: Any = field(compare=False)


class Simulation:
    """Yields ``(time_s, event_doc)`` pairs in time order, from ``start_s`` on."""

    def __init__(self, queues: tuple[QueueModel, ...], calls_per_s: float, seed: int,
                 start_s: float) -> None:
        self.rng = random.Random(seed)
        self.calls_per_s = calls_per_s
        self.start_s = start_s
        self.queues = {q.name: _QueueState(q, self._agents(q)) for q in queues}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.due: list[Due] = []
        self.seq = itertools.count()
        self.contact_ids = itertools.count(1)
        self.event_ids = itertools.count(1)
        self.run_id = f"{seed:x}{int(start_s):x}"
        for q in queues:
            self._schedule_arrival(q, start_s)
            self._start_busy(self.queues[q.name], start_s)

    def _agents(self, model: QueueModel) -> int:
        mean_handle_s = model.talk_s + 0.3 * model.hold_s + model.wrap_s
        erlangs = self.calls_per_s * model.share * mean_handle_s
        return max(1, round(erlangs * model.staffing))

    def _start_busy(self, state: _QueueState, start_s: float) -> None:
        """Start mid-shift: most agents are already on calls that began before the start."""
        m = state.model
        occupancy = min(0.98, 1 / m.staffing)
        for _ in range(round(state.free_agents * occupancy)):
            agent = state.free.pop()
            remaining = self.rng.uniform(0, 2 * (m.talk_s + m.wrap_s))
            self._at(start_s + remaining, "free_agent", (state.model.name, agent))

    def _free_agent(self, t: float, data: tuple[str, str]
                    ) -> Iterator[tuple[float, dict[str, Any]]]:
        queue, agent = data
        state = self.queues[queue]
        if self.rng.random() < BREAK_CHANCE:  # a short break before the next call
            yield self._agent_state(t, agent, queue, "away", reason="break")
            self._at(t + self.rng.expovariate(1 / BREAK_S), "back", (queue, agent))
            return
        yield self._agent_state(t, agent, queue, "available")
        state.free.append(agent)
        yield from self._assign(t, state)

    def _back(self, t: float, data: tuple[str, str]) -> Iterator[tuple[float, dict[str, Any]]]:
        queue, agent = data
        yield self._agent_state(t, agent, queue, "available")
        self.queues[queue].free.append(agent)
        yield from self._assign(t, self.queues[queue])

    def _agent_state(self, t: float, agent: str, queue: str, state: str,
                     **extra: Any) -> tuple[float, dict[str, Any]]:
        return t, {"event_id": f"sim-{self.run_id}-{next(self.event_ids)}",
                   "type": "agent.state", "ts": round(t * 1000), "agent_id": agent,
                   "state": state, **extra}

    def _at(self, at_s: float, action: str, data: Any) -> None:
        heapq.heappush(self.due, Due(at_s, next(self.seq), action, data))

    def _rate(self, model: QueueModel, t_s: float) -> float:
        swell = 1 + 0.45 * math.sin(2 * math.pi * (t_s - self.start_s) / CYCLE_S)
        return self.calls_per_s * model.share * swell

    def _schedule_arrival(self, model: QueueModel, now_s: float) -> None:
        rate = max(self._rate(model, now_s), 1e-6)
        self._at(now_s + self.rng.expovariate(rate), "arrive", model.name)

    def _event(self, type_: str, t_s: float, contact: int, queue: str,
               **extra: Any) -> tuple[float, dict[str, Any]]:
        doc = {"event_id": f"sim-{self.run_id}-{next(self.event_ids)}", "type": type_,
               "ts": round(t_s * 1000), "contact_id": f"sim-{self.run_id}-c{contact}",
               "queue": queue, "channel": "voice", **extra}
        return t_s, doc

    def __iter__(self) -> Iterator[tuple[float, dict[str, Any]]]:
        for name, state in self.queues.items():
            for i in range(state.agents):
                agent = f"{name}-a{i:03d}"
                yield self.start_s, {
                    "event_id": f"sim-{self.run_id}-login-{name}-{i}", "type": "agent.state",
                    "ts": round(self.start_s * 1000), "agent_id": agent,
                    "state": "available" if agent in state.free else "busy",
                    "queues": [name], "capacity": {"voice": 1}}
        while self.due:
            due = heapq.heappop(self.due)
            yield from getattr(self, f"_{due.action}")(due.at_s, due.data)

    def _arrive(self, t: float, queue: str) -> Iterator[tuple[float, dict[str, Any]]]:
        state = self.queues[queue]
        self._schedule_arrival(state.model, t)
        contact = next(self.contact_ids)
        self.contacts[contact] = {"queue": queue, "waiting": True}
        yield self._event("call.queued", t, contact, queue)
        yield from self._enqueue(t, contact, state)

    def _enqueue(self, t: float, contact: int, state: _QueueState
                 ) -> Iterator[tuple[float, dict[str, Any]]]:
        model = state.model
        state.waiting.append(contact)
        self._at(t + self.rng.expovariate(1 / model.patience_s), "give_up", contact)
        if model.overflow_to:
            self._at(t + model.overflow_after_s, "overflow", contact)
        yield from self._assign(t, state)

    def _assign(self, t: float, state: _QueueState) -> Iterator[tuple[float, dict[str, Any]]]:
        while state.free_agents and state.waiting:
            contact = state.waiting.popleft()
            info = self.contacts.get(contact)
            if not info or not info["waiting"] or info["queue"] != state.model.name:
                continue
            info["waiting"] = False
            agent = state.free.pop(0)
            self._at(t + self.rng.uniform(0.5, 3.0), "answer", (contact, agent))
        return iter(())

    def _answer(self, t: float, data: tuple[int, str]) -> Iterator[tuple[float, dict[str, Any]]]:
        contact, agent = data
        queue = self.contacts[contact]["queue"]
        m = self.queues[queue].model
        yield self._agent_state(t, agent, queue, "busy")
        yield self._event("call.answered", t, contact, queue, agent_id=agent)
        talk = self.rng.expovariate(1 / m.talk_s)
        hold = self.rng.expovariate(1 / m.hold_s) if self.rng.random() < 0.3 else 0.0
        wrap = self.rng.expovariate(1 / m.wrap_s)
        self._at(t + talk + hold, "wrap_up", (queue, agent))
        self._at(t + talk + hold + wrap, "end",
                 (contact, agent, round(talk, 1), round(hold, 1), round(wrap, 1)))

    def _wrap_up(self, t: float, data: tuple[str, str]) -> Iterator[tuple[float, dict[str, Any]]]:
        queue, agent = data
        yield self._agent_state(t, agent, queue, "after_contact_work")

    def _give_up(self, t: float, contact: int) -> Iterator[tuple[float, dict[str, Any]]]:
        info = self.contacts.get(contact)
        if info and info["waiting"]:
            info["waiting"] = False
            del self.contacts[contact]
            yield self._event("call.abandoned", t, contact, info["queue"])

    def _overflow(self, t: float, contact: int) -> Iterator[tuple[float, dict[str, Any]]]:
        info = self.contacts.get(contact)
        if not info or not info["waiting"]:
            return
        source = self.queues[info["queue"]]
        target_name = source.model.overflow_to
        if target_name is None or target_name not in self.queues:
            return
        info["queue"] = target_name
        yield self._event("call.transferred", t, contact, source.model.name, to_queue=target_name)
        yield from self._enqueue(t, contact, self.queues[target_name])

    def _end(self, t: float, data: tuple[int, str, float, float, float]
             ) -> Iterator[tuple[float, dict[str, Any]]]:
        contact, agent, talk, hold, wrap = data
        queue = self.contacts.pop(contact)["queue"]
        yield self._event("call.ended", t, contact, queue, agent_id=agent, talk_s=talk,
                          hold_s=hold, wrap_s=wrap)
        # the agent's own queue (a transferred call's agent came from where it was answered)
        home = agent.rsplit("-a", 1)[0]
        yield from self._free_agent(t, (home if home in self.queues else queue, agent))
