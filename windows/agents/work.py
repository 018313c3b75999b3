"""What the contact domains tell about agents: per-agent credits, and derived activity.

A contact's partition is not its agent's (contacts are keyed by contact, agents by
agent), so contact domains credit per-agent figures into ``agent_work``, which adds
up across partitions, and derive ``agent.assigned`` / ``agent.released`` events for
the agent's own partition, which tracks contacts in service against capacity.
"""

from __future__ import annotations

from typing import Final

from ccpulse.windows.agents import family as f
from ccpulse.windows.domain import Context
from ccpulse.windows.families import canonical

AGENTS_TOPIC: Final = "agents"
ASSIGNED: Final = "assigned"
RELEASED: Final = "released"
MAX_DERIVED_ID_LENGTH: Final = 200
_TYPES: Final = {ASSIGNED: "agent.assigned", RELEASED: "agent.released"}
_SUFFIXES: Final = {ASSIGNED: "~assigned", RELEASED: "~released"}


class AgentWork:
    def __init__(self, ctx: Context, per_agent: bool, derive: bool) -> None:
        self.ctx = ctx
        self.per_agent = per_agent and ctx.agents is not None
        self.derive = derive

    def credit(self, agent: str, count_index: int, sum_index: int, value_ms: int,
               ts_ms: int) -> None:
        """One contact handled, or one response, by ``agent`` (if figures per agent are on)."""
        if not self.per_agent:
            return
        guard = self.ctx.agents
        assert guard is not None
        name = guard.queue(agent)
        if name is None:
            return
        values = self.ctx.windows.slot(canonical((f.AGENT_WORK.name, name)), ts_ms)
        values[count_index] = values[count_index] + 1  # (not +=: see families.add_into)
        values[sum_index] = values[sum_index] + value_ms

    def derive_activity(self, kind: str, source_event_id: str, ts_ms: int, agent: str,
                        contact_id: str, queue: str, channel: str) -> None:
        """``agent.assigned`` or ``agent.released`` for the agent's partition; its id is
        derived from the source event's, so a copy sent again is dropped there."""
        if not self.derive:
            return
        event_id = source_event_id + _SUFFIXES[kind]
        if len(event_id) > MAX_DERIVED_ID_LENGTH:
            event_id = event_id[:MAX_DERIVED_ID_LENGTH]
        self.ctx.emit(AGENTS_TOPIC, agent, {
            "event_id": event_id, "type": _TYPES[kind], "ts": ts_ms, "agent_id": agent,
            "contact_id": contact_id, "queue": queue, "channel": channel})
