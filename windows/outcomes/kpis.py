"""KPIs of the outcome family; the formulas are written out in the README."""

from __future__ import annotations

from typing import NamedTuple

from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec
from ccpulse.windows.outcomes import family as f


class OutcomeKpis(NamedTuple):
    """From one queue and channel's vector in one window (NaN over nothing)."""

    first_contact_resolution: float
    repeat_contact: float
    resolution: float
    self_service: float


def compute(values: Vec, key: object = None) -> OutcomeKpis:
    contacts = values[f.CONTACTS]
    return OutcomeKpis(
        ratio(values[f.FCR], values[f.DECIDED]),
        ratio(values[f.REPEATS], contacts),
        ratio(values[f.RESOLVED], contacts),
        ratio(values[f.SELF_SERVED], values[f.SELF_SERVED] + values[f.AGENT_CONTACTS]),
    )


def cost_per_resolution(staffed_ms: int, hourly_cost: float, resolved: int) -> float:
    """The staffed agent-hours' cost per resolved contact (NaN with none resolved)."""
    return ratio(staffed_ms / 3_600_000 * hourly_cost, resolved)
