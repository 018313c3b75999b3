"""The metrics of contacts that queue: per queue and channel."""

from __future__ import annotations

from ccpulse.windows.contacts.family import ABANDON_WAIT, ANSWER_WAIT, CONTACT
from ccpulse.windows.metrics import COUNTER, GAUGE, HISTOGRAM, MetricSpec

QC = ("queue", "channel")
QCW = ("queue", "channel", "window")
WINDOWS = tuple(w for w in CONTACT.windows if w != "total")


def _windowed(name: str, kpi: str, help_: str, unit: str, formula: str) -> MetricSpec:
    return MetricSpec(name, GAUGE, help_, QCW, unit, formula, WINDOWS, family=CONTACT.name,
                      kpi=kpi)


def _counter(name: str, field: str, help_: str, unit: str = "contacts",
             scale: int = 1) -> MetricSpec:
    return MetricSpec(name, COUNTER, help_, QC, unit, f"cumulative `{field}`",
                      family=CONTACT.name, field=field, scale=scale)


WINDOWED = (
    _windowed("ccpulse_service_level_ratio", "service_level",
              "Service level: share of contacts handled within the queue's threshold, per the "
              "queue's abandon policy (NaN when nothing counts)", "ratio",
              "answered within *T* / (answered + abandoned), by the abandon policy"),
    _windowed("ccpulse_window_contacts_offered", "offered",
              "Contacts that left the queue (answered, abandoned or transferred), short "
              "abandons excluded", "contacts", "answered + abandoned + transferred"),
    _windowed("ccpulse_window_contacts_answered", "answered", "Contacts answered", "contacts",
              "answered"),
    _windowed("ccpulse_window_contacts_abandoned", "abandoned",
              "Contacts abandoned, short abandons excluded", "contacts", "abandoned"),
    _windowed("ccpulse_window_contacts_transferred", "transferred",
              "Contacts transferred to another queue while waiting", "contacts", "transferred"),
    _windowed("ccpulse_window_contacts_answered_within_threshold", "answered_within_threshold",
              "Contacts answered within the queue's threshold", "contacts",
              "answered with wait ≤ *T*"),
    _windowed("ccpulse_average_speed_of_answer_seconds", "average_speed_of_answer_s",
              "Mean wait of answered contacts", "seconds", "Σ wait of answered / answered"),
    _windowed("ccpulse_abandon_ratio", "abandon_ratio", "Abandoned / offered", "ratio",
              "abandoned / offered"),
    _windowed("ccpulse_average_handle_seconds", "average_handle_s",
              "Mean handle time (talk + hold + wrap-up) of contacts that ended", "seconds",
              "Σ handle time / contacts that ended"),
    _windowed("ccpulse_average_abandon_wait_seconds", "average_abandon_wait_s",
              "Mean wait of abandoned contacts before they hung up (short abandons excluded)",
              "seconds", "Σ wait of abandoned / abandoned"),
)

LIVE = (
    MetricSpec("ccpulse_contacts_waiting", GAUGE, "Contacts waiting in the queue now", QC,
               "contacts", "waiting now"),
    MetricSpec("ccpulse_oldest_waiting_seconds", GAUGE,
               "How long the longest-waiting contact has waited (0 if none)", QC, "seconds",
               "now − queue time of the longest-waiting contact"),
    MetricSpec("ccpulse_contacts_waiting_over_threshold", GAUGE,
               "Contacts already waiting longer than the queue's threshold", QC, "contacts",
               "waiting with wait so far > *T*"),
    MetricSpec("ccpulse_contacts_in_service", GAUGE, "Contacts answered and not ended yet", QC,
               "contacts", "answered, not ended"),
    MetricSpec("ccpulse_service_level_target_ratio", GAUGE,
               "The queue's service-level target (for alert rules)", QC, "ratio",
               "configured target"),
    MetricSpec("ccpulse_service_level_threshold_seconds", GAUGE,
               "The queue's service-level threshold", QC, "seconds", "configured *T*"),
)

COUNTERS = (
    _counter("ccpulse_contacts_offered_total", "offered", "Contacts offered"),
    _counter("ccpulse_contacts_answered_total", "answered", "Contacts answered"),
    _counter("ccpulse_contacts_abandoned_total", "abandoned",
             "Contacts abandoned (short abandons excluded)"),
    _counter("ccpulse_contacts_transferred_total", "transferred",
             "Contacts transferred while waiting"),
    _counter("ccpulse_contacts_answered_within_threshold_total", "answered_within",
             "Contacts answered within threshold"),
    _counter("ccpulse_contacts_abandoned_within_threshold_total", "abandoned_within",
             "Contacts abandoned within threshold"),
    _counter("ccpulse_contacts_short_abandoned_total", "short_abandoned",
             "Abandons shorter than the short-abandon threshold"),
    _counter("ccpulse_contacts_handled_total", "handled", "Contacts that ended"),
    _counter("ccpulse_handle_seconds_total", "handle_ms", "Summed handle time", "seconds",
             1000),
)

HISTOGRAMS = (
    MetricSpec("ccpulse_answer_wait_seconds", HISTOGRAM,
               "Wait of answered contacts; every queue's threshold is a bucket bound", QC,
               "seconds", "wait of answered contacts", histogram=ANSWER_WAIT),
    MetricSpec("ccpulse_abandon_wait_seconds", HISTOGRAM,
               "Wait of abandoned contacts; every queue's threshold is a bucket bound", QC,
               "seconds", "wait of abandoned contacts", histogram=ABANDON_WAIT),
)

METRICS = (*WINDOWED, *LIVE, *COUNTERS, *HISTOGRAMS)
