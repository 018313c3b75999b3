"""The metrics of agents' login and pause state, per queue."""

from __future__ import annotations

from ccpulse.windows.metrics import GAUGE, MetricSpec

METRICS = (
    MetricSpec("ccpulse_agents_logged_in", GAUGE,
               "Agents logged in to the queue (from agent events)", ("queue",), "agents",
               "agents logged in"),
    MetricSpec("ccpulse_agents_paused", GAUGE, "Logged-in agents who are paused", ("queue",),
               "agents", "logged in and paused"),
    MetricSpec("ccpulse_agents_available", GAUGE,
               "Logged-in agents neither paused nor on a contact of the queue", ("queue",),
               "agents", "logged in − paused − contacts in service, at least 0"),
)
