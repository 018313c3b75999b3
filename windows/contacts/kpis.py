"""KPIs of the ``contact`` family; the formulas are written out in the README."""

from __future__ import annotations

import math
from typing import NamedTuple

from ccpulse.windows.contacts import family as f
from ccpulse.windows.families import Vec
from ccpulse.windows.policy import AbandonPolicy, ServiceLevelPolicy

NAN = math.nan


class Kpis(NamedTuple):
    offered: int
    answered: int
    abandoned: int
    transferred: int
    answered_within_threshold: int
    service_level: float
    average_speed_of_answer_s: float
    abandon_ratio: float
    average_handle_s: float
    average_abandon_wait_s: float


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else NAN


def service_level(values: Vec, policy: ServiceLevelPolicy) -> float:
    answered, abandoned = values[f.ANSWERED], values[f.ABANDONED]
    met = values[f.ANSWERED_WITHIN]
    if policy.abandons is AbandonPolicy.IGNORED:
        return ratio(met, answered)
    if policy.abandons is AbandonPolicy.POSITIVE:
        met += values[f.ABANDONED_WITHIN]
    return ratio(met, answered + abandoned)


def compute(values: Vec, policy: ServiceLevelPolicy) -> Kpis:
    """KPIs of one aggregate; a ratio or average over nothing is NaN."""
    return Kpis(  # positional: a scrape builds one per queue, channel and window
        values[f.OFFERED],
        values[f.ANSWERED],
        values[f.ABANDONED],
        values[f.TRANSFERRED],
        values[f.ANSWERED_WITHIN],
        service_level(values, policy),
        ratio(values[f.ANSWER_WAIT_MS] / 1000, values[f.ANSWERED]),
        ratio(values[f.ABANDONED], values[f.OFFERED]),
        ratio(values[f.HANDLE_MS] / 1000, values[f.HANDLED]),
        ratio(values[f.ABANDON_WAIT_MS] / 1000, values[f.ABANDONED]),
    )
