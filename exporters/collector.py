"""The Prometheus collector: reads Redis on every scrape, keeps nothing between scrapes."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator

import redis
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from exporters.view import View, read_view
from windows import aggregate as a
from windows.kpis import compute
from windows.partition import EngineConfig

log = logging.getLogger(__name__)

WINDOW_LABELS = ["queue", "channel", "window"]
QUEUE_LABELS = ["queue", "channel"]

# (metric name, help, value from the KPIs)
WINDOW_GAUGES: tuple[tuple[str, str, str], ...] = (
    ("ccpulse_service_level_ratio", "Service level: share of contacts handled within the "
     "queue's threshold, per the queue's abandon policy (NaN when nothing counts)",
     "service_level"),
    ("ccpulse_contacts_offered", "Contacts that left the queue (answered, abandoned or "
     "transferred), short abandons excluded", "offered"),
    ("ccpulse_contacts_answered", "Contacts answered", "answered"),
    ("ccpulse_contacts_abandoned", "Contacts abandoned, short abandons excluded", "abandoned"),
    ("ccpulse_contacts_transferred", "Contacts transferred to another queue while waiting",
     "transferred"),
    ("ccpulse_contacts_answered_within_threshold",
     "Contacts answered within the queue's threshold", "answered_within_threshold"),
    ("ccpulse_average_speed_of_answer_seconds", "Mean wait of answered contacts",
     "average_speed_of_answer_s"),
    ("ccpulse_abandon_ratio", "Abandoned / offered", "abandon_ratio"),
    ("ccpulse_average_handle_seconds", "Mean handle time (talk + hold + wrap-up) of contacts "
     "that ended", "average_handle_s"),
)

# (counter name without _total, help, aggregate field, scale)
COUNTERS: tuple[tuple[str, str, int, float], ...] = (
    ("ccpulse_contacts_offered", "Contacts offered", a.OFFERED, 1),
    ("ccpulse_contacts_answered", "Contacts answered", a.ANSWERED, 1),
    ("ccpulse_contacts_abandoned", "Contacts abandoned (short abandons excluded)",
     a.ABANDONED, 1),
    ("ccpulse_contacts_transferred", "Contacts transferred while waiting", a.TRANSFERRED, 1),
    ("ccpulse_contacts_answered_within_threshold", "Contacts answered within threshold",
     a.ANSWERED_WITHIN, 1),
    ("ccpulse_contacts_abandoned_within_threshold", "Contacts abandoned within threshold",
     a.ABANDONED_WITHIN, 1),
    ("ccpulse_contacts_short_abandoned", "Abandons shorter than the short-abandon threshold",
     a.SHORT_ABANDONED, 1),
    ("ccpulse_contacts_handled", "Contacts that ended", a.HANDLED, 1),
    ("ccpulse_handle_seconds", "Summed handle time", a.HANDLE_MS, 1000),
)


class CcpulseCollector:
    def __init__(self, client: redis.Redis, prefix: str, config: EngineConfig,
                 event_clock: bool = False,
                 wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000) -> None:
        self.client = client
        self.prefix = prefix
        self.config = config
        self.event_clock = event_clock
        self.wall_ms = wall_ms
        self.bounds_s = config.histogram_bounds_s()

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        up = GaugeMetricFamily("ccpulse_redis_up", "1 if Redis answered this scrape, else 0 "
                               "(then no contact metrics are served)")
        try:
            view = read_view(self.client, self.prefix, self.config.calendar, self.wall_ms(),
                             self.event_clock)
        except redis.RedisError as exc:
            log.warning("scrape could not read Redis: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from self._windows(view)
        yield from self._counters(view)
        yield from self._histograms(view)
        yield from self._live(view)
        yield from self._targets(view)
        yield from self._health(view)
        took = GaugeMetricFamily("ccpulse_scrape_seconds", "Time this scrape spent reading Redis "
                                 "and building metrics")
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _windows(self, view: View) -> Iterator[Metric]:
        families = [GaugeMetricFamily(name, doc, labels=WINDOW_LABELS)
                    for name, doc, _ in WINDOW_GAUGES]
        fields = [field for _, _, field in WINDOW_GAUGES]
        policies = self.config.policies
        for queue, channel in view.queue_keys():
            policy = policies.for_queue(queue)
            for window, per_queue in view.windows.items():
                kpis = compute(per_queue.get((queue, channel)) or a.empty(), policy)
                labels = [queue, channel, window]
                for family, field in zip(families, fields, strict=True):
                    family.add_metric(labels, float(getattr(kpis, field)))
        yield from families

    def _counters(self, view: View) -> Iterator[Metric]:
        for name, doc, index, scale in COUNTERS:
            family = CounterMetricFamily(name, doc, labels=QUEUE_LABELS)
            for (queue, channel), agg in sorted(view.totals.items()):
                family.add_metric([queue, channel], agg[index] / scale)
            yield family

    def _histograms(self, view: View) -> Iterator[Metric]:
        for outcome, field, total_ms in (("answered", a.ANSWERED, a.ANSWER_WAIT_MS),
                                         ("abandoned", a.ABANDONED, a.ABANDON_WAIT_MS)):
            family = HistogramMetricFamily(
                f"ccpulse_{'answer' if outcome == 'answered' else 'abandon'}_wait_seconds",
                f"Wait of {outcome} contacts; every queue's threshold is a bucket bound",
                labels=QUEUE_LABELS)
            for (queue, channel), agg in sorted(view.totals.items()):
                counts = view.histograms.get((queue, channel, outcome))
                if counts is None or len(counts) != len(self.bounds_s):
                    counts = [0] * len(self.bounds_s)
                buckets = [(_le(b), c) for b, c in zip(self.bounds_s, counts, strict=True)]
                buckets.append(("+Inf", agg[field]))
                family.add_metric([queue, channel], buckets, agg[total_ms] / 1000)
            yield family

    def _live(self, view: View) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("ccpulse_contacts_waiting", "Contacts waiting in the queue now",
                                    labels=QUEUE_LABELS)
        oldest = GaugeMetricFamily("ccpulse_oldest_waiting_seconds",
                                   "How long the longest-waiting contact has waited (0 if none)",
                                   labels=QUEUE_LABELS)
        over = GaugeMetricFamily("ccpulse_contacts_waiting_over_threshold",
                                 "Contacts already waiting longer than the queue's threshold",
                                 labels=QUEUE_LABELS)
        in_service = GaugeMetricFamily("ccpulse_contacts_in_service",
                                       "Contacts answered and not ended yet", labels=QUEUE_LABELS)
        policies = self.config.policies
        for queue, channel in view.queue_keys():
            threshold_ms = policies.for_queue(queue).threshold_ms
            count, oldest_s, over_count = view.waiting(queue, channel, threshold_ms)
            labels = [queue, channel]
            waiting.add_metric(labels, count)
            oldest.add_metric(labels, oldest_s)
            over.add_metric(labels, over_count)
            in_service.add_metric(labels, view.in_service.get((queue, channel), 0))
        yield from (waiting, oldest, over, in_service)
        yield from self._agents(view)

    def _agents(self, view: View) -> Iterator[Metric]:
        logged_in = GaugeMetricFamily("ccpulse_agents_logged_in",
                                      "Agents logged in to the queue (from agent events)",
                                      labels=["queue"])
        paused = GaugeMetricFamily("ccpulse_agents_paused", "Logged-in agents who are paused",
                                   labels=["queue"])
        available = GaugeMetricFamily(
            "ccpulse_agents_available",
            "Logged-in agents neither paused nor on a contact of the queue", labels=["queue"])
        busy: dict[str, int] = {}
        for (queue, _), count in view.in_service.items():
            busy[queue] = busy.get(queue, 0) + count
        for queue, (members, paused_count) in sorted(view.agents.items()):
            logged_in.add_metric([queue], members)
            paused.add_metric([queue], paused_count)
            available.add_metric([queue], max(0, members - paused_count - busy.get(queue, 0)))
        yield from (logged_in, paused, available)

    def _targets(self, view: View) -> Iterator[Metric]:
        target = GaugeMetricFamily("ccpulse_service_level_target_ratio",
                                   "The queue's service-level target", labels=["queue"])
        threshold = GaugeMetricFamily("ccpulse_service_level_threshold_seconds",
                                      "The queue's service-level threshold", labels=["queue"])
        queues = sorted({q for q, _ in view.queue_keys()} | set(self.config.policies.queues))
        for queue in queues:
            policy = self.config.policies.for_queue(queue)
            target.add_metric([queue], policy.target)
            threshold.add_metric([queue], policy.threshold_s)
        yield from (target, threshold)

    def _health(self, view: View) -> Iterator[Metric]:
        processed = CounterMetricFamily("ccpulse_events_processed", "Events applied")
        processed.add_metric([], view.counter("processed"))
        duplicates = CounterMetricFamily("ccpulse_events_duplicate",
                                         "Events dropped as repeats of an applied event id")
        duplicates.add_metric([], view.counter("duplicates"))
        rejected = CounterMetricFamily("ccpulse_events_rejected",
                                       "Events sent to the dead-letter topic", labels=["reason"])
        reasons: dict[str, int] = {}
        for p in view.partitions:
            for name, value in p.counters.items():
                if name.startswith("rejected:"):
                    reason = name.removeprefix("rejected:")
                    reasons[reason] = reasons.get(reason, 0) + value
        for reason, value in sorted(reasons.items()):
            rejected.add_metric([reason], value)
        expired = CounterMetricFamily("ccpulse_waiting_expired",
                                      "Waiting contacts dropped after waiting implausibly long")
        expired.add_metric([], view.counter("expired_waiting"))
        newest = GaugeMetricFamily("ccpulse_newest_event_timestamp_seconds",
                                   "Event time of the newest event applied")
        newest_ms = max((p.counters.get("newest_event_ms", 0) for p in view.partitions), default=0)
        newest.add_metric([], newest_ms / 1000 if newest_ms else math.nan)
        clock = GaugeMetricFamily("ccpulse_processor_clock_timestamp_seconds",
                                  "The processor's notion of now, per input partition",
                                  labels=["partition"])
        lag = GaugeMetricFamily("ccpulse_consumer_lag", "Records in the partition not yet applied",
                                labels=["partition"])
        for p in view.partitions:
            clock.add_metric([p.partition_id], p.now_ms / 1000)
            if p.lag is not None:
                lag.add_metric([p.partition_id], p.lag)
        yield from (processed, duplicates, rejected, expired, newest, clock, lag)


def _le(bound_s: float) -> str:
    return f"{bound_s:g}"
