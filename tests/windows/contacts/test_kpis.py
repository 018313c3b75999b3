from __future__ import annotations

import math

from ccpulse.windows.contacts import family as f
from ccpulse.windows.contacts.family import CONTACT
from ccpulse.windows.contacts.kpis import compute
from ccpulse.windows.policy import PolicyBook, ServiceLevelPolicy


def test_empty_aggregate_gives_nan_ratios_and_zero_counts() -> None:
    kpis = compute(CONTACT.empty(), ServiceLevelPolicy())
    assert kpis.offered == 0
    assert math.isnan(kpis.service_level) and math.isnan(kpis.average_speed_of_answer_s)


def test_averages_and_ratios() -> None:
    values = CONTACT.empty()
    values[f.OFFERED], values[f.ANSWERED], values[f.ABANDONED] = 10, 8, 2
    values[f.ANSWERED_WITHIN], values[f.ANSWER_WAIT_MS] = 6, 80_000
    values[f.HANDLED], values[f.HANDLE_MS] = 4, 1_000_000
    values[f.ABANDON_WAIT_MS] = 90_000
    kpis = compute(values, ServiceLevelPolicy())
    assert kpis.average_abandon_wait_s == 45.0
    assert kpis.service_level == 0.6
    assert kpis.average_speed_of_answer_s == 10.0
    assert kpis.abandon_ratio == 0.2
    assert kpis.average_handle_s == 250.0


def test_policy_book_takes_channel_then_queue_then_default() -> None:
    book = PolicyBook(ServiceLevelPolicy(), {"vip": ServiceLevelPolicy(threshold_s=10)},
                      {("vip", "chat"): ServiceLevelPolicy(threshold_s=60, target=0.7)})
    assert book.for_queue("vip", "voice").threshold_ms == 10_000
    assert book.for_queue("vip", "chat").threshold_ms == 60_000
    assert book.for_queue("other", "chat").threshold_ms == 20_000
    assert book.thresholds_ms() == [10_000, 20_000, 60_000]
