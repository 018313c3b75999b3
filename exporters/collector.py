"""The collector: reads Redis on every scrape and keeps nothing between scrapes.

``collect()`` returns fresh metric families built from what Redis holds at that
moment; if Redis cannot be read it returns ``ccpulse_redis_up 0`` and nothing
else, rather than old numbers.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import redis

from exporters.exposition import Family, format_value, inner, labels_text
from exporters.view import View, read_view
from windows import aggregate as a
from windows.kpis import Kpis, compute
from windows.partition import EngineConfig

log = logging.getLogger(__name__)

# (metric name, help, KPI field)
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

# (counter name, help, aggregate field, divisor)
COUNTERS: tuple[tuple[str, str, int, float], ...] = (
    ("ccpulse_contacts_offered_total", "Contacts offered", a.OFFERED, 1),
    ("ccpulse_contacts_answered_total", "Contacts answered", a.ANSWERED, 1),
    ("ccpulse_contacts_abandoned_total", "Contacts abandoned (short abandons excluded)",
     a.ABANDONED, 1),
    ("ccpulse_contacts_transferred_total", "Contacts transferred while waiting",
     a.TRANSFERRED, 1),
    ("ccpulse_contacts_answered_within_threshold_total", "Contacts answered within threshold",
     a.ANSWERED_WITHIN, 1),
    ("ccpulse_contacts_abandoned_within_threshold_total", "Contacts abandoned within threshold",
     a.ABANDONED_WITHIN, 1),
    ("ccpulse_contacts_short_abandoned_total",
     "Abandons shorter than the short-abandon threshold", a.SHORT_ABANDONED, 1),
    ("ccpulse_contacts_handled_total", "Contacts that ended", a.HANDLED, 1),
    ("ccpulse_handle_seconds_total", "Summed handle time", a.HANDLE_MS, 1000),
)

HISTOGRAMS = (
    ("ccpulse_answer_wait_seconds", "answered", a.ANSWERED, a.ANSWER_WAIT_MS),
    ("ccpulse_abandon_wait_seconds", "abandoned", a.ABANDONED, a.ABANDON_WAIT_MS),
)


def _formatted(kpis: Kpis) -> list[str]:
    return [format_value(value) for value in kpis]


class CcpulseCollector:
    def __init__(self, client: redis.Redis, prefix: str, config: EngineConfig,
                 event_clock: bool = False,
                 wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000) -> None:
        self.client = client
        self.prefix = prefix
        self.config = config
        self.event_clock = event_clock
        self.wall_ms = wall_ms
        self.bounds = [f"{b:g}" for b in config.histogram_bounds_s()]

    def collect(self) -> list[Family]:
        started = time.perf_counter()
        up = Family("ccpulse_redis_up", "gauge", "1 if Redis answered this scrape, else 0 "
                    "(then no contact metrics are served)")
        try:
            view = read_view(self.client, self.prefix, self.config.calendar, self.wall_ms(),
                             self.event_clock)
        except redis.RedisError as exc:
            log.warning("scrape could not read Redis: %s", exc)
            up.add("", 0)
            return [up]
        up.add("", 1)
        queues = {key: inner(queue=key[0], channel=key[1]) for key in view.queue_keys()}
        families = [up, *self._windows(view, queues), *self._counters(view, queues),
                    *self._histograms(view, queues), *self._live(view, queues),
                    *self._agents(view), *self._targets(view), *self._health(view)]
        took = Family("ccpulse_scrape_seconds", "gauge",
                      "Time this scrape spent reading Redis and building metrics")
        took.add("", time.perf_counter() - started)
        families.append(took)
        return families

    def _windows(self, view: View, queues: dict[tuple[str, str], str]) -> list[Family]:
        families = [Family(name, "gauge", doc) for name, doc, _ in WINDOW_GAUGES]
        targets = [(family.lines.append, family.name, Kpis._fields.index(field))
                   for family, (_, _, field) in zip(families, WINDOW_GAUGES, strict=True)]
        policies = self.config.policies
        idle: dict[int, list[str]] = {}  # per policy: the values of a window with no contacts
        for key, base in queues.items():
            policy = policies.for_queue(key[0])
            for window, per_queue in view.windows.items():
                agg = per_queue.get(key)
                if agg is None:  # most windows of most queues, at any moment
                    values = idle.get(id(policy))
                    if values is None:
                        values = idle[id(policy)] = _formatted(compute(a.empty(), policy))
                else:
                    values = _formatted(compute(agg, policy))
                labels = f'{{{base},window="{window}"}}'
                for append, name, index in targets:
                    append(f"{name}{labels} {values[index]}\n")
        return families

    def _counters(self, view: View, queues: dict[tuple[str, str], str]) -> list[Family]:
        families = []
        for name, doc, index, divisor in COUNTERS:
            family = Family(name, "counter", doc)
            for key, agg in view.totals.items():
                family.add("{" + queues[key] + "}",
                           agg[index] if divisor == 1 else agg[index] / divisor)
            families.append(family)
        return families

    def _histograms(self, view: View, queues: dict[tuple[str, str], str]) -> list[Family]:
        families = []
        zeros = [0] * len(self.bounds)
        for name, outcome, count_field, sum_field in HISTOGRAMS:
            doc = f"Wait of {outcome} contacts; every queue's threshold is a bucket bound"
            family = Family(name, "histogram", doc)
            for key, agg in view.totals.items():
                base = queues[key]
                counts = view.histograms.get((*key, outcome))
                if counts is None or len(counts) != len(self.bounds):
                    counts = zeros
                for bound, count in zip(self.bounds, counts, strict=True):
                    family.add(f'{{{base},le="{bound}"}}', count, "_bucket")
                family.add(f'{{{base},le="+Inf"}}', agg[count_field], "_bucket")
                family.add("{" + base + "}", agg[count_field], "_count")
                family.add("{" + base + "}", agg[sum_field] / 1000, "_sum")
            families.append(family)
        return families

    def _live(self, view: View, queues: dict[tuple[str, str], str]) -> list[Family]:
        waiting = Family("ccpulse_contacts_waiting", "gauge", "Contacts waiting in the queue now")
        oldest = Family("ccpulse_oldest_waiting_seconds", "gauge",
                        "How long the longest-waiting contact has waited (0 if none)")
        over = Family("ccpulse_contacts_waiting_over_threshold", "gauge",
                      "Contacts already waiting longer than the queue's threshold")
        in_service = Family("ccpulse_contacts_in_service", "gauge",
                            "Contacts answered and not ended yet")
        policies = self.config.policies
        for key, base in queues.items():
            labels = "{" + base + "}"
            count, oldest_s, over_count = view.waiting(*key, policies.for_queue(key[0])
                                                       .threshold_ms)
            waiting.add(labels, count)
            oldest.add(labels, oldest_s)
            over.add(labels, over_count)
            in_service.add(labels, view.in_service.get(key, 0))
        return [waiting, oldest, over, in_service]

    def _agents(self, view: View) -> list[Family]:
        logged_in = Family("ccpulse_agents_logged_in", "gauge",
                           "Agents logged in to the queue (from agent events)")
        paused = Family("ccpulse_agents_paused", "gauge", "Logged-in agents who are paused")
        available = Family("ccpulse_agents_available", "gauge",
                           "Logged-in agents neither paused nor on a contact of the queue")
        busy: dict[str, int] = {}
        for (queue, _), count in view.in_service.items():
            busy[queue] = busy.get(queue, 0) + count
        for queue, (members, paused_count) in sorted(view.agents.items()):
            labels = labels_text(queue=queue)
            logged_in.add(labels, members)
            paused.add(labels, paused_count)
            available.add(labels, max(0, members - paused_count - busy.get(queue, 0)))
        return [logged_in, paused, available]

    def _targets(self, view: View) -> list[Family]:
        target = Family("ccpulse_service_level_target_ratio", "gauge",
                        "The queue's service-level target")
        threshold = Family("ccpulse_service_level_threshold_seconds", "gauge",
                           "The queue's service-level threshold")
        policies = self.config.policies
        for queue in sorted({q for q, _ in view.queue_keys()} | set(policies.queues)):
            policy = policies.for_queue(queue)
            labels = labels_text(queue=queue)
            target.add(labels, policy.target)
            threshold.add(labels, policy.threshold_s)
        return [target, threshold]

    def _health(self, view: View) -> list[Family]:
        processed = Family("ccpulse_events_processed_total", "counter", "Events applied")
        processed.add("", view.counter("processed"))
        duplicates = Family("ccpulse_events_duplicate_total", "counter",
                            "Events dropped as repeats of an applied event id")
        duplicates.add("", view.counter("duplicates"))
        rejected = Family("ccpulse_events_rejected_total", "counter",
                          "Events sent to the dead-letter topic")
        reasons: dict[str, int] = {}
        for p in view.partitions:
            for name, value in p.counters.items():
                if name.startswith("rejected:"):
                    reason = name.removeprefix("rejected:")
                    reasons[reason] = reasons.get(reason, 0) + value
        for reason, value in sorted(reasons.items()):
            rejected.add(labels_text(reason=reason), value)
        expired = Family("ccpulse_waiting_expired_total", "counter",
                         "Waiting contacts dropped after waiting implausibly long")
        expired.add("", view.counter("expired_waiting"))
        newest = Family("ccpulse_newest_event_timestamp_seconds", "gauge",
                        "Event time of the newest event applied")
        newest_ms = max((p.counters.get("newest_event_ms", 0) for p in view.partitions), default=0)
        newest.add("", newest_ms / 1000 if newest_ms else math.nan)
        clock = Family("ccpulse_processor_clock_timestamp_seconds", "gauge",
                       "The processor's notion of now, per input partition")
        lag = Family("ccpulse_consumer_lag", "gauge", "Records in the partition not yet applied")
        for p in view.partitions:
            labels = labels_text(partition=p.partition_id)
            clock.add(labels, p.now_ms / 1000)
            if p.lag is not None:
                lag.add(labels, p.lag)
        return [processed, duplicates, rejected, expired, newest, clock, lag]
