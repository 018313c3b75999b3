"""The metrics of agents: live states and capacity, time in state and occupancy per window,
and figures per agent."""

from __future__ import annotations

from ccpulse.windows.agents.family import AGENT_SITE, AGENT_TIME, AGENT_WORK
from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec

WINDOWS = tuple(w for w in AGENT_TIME.windows if w != "total")
QW = ("queue", "window")

LIVE = (
    MetricSpec("ccpulse_agents_logged_in", GAUGE,
               "Agents serving the queue and not offline", ("queue",), "agents",
               "agents with the queue, state ≠ offline"),
    MetricSpec("ccpulse_agents_paused", GAUGE, "Agents away in the queue (paused there, or "
               "in state away)", ("queue",), "agents", "agents away in the queue"),
    MetricSpec("ccpulse_agents_in_state", GAUGE,
               "Agents serving the queue, by their state there (an agent counts in each of "
               "its queues)", ("queue", "state"), "agents", "agents in the state"),
    MetricSpec("ccpulse_site_agents_in_state", GAUGE,
               "Agents by state, each agent once whatever its queues", ("state",), "agents",
               "distinct agents in the state"),
    MetricSpec("ccpulse_agents_available", GAUGE,
               "Agents of the queue in state available with a free slot for the channel",
               ("queue", "channel"), "agents",
               "available and contacts in service < capacity, per channel"),
    MetricSpec("ccpulse_agent_slots", GAUGE,
               "Contact slots of the queue's agents who are not away (capacity)",
               ("queue", "channel"), "contacts", "Σ capacity of agents ready"),
    MetricSpec("ccpulse_agent_slots_used", GAUGE,
               "Contacts in service with the queue's agents", ("queue", "channel"),
               "contacts", "Σ contacts in service of the queue's agents"),
)


def _windowed(name: str, kpi: str, help_: str, unit: str, formula: str,
              family: str = AGENT_TIME.name, labels: tuple[str, ...] = QW,
              windows: tuple[str, ...] = WINDOWS) -> MetricSpec:
    return MetricSpec(name, GAUGE, help_, labels, unit, formula, windows, family=family,
                      kpi=kpi)


def _per_agent(name: str, kpi: str, help_: str, unit: str, formula: str) -> MetricSpec:
    return _windowed(name, kpi, help_, unit, formula, AGENT_WORK.name, ("agent", "window"),
                     AGENT_WORK.windows)


WINDOWED = (
    _windowed("ccpulse_occupancy_ratio", "occupancy",
              "Occupancy: time on at least one contact (or busy, or in after-contact work) "
              "/ time ready (staffed and not away)", "ratio", "occupied time / ready time"),
    _windowed("ccpulse_slot_occupancy_ratio", "slot_occupancy",
              "Slot-weighted occupancy: contact slots used / slots available, over time",
              "ratio", "Σ contacts × time / Σ capacity × time, while ready"),
    _windowed("ccpulse_window_staffed_agent_seconds", "staffed_s",
              "Agent time staffed (any state but offline) in the window", "seconds",
              "Σ staffed time"),
    _windowed("ccpulse_contacts_handled_per_agent_hour", "handled_per_agent_hour",
              "Contacts of the queue that ended per staffed agent-hour of its agents",
              "contacts per hour", "contacts handled / (staffed time / 1 h)"),
    _windowed("ccpulse_site_occupancy_ratio", "occupancy", "Occupancy of the site, each "
              "agent once", "ratio", "occupied time / ready time", AGENT_SITE.name,
              ("window",)),
    _windowed("ccpulse_site_slot_occupancy_ratio", "slot_occupancy",
              "Slot-weighted occupancy of the site, each agent once", "ratio",
              "Σ contacts × time / Σ capacity × time", AGENT_SITE.name, ("window",)),
)

STATE_TIME = (
    MetricSpec("ccpulse_window_agent_state_seconds", GAUGE,
               "Agent time in each state in the window, per queue", ("queue", "state",
                                                                     "window"),
               "seconds", "Σ time in the state", WINDOWS),
    MetricSpec("ccpulse_window_site_agent_state_seconds", GAUGE,
               "Agent time in each state in the window, each agent once", ("state", "window"),
               "seconds", "Σ time in the state", WINDOWS),
)


def _seconds(name: str, field: str, help_: str) -> MetricSpec:
    return MetricSpec(name, COUNTER, help_, ("queue",), "seconds", f"cumulative `{field}`",
                      family=AGENT_TIME.name, field=field, scale=1000)


COUNTERS = (
    _seconds("ccpulse_agent_staffed_seconds_total", "staffed_ms", "Agent time staffed"),
    _seconds("ccpulse_agent_ready_seconds_total", "ready_ms",
             "Agent time ready (staffed, not away)"),
    _seconds("ccpulse_agent_occupied_seconds_total", "occupied_ms",
             "Agent time on contacts, busy or in after-contact work, while ready"),
    _seconds("ccpulse_agent_slot_seconds_total", "slot_ms", "Capacity × time, while ready"),
    _seconds("ccpulse_agent_used_slot_seconds_total", "used_slot_ms",
             "Contacts in service × time, while ready"),
)

PER_AGENT = (
    MetricSpec("ccpulse_agent_state", GAUGE, "1 for the agent's current state (per-agent "
               "figures on)", ("agent", "state"), "", "1"),
    MetricSpec("ccpulse_agent_state_seconds", GAUGE, "Time the agent has been in its "
               "current state", ("agent",), "seconds", "now − state change"),
    MetricSpec("ccpulse_agent_contacts_in_service", GAUGE,
               "The agent's contacts in service", ("agent", "channel"), "contacts",
               "contacts assigned and not released"),
    MetricSpec("ccpulse_agent_capacity", GAUGE, "Contacts of the channel the agent can "
               "serve at once", ("agent", "channel"), "contacts", "configured capacity"),
    _per_agent("ccpulse_agent_contacts_handled", "handled", "Contacts the agent finished "
               "serving in the window (interval or today)", "contacts", "contacts ended"),
    _per_agent("ccpulse_agent_average_handle_seconds", "average_handle_s",
               "The agent's mean handle time (interval or today)", "seconds",
               "Σ handle time / handled"),
    _per_agent("ccpulse_agent_average_response_seconds", "average_response_s",
               "The agent's mean response time to customer runs (chats; interval or today)",
               "seconds", "Σ response time / responses"),
    _per_agent("ccpulse_agent_average_first_response_seconds", "average_first_response_s",
               "The agent's mean first response time (chats; interval or today)", "seconds",
               "Σ first response time / first responses"),
)

METRICS = (*LIVE, *WINDOWED, *STATE_TIME, *COUNTERS, *PER_AGENT)
