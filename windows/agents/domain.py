"""The agents domain: ``agent.login``, ``agent.logout``, ``agent.pause``, ``agent.unpause``.

Agent events are keyed by agent id, so one agent's events stay in order on one
partition, and each partition knows its agents completely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ccpulse.windows.agents.metrics import METRICS
from ccpulse.windows.domain import Context, EventType, LiveKey, RecordKey
from ccpulse.windows.events import Event, channel, text
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.fields import CHANNEL, QUEUE, name_field
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.outcome import APPLIED, DUPLICATE

LOGIN: Final = "login"
LOGOUT: Final = "logout"
PAUSE: Final = "pause"
UNPAUSE: Final = "unpause"
ALL_QUEUES: Final = "*"
AGENTS_TOPIC: Final = "agents"
AGENT_RECORDS = RecordSpec("agent", 2, ("queues", "paused", "last_event"))
LIVE: Final = "agent"
AGENT_FIELDS = (
    name_field("agent_id", "The agent; its Kafka key, so that all of one agent's events stay "
               "in order."),
    QUEUE.described("The queue; on logout, pause and unpause '*' means every queue the agent "
                    "is in."),
    CHANNEL,
)


class AgentEvent(Event):
    __slots__ = ("agent_id", "queue")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, domain: int,
                 agent_id: str, queue: str) -> None:
        super().__init__(event_id, type_, kind, ts_ms, domain)
        self.agent_id = agent_id
        self.queue = queue


class AgentState:
    __slots__ = ("last_event", "paused", "queues")

    def __init__(self, queues: set[str], paused: set[str], last_event: str = "") -> None:
        self.queues = queues
        self.paused = paused  # queues paused in
        self.last_event = last_event  # the id of the last event applied, for duplicates

    def to_list(self) -> list[Any]:
        return [sorted(self.queues), sorted(self.paused), self.last_event]


class AgentsDomain:
    name = "agents"
    types = tuple(
        EventType(f"agent.{kind}", kind, AGENTS_TOPIC, "agent_id", AGENT_FIELDS, description,
                  {"event_id": f"e-{kind}", "type": f"agent.{kind}", "ts": ts,
                   "agent_id": "a-12", "queue": queue, "channel": "voice"})
        for kind, description, ts, queue in (
            (LOGIN, "The agent joins the queue.", "2026-11-22T08:55:00+01:00", "sales"),
            (LOGOUT, "The agent leaves the queue (and any pause in it).",
             "2026-11-22T17:05:00+01:00", ALL_QUEUES),
            (PAUSE, "The agent stops taking contacts from the queue for now.",
             "2026-11-22T10:30:00+01:00", ALL_QUEUES),
            (UNPAUSE, "The agent takes contacts again.", "2026-11-22T10:45:00+01:00",
             ALL_QUEUES)))
    families: tuple[FamilySpec, ...] = ()
    histograms: tuple[HistogramSpec, ...] = ()
    records: tuple[RecordSpec, ...] = (AGENT_RECORDS,)
    metrics = METRICS
    reasons: Mapping[str, str] = {}

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str,
               ts_ms: int) -> Event:
        channel(doc)  # required, though agents are not counted per channel
        return AgentEvent(event_id, etype.type, etype.kind, ts_ms, 0, text(doc, "agent_id"),
                          text(doc, "queue"))

    def new_state(self, ctx: Context) -> Roster:
        return Roster(ctx)


class Roster:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.agents: dict[str, AgentState] = {}
        self.dirty: set[str] = set()
        self.live_dirty: set[str] = set()

    def apply(self, event: Event) -> str:
        assert isinstance(event, AgentEvent)
        queue = self.ctx.queues.queue(event.queue)
        if queue is None:
            return "queue_not_allowed"
        event.queue = queue
        agent_id = event.agent_id
        state = self.agents.get(agent_id)
        if state is None:
            state = self.agents[agent_id] = AgentState(set(), set())
        elif state.last_event == event.event_id:
            return DUPLICATE
        targets = set(state.queues) if event.queue == ALL_QUEUES else {event.queue}
        kind = event.kind
        if kind == LOGIN:
            state.queues |= targets
        elif kind == LOGOUT:
            state.queues -= targets
            state.paused -= targets
        elif kind == PAUSE:
            state.paused |= targets & state.queues if event.queue == ALL_QUEUES else targets
        else:
            state.paused -= targets
        state.last_event = event.event_id
        self.dirty.add(agent_id)
        self.live_dirty.add(agent_id)
        if not state.queues and not state.paused:
            del self.agents[agent_id]
        return APPLIED

    def advance(self, now_ms: int) -> None:
        return None

    def _live(self, agent_id: str) -> Any:
        state = self.agents.get(agent_id)
        return None if state is None else [sorted(state.queues), sorted(state.paused)]

    def live_changes(self) -> dict[LiveKey, Any]:
        out: dict[LiveKey, Any] = {(LIVE, a): self._live(a) for a in self.live_dirty}
        self.live_dirty.clear()
        return out

    def live_all(self) -> dict[LiveKey, Any]:
        self.live_dirty.clear()
        return {(LIVE, a): self._live(a) for a in self.agents}

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        out: dict[RecordKey, list[Any] | None] = {}
        for agent_id in self.dirty:
            state = self.agents.get(agent_id)
            out[(AGENT_RECORDS.name, agent_id)] = None if state is None else state.to_list()
        self.dirty.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        for agent_id, (queues, paused, last) in records.get(AGENT_RECORDS.name, {}).items():
            self.agents[agent_id] = AgentState(set(queues), set(paused), str(last or ""))


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
