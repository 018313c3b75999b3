"""KPIs of the agents' families; the formulas are written out in the README."""

from __future__ import annotations

from typing import NamedTuple

from ccpulse.windows.agents import family as f
from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec

HOUR_MS = 3_600_000


class TimeKpis(NamedTuple):
    occupancy: float
    slot_occupancy: float
    staffed_s: float
    handled_per_agent_hour: float


def time_kpis(values: Vec, handled: int) -> TimeKpis:
    """KPIs of agent time; ``handled``: the contacts that ended in the same window."""
    return TimeKpis(
        ratio(values[f.OCCUPIED], values[f.READY]),
        ratio(values[f.USED_SLOT], values[f.SLOT]),
        values[f.STAFFED] / 1000,
        ratio(handled, values[f.STAFFED] / HOUR_MS),
    )


class WorkKpis(NamedTuple):
    handled: int
    average_handle_s: float
    average_response_s: float
    average_first_response_s: float


def work_kpis(values: Vec) -> WorkKpis:
    return WorkKpis(
        values[f.HANDLED],
        ratio(values[f.HANDLE_MS] / 1000, values[f.HANDLED]),
        ratio(values[f.RESPONSE_MS] / 1000, values[f.RESPONSES]),
        ratio(values[f.FIRST_RESPONSE_MS] / 1000, values[f.FIRST_RESPONSES]),
    )
