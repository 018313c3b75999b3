from __future__ import annotations

import math

from windows import aggregate as a
from windows.kpis import compute
from windows.policy import PolicyBook, ServiceLevelPolicy


def test_empty_aggregate_gives_nan_ratios_and_zero_counts() -> None:
    kpis = compute(a.empty(), ServiceLevelPolicy())
    assert kpis.offered == 0
    assert math.isnan(kpis.service_level) and math.isnan(kpis.average_speed_of_answer_s)


def test_averages_and_ratios() -> None:
    agg = a.empty()
    agg[a.OFFERED], agg[a.ANSWERED], agg[a.ABANDONED] = 10, 8, 2
    agg[a.ANSWERED_WITHIN], agg[a.ANSWER_WAIT_MS] = 6, 80_000
    agg[a.HANDLED], agg[a.HANDLE_MS] = 4, 1_000_000
    kpis = compute(agg, ServiceLevelPolicy())
    assert kpis.service_level == 0.6
    assert kpis.average_speed_of_answer_s == 10.0
    assert kpis.abandon_ratio == 0.2
    assert kpis.average_handle_s == 250.0


def test_policy_book_falls_back_to_default_and_lists_thresholds() -> None:
    book = PolicyBook(ServiceLevelPolicy(), {"vip": ServiceLevelPolicy(threshold_s=10)})
    assert book.for_queue("vip").threshold_ms == 10_000
    assert book.for_queue("other").threshold_ms == 20_000
    assert book.thresholds_s() == [10, 20]
