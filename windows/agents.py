"""Agent state per queue: who is logged in and who is paused.

Agent events are keyed by agent id, so one agent's events stay in order on one
partition, and each partition knows its agents completely.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

LOGIN: Final = "agent_login"
LOGOUT: Final = "agent_logout"
PAUSE: Final = "agent_pause"
UNPAUSE: Final = "agent_unpause"
ALL_QUEUES: Final = "*"
AGENT_KINDS: Final = frozenset({LOGIN, LOGOUT, PAUSE, UNPAUSE})


@dataclass(slots=True)
class AgentState:
    queues: set[str] = field(default_factory=set)
    paused: set[str] = field(default_factory=set)  # queues paused in

    def to_list(self) -> list[list[str]]:
        return [sorted(self.queues), sorted(self.paused)]

    @classmethod
    def from_list(cls, raw: list[list[str]]) -> AgentState:
        return cls(set(raw[0]), set(raw[1]))


class AgentRoster:
    def __init__(self) -> None:
        self.agents: dict[str, AgentState] = {}
        self.dirty: set[str] = set()

    def apply(self, kind: str, agent_id: str, queue: str) -> None:
        state = self.agents.get(agent_id)
        if state is None:
            state = self.agents[agent_id] = AgentState()
        targets = set(state.queues) if queue == ALL_QUEUES else {queue}
        if kind == LOGIN:
            state.queues |= targets
        elif kind == LOGOUT:
            state.queues -= targets
            state.paused -= targets
        elif kind == PAUSE:
            state.paused |= targets
        elif kind == UNPAUSE:
            state.paused -= targets
        self.dirty.add(agent_id)
        if not state.queues and not state.paused:
            del self.agents[agent_id]

    def drain(self) -> dict[str, list[list[str]] | None]:
        out = {a: (s.to_list() if (s := self.agents.get(a)) else None) for a in self.dirty}
        self.dirty.clear()
        return out

    def restore(self, raw: Iterable[tuple[str, list[list[str]]]]) -> None:
        self.agents = {agent: AgentState.from_list(lists) for agent, lists in raw}


def staffing(agents: Iterable[list[list[str]]]) -> dict[str, tuple[int, int]]:
    """Per queue: agents logged in, and of those, paused."""
    out: dict[str, list[int]] = {}
    for queues, paused in agents:
        for queue in queues:
            entry = out.setdefault(queue, [0, 0])
            entry[0] += 1
            if queue in paused:
                entry[1] += 1
    return {queue: (v[0], v[1]) for queue, v in out.items()}
