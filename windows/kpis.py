"""KPIs derived from an aggregate; the formulas are written out in the README."""

from __future__ import annotations

import math
from dataclasses import dataclass

from windows import aggregate as a
from windows.policy import AbandonPolicy, ServiceLevelPolicy

NAN = math.nan


@dataclass(frozen=True, slots=True)
class Kpis:
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
    return Kpis(
        offered=agg[a.OFFERED],
        answered=agg[a.ANSWERED],
        abandoned=agg[a.ABANDONED],
        transferred=agg[a.TRANSFERRED],
        answered_within_threshold=agg[a.ANSWERED_WITHIN],
        service_level=service_level(agg, policy),
        average_speed_of_answer_s=_ratio(agg[a.ANSWER_WAIT_MS] / 1000, agg[a.ANSWERED]),
        abandon_ratio=_ratio(agg[a.ABANDONED], agg[a.OFFERED]),
        average_handle_s=_ratio(agg[a.HANDLE_MS] / 1000, agg[a.HANDLED]),
    )
