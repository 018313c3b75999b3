"""The processor's health: events applied and refused, lag, clocks, what could not be read."""

from __future__ import annotations

import math

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, labels_text
from ccpulse.state.reader import SiteView
from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec

TP = ("topic", "partition")
METRICS = (
    MetricSpec("ccpulse_events_processed_total", COUNTER, "Events applied", (), "events",
               "applied events"),
    MetricSpec("ccpulse_events_duplicate_total", COUNTER,
               "Events dropped as repeats of an applied event id", (), "events",
               "repeated event ids"),
    MetricSpec("ccpulse_events_late_total", COUNTER,
               "Events applied after an event of their partition more than 5 minutes newer "
               "(the shortest windows may have moved past them)", (), "events",
               "applied events with ts < newest earlier ts − 5 min"),
    MetricSpec("ccpulse_events_rejected_total", COUNTER,
               "Events sent to the dead-letter topic, by reason", ("reason",), "events",
               "dead-lettered events (every known reason is served, from 0)"),
    MetricSpec("ccpulse_waiting_expired_total", COUNTER,
               "Waiting contacts dropped after waiting implausibly long", (), "contacts",
               "contacts still waiting after the retention"),
    MetricSpec("ccpulse_queues_folded_total", COUNTER,
               "Events counted under the queue named other because the partition already had "
               "CCPULSE_MAX_QUEUES queues", (), "events", "events folded into queue other"),
    MetricSpec("ccpulse_conversations_expired_total", COUNTER,
               "Open conversations dropped after no event for the retention (CCPULSE_MAX_WAIT_S)",
               (), "conversations", "idle open conversations forgotten"),
    MetricSpec("ccpulse_assignments_expired_total", COUNTER,
               "Contacts dropped from an agent's slots after no release for the retention",
               (), "contacts", "assignments never released"),
    MetricSpec("ccpulse_agents_folded_total", COUNTER,
               "Per-agent credits counted under the agent named other because the partition "
               "already had CCPULSE_MAX_AGENTS agents", (), "credits",
               "credits folded into agent other"),
    MetricSpec("ccpulse_tickets_expired_total", COUNTER,
               "Open tickets forgotten after no event for CCPULSE_TICKET_MAX_OPEN_DAYS", (),
               "tickets", "open tickets untouched for the retention"),
    MetricSpec("ccpulse_events_derived_total", COUNTER,
               "Events the worker derived for another partition (an agent's share of a "
               "contact), counted once more when that partition applies them", (), "events",
               "derived events sent"),
    MetricSpec("ccpulse_histogram_resets_total", COUNTER,
               "Histograms started again because their configured bounds changed", (),
               "histograms", "histograms restarted at load"),
    MetricSpec("ccpulse_state_resets_total", COUNTER,
               "Partitions folded again from their first offset because their stored state "
               "could not be read", (), "partitions", "partitions rebuilt"),
    MetricSpec("ccpulse_newest_event_timestamp_seconds", GAUGE,
               "Event time of the newest event applied", (), "seconds", "max event time"),
    MetricSpec("ccpulse_consumer_lag", GAUGE, "Records in the partition not yet applied", TP,
               "records", "high-water mark − applied offset − 1"),
    MetricSpec("ccpulse_processor_clock_timestamp_seconds", GAUGE,
               "The processor's notion of now, per input partition", TP, "seconds",
               "the partition's clock"),
    MetricSpec("ccpulse_partition_readable", GAUGE,
               "1 if everything the partition stored is of a layout and versions this "
               "exporter reads, else 0 (what it cannot read is left out, and the reason "
               "logged)", TP, "", "1 or 0"),
)


class HealthCollector:
    name = "health"
    specs: tuple[MetricSpec, ...] = METRICS

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = sorted(reasons)

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        out["ccpulse_events_processed_total"].add("", view.counter("processed"))
        out["ccpulse_events_duplicate_total"].add("", view.counter("duplicates"))
        out["ccpulse_events_late_total"].add("", view.counter("late"))
        out["ccpulse_waiting_expired_total"].add("", view.counter("expired_waiting"))
        out["ccpulse_queues_folded_total"].add("", view.counter("queues_folded"))
        out["ccpulse_conversations_expired_total"].add("", view.counter("expired_conversations"))
        out["ccpulse_assignments_expired_total"].add("", view.counter("expired_assignments"))
        out["ccpulse_agents_folded_total"].add("", view.counter("agents_folded"))
        out["ccpulse_tickets_expired_total"].add("", view.counter("expired_tickets"))
        out["ccpulse_events_derived_total"].add("", view.counter("derived"))
        out["ccpulse_histogram_resets_total"].add("", view.counter("histogram_resets"))
        out["ccpulse_state_resets_total"].add("", view.counter("state_resets"))
        reasons = dict.fromkeys(self.reasons, 0)
        for partition in view.partitions:
            for name, value in partition.counters.items():
                if name.startswith("rejected:"):
                    reason = name.removeprefix("rejected:")
                    reasons[reason] = reasons.get(reason, 0) + value
        for reason, value in sorted(reasons.items()):
            out["ccpulse_events_rejected_total"].add(labels_text(reason=reason), value)
        newest_ms = max((p.counters.get("newest_event_ms", 0) for p in view.partitions),
                        default=0)
        out["ccpulse_newest_event_timestamp_seconds"].add(
            "", newest_ms / 1000 if newest_ms else math.nan)
        for p in view.partitions:
            labels = labels_text(topic=p.topic, partition=str(p.partition))
            out["ccpulse_partition_readable"].add(labels, 0 if p.problems else 1)
            if not p.readable:
                continue
            out["ccpulse_processor_clock_timestamp_seconds"].add(labels, p.now_ms / 1000)
            if p.lag is not None:
                out["ccpulse_consumer_lag"].add(labels, p.lag)
        return list(out.values())
