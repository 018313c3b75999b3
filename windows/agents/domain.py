"""The agents domain: ``agent.state`` and its older forms (``agent.login``, ``logout``,
``pause``, ``unpause``), and ``agent.assigned`` / ``agent.released`` (a contact taken
into, or let out of, an agent's capacity; derived by the contact domains).

Agent events are keyed by agent id, so one agent's events stay in order on one
partition, and each partition knows its agents completely: an agent in several
queues is one record, counted once in the site's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.agents import family as f
from ccpulse.windows.agents.metrics import METRICS
from ccpulse.windows.agents.roster import (
    AVAILABLE,
    MAX_CONTACTS_PER_AGENT,
    OFFLINE,
    STATES,
    Agent,
    Roster,
    profile_of,
)
from ccpulse.windows.agents.work import AGENTS_TOPIC, ASSIGNED, RELEASED
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.domain import Context, EventType
from ccpulse.windows.events import CHANNELS, Event, is_name
from ccpulse.windows.fields import (
    CHANNEL,
    CHOICE,
    COUNTS,
    NAMES,
    QUEUE,
    FieldSpec,
    check,
    name_field,
    read,
)
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.outcome import APPLIED, DUPLICATE

LOGIN: Final = "login"
LOGOUT: Final = "logout"
PAUSE: Final = "pause"
UNPAUSE: Final = "unpause"
STATE: Final = "state"
ALL_QUEUES: Final = "*"
MAX_QUEUES_PER_AGENT: Final = 64
AGENT_ID = name_field("agent_id", "The agent; its Kafka key, so that all of one agent's "
                      "events stay in order.")
QUEUE_FIELDS = (
    AGENT_ID,
    QUEUE.described("The queue; on logout, pause and unpause '*' means every queue the agent "
                    "is in."),
    CHANNEL,
)
QUEUES_FIELD = FieldSpec("queues", NAMES, False, "The queues the agent serves from now on "
                         "(absent: as before).", max_length=MAX_QUEUES_PER_AGENT)
MAX_CAPACITY_PER_CHANNEL: Final = 100
CAPACITY_FIELD = FieldSpec("capacity", COUNTS, False, "Contacts of each channel the agent can "
                           "serve at once, replacing the defaults (absent: as before).",
                           tuple(sorted(CHANNELS)), high=MAX_CAPACITY_PER_CHANNEL)
STATE_FIELDS = (
    AGENT_ID,
    FieldSpec("state", CHOICE, True, "available, busy, after_contact_work, away or offline.",
              STATES),
    name_field("reason", "Why (for away: break, lunch, training...).", required=False),
    QUEUES_FIELD,
    CAPACITY_FIELD,
)
CONTACT_FIELDS = (
    AGENT_ID,
    name_field("contact_id", "The contact (a call or a conversation)."),
    QUEUE.described("The contact's queue."),
    CHANNEL,
)
REASONS: Final = {
    "agent_limit": "the partition already tracks as many agents (or an agent as many "
                   "contacts) as allowed",
}


def _example(kind: str, ts: str, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"e-agent-{kind}", "type": f"agent.{kind}", "ts": ts,
            "agent_id": "a-12", **extra}


TYPES = (
    EventType("agent.state", STATE, AGENTS_TOPIC, "agent_id", STATE_FIELDS,
              "The agent's state changes (or its queues or capacity do).",
              _example(STATE, "2026-11-22T08:55:00+01:00", state="available",
                       queues=["sales", "support"], capacity={"voice": 1, "chat": 3})),
    *(EventType(f"agent.{kind}", kind, AGENTS_TOPIC, "agent_id", QUEUE_FIELDS, description,
                _example(kind, ts, queue=queue, channel="voice"))
      for kind, description, ts, queue in (
          (LOGIN, "The agent joins the queue (available, if it was offline).",
           "2026-11-22T08:55:00+01:00", "sales"),
          (LOGOUT, "The agent leaves the queue (and any pause in it); offline once in no "
           "queue.", "2026-11-22T17:05:00+01:00", ALL_QUEUES),
          (PAUSE, "The agent stops taking contacts from the queue for now (away there).",
           "2026-11-22T10:30:00+01:00", ALL_QUEUES),
          (UNPAUSE, "The agent takes contacts again.", "2026-11-22T10:45:00+01:00",
           ALL_QUEUES))),
    *(EventType(f"agent.{kind}", kind, AGENTS_TOPIC, "agent_id", CONTACT_FIELDS, description,
                _example(kind, ts, contact_id="c-77", queue="sales", channel="voice"))
      for kind, description, ts in (
          (ASSIGNED, "A contact takes one of the agent's slots (derived from the answer of "
           "a call or chat; may also be sent).", "2026-11-22T09:00:14+01:00"),
          (RELEASED, "The contact leaves the agent's slots (its end or transfer).",
           "2026-11-22T09:04:40+01:00"))),
)


class AgentEvent(Event):
    __slots__ = ("agent_id", "capacity", "channel", "contact_id", "queue", "queues", "reason",
                 "state")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, domain: int,
                 agent_id: str, queue: str = "", channel: str = "", state: str = "",
                 reason: str = "", queues: list[str] | None = None,
                 capacity: dict[str, int] | None = None, contact_id: str = "") -> None:
        super().__init__(event_id, type_, kind, ts_ms, domain)
        self.agent_id = agent_id
        self.queue = queue
        self.channel = channel
        self.state = state
        self.reason = reason
        self.queues = queues
        self.capacity = capacity
        self.contact_id = contact_id


class AgentsDomain:
    name = "agents"
    types = TYPES
    families = (f.AGENT_TIME, f.AGENT_SITE, f.AGENT_WORK)
    histograms: tuple[HistogramSpec, ...] = ()
    records = (f.AGENT_RECORDS, f.AGENT_CLOCK)
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        kind = etype.kind
        fast = None
        if kind in (ASSIGNED, RELEASED):
            fast = _contact_event(doc, etype, event_id, ts_ms, plain)
        elif kind == STATE:
            fast = _state_event(doc, etype, event_id, ts_ms, plain)
        if fast is not None:
            return fast
        v = check(doc, etype.fields)
        return AgentEvent(event_id, etype.type, etype.kind, ts_ms, 0, v["agent_id"],
                          v.get("queue") or "", v.get("channel") or "", v.get("state") or "",
                          v.get("reason") or "", v.get("queues"), v.get("capacity"),
                          v.get("contact_id") or "")

    def new_state(self, ctx: Context) -> AgentStates:
        return AgentStates(ctx, self.config)


def _contact_event(doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
                   plain: bool) -> AgentEvent | None:
    """``agent.assigned`` / ``released`` in the common case (every field a plain name and
    a known channel); None: let the field-by-field checks say what is wrong. ``plain``:
    the record holds no control character, so names need no character check."""
    agent_id: Any = doc.get("agent_id")
    contact_id: Any = doc.get("contact_id")
    queue: Any = doc.get("queue")
    channel: Any = doc.get("channel")
    if (is_name(agent_id, plain=plain) and is_name(contact_id, plain=plain)
            and is_name(queue, plain=plain)
            and type(channel) is str and channel in CHANNELS):
        return AgentEvent(event_id, etype.type, etype.kind, ts_ms, 0, agent_id, queue,
                          channel, contact_id=contact_id)
    return None


def _state_event(doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
                 plain: bool) -> AgentEvent | None:
    """``agent.state`` with a usable agent name, a known state and a usable reason (its
    queues and capacity read as declared); None: let the field-by-field checks say.
    ``plain``: as for :func:`_contact_event`."""
    agent_id: Any = doc.get("agent_id")
    state: Any = doc.get("state")
    reason: Any = doc.get("reason")
    if not (is_name(agent_id, plain=plain) and type(state) is str and state in STATES
            and (reason is None or is_name(reason, plain=plain))):
        return None
    return AgentEvent(event_id, etype.type, etype.kind, ts_ms, 0, agent_id, state=state,
                      reason=reason or "", queues=read(doc, QUEUES_FIELD),
                      capacity=read(doc, CAPACITY_FIELD))


class AgentStates(Roster):
    def __init__(self, ctx: Context, config: EngineConfig) -> None:
        super().__init__(ctx, config.capacity, config.limits.max_contacts,
                         config.voice.max_wait_ms, config.voice.dedupe_ms)

    def apply(self, event: Event) -> str:
        assert isinstance(event, AgentEvent)
        guard = self.ctx.queues
        queues: list[str] = []
        for name in ([event.queue] if event.queue else []) + (event.queues or []):
            queue = guard.queue(name)
            if queue is None:
                return "queue_not_allowed"
            queues.append(queue)
        agent_id = event.agent_id
        known = self.agents.get(agent_id)
        if known is not None and known.last_event == event.event_id:
            return DUPLICATE
        kind = event.kind
        if kind == RELEASED and (known is None or event.contact_id not in known.contacts):
            return DUPLICATE  # released already (or never assigned here)
        if kind == ASSIGNED and known is not None:
            let_go = known.released.get(event.contact_id)
            if let_go is not None and let_go[0] == event.event_id:
                return DUPLICATE  # a copy of the assignment of a contact let go since
        agent = self.agent(agent_id, event.ts_ms)
        if agent is None:
            return "agent_limit"
        if kind in (ASSIGNED, RELEASED):
            return self._contact_event(agent_id, agent, event)
        before = profile_of(agent)
        site_before, reason_before = agent.site_state(), agent.reason
        state_only = kind == STATE  # its queues and capacity as before (stated or not)
        if kind == STATE:
            agent.state = event.state
            agent.reason = event.reason
            if event.queues is not None:
                serves = set(queues)
                if serves != agent.queues:
                    agent.queues = serves
                    state_only = False
                if agent.paused:  # pauses in queues it does not serve go (no rate changes)
                    agent.paused &= serves
            if event.capacity is not None and event.capacity != agent.capacity:
                agent.capacity = dict(event.capacity)
                state_only = False
        else:
            self._queue_event(agent, kind, event.queue, queues[0])
        agent.last_event = event.event_id
        if agent.site_state() != site_before or agent.reason != reason_before:
            agent.since_ms = event.ts_ms
        if state_only:
            self.restated(agent_id, agent, before, event.ts_ms)
        else:
            self.changed(agent_id, agent, before, event.ts_ms)
        return APPLIED

    def _contact_event(self, agent_id: str, agent: Agent, event: AgentEvent) -> str:
        """A contact taken into, or let out of, the agent's capacity: only its count of
        contacts in service changes (not its state, reason or queues)."""
        count = len(agent.contacts)
        profile_of(agent)  # cached before the change: ``recounted`` reads the old profile
        if event.kind == ASSIGNED:
            if event.contact_id in agent.contacts:
                return DUPLICATE
            if count >= MAX_CONTACTS_PER_AGENT:
                return "agent_limit"
            agent.contacts[event.contact_id] = [event.channel, event.ts_ms, event.event_id]
            agent.released.pop(event.contact_id, None)
        else:
            entry = agent.contacts.pop(event.contact_id)
            released = agent.released
            if len(released) >= MAX_CONTACTS_PER_AGENT:
                del released[next(iter(released))]  # the longest remembered
            released[event.contact_id] = [entry[2], event.ts_ms]
        agent.last_event = event.event_id
        self.recounted(agent_id, agent, event.ts_ms)
        return APPLIED

    @staticmethod
    def _queue_event(agent: Any, kind: str, named: str, queue: str) -> None:
        targets = set(agent.queues) if named == ALL_QUEUES else {queue}
        if kind == LOGIN:
            agent.queues |= targets
            if agent.state == OFFLINE:
                agent.state = AVAILABLE
        elif kind == LOGOUT:
            agent.queues -= targets
            agent.paused -= targets
            if not agent.queues:
                agent.state = OFFLINE
        elif kind == PAUSE:
            agent.paused |= targets & agent.queues if named == ALL_QUEUES else targets
        else:
            agent.paused -= targets
