"""KPIs derived from an aggregate; the formulas are written out in the README."""

from __future__ import annotations

import math
from typing import NamedTuple

from windows import aggregate as a
from windows.policy import AbandonPolicy, ServiceLevelPolicy

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


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else NAN


def service_level(agg: a.Agg, policy: ServiceLevelPolicy) -> float:
    answered, abandoned = agg[a.ANSWERED], agg[a.ABANDONED]
    met = agg[a.ANSWERED_WITHIN]
    if policy.abandons is AbandonPolicy.IGNORED:
        return _ratio(met, answered)
    if policy.abandons is AbandonPolicy.POSITIVE:
        met += agg[a.ABANDONED_WITHIN]
    return _ratio(met, answered + abandoned)


def compute(agg: a.Agg, policy: ServiceLevelPolicy) -> Kpis:
    """KPIs of one aggregate; a ratio or average over nothing is NaN."""
    return Kpis(  # positional: a scrape builds one per queue, channel and window
        agg[a.OFFERED],
        agg[a.ANSWERED],
        agg[a.ABANDONED],
        agg[a.TRANSFERRED],
        agg[a.ANSWERED_WITHIN],
        service_level(agg, policy),
        _ratio(agg[a.ANSWER_WAIT_MS] / 1000, agg[a.ANSWERED]),
        _ratio(agg[a.ABANDONED], agg[a.OFFERED]),
        _ratio(agg[a.HANDLE_MS] / 1000, agg[a.HANDLED]),
    )
