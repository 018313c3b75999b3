"""The metrics of contact outcomes: first-contact resolution, repeat contacts, resolution,
self-service, channel mix and cost per resolution, and the counters behind them."""

from __future__ import annotations

from ccpulse.windows.metrics import COUNTER, GAUGE, MetricSpec
from ccpulse.windows.outcomes import family as f

QCW = ("queue", "channel", "window")
WINDOWS: tuple[str, ...] = tuple(w for w in f.WINDOWS if w != "total")


def _windowed(name: str, kpi: str, help_: str, formula: str) -> MetricSpec:
    return MetricSpec(name, GAUGE, help_, QCW, "ratio", formula, WINDOWS, family=f.OUTCOME.name,
                      kpi=kpi)


def _counter(name: str, field: str, help_: str) -> MetricSpec:
    return MetricSpec(name, COUNTER, help_, ("queue", "channel"), "contacts",
                      f"cumulative `{field}`", family=f.OUTCOME.name, field=field)


METRICS = (
    _windowed("ccpulse_first_contact_resolution_ratio", "first_contact_resolution",
              "First contacts that resolved the matter with no contact on it within the "
              "repeat window", "first contacts resolved and not repeated / first contacts "
              "decided, credited when decided"),
    _windowed("ccpulse_repeat_contact_ratio", "repeat_contact", "Contacts that came within "
              "the repeat window after a contact on the same matter",
              "repeats / contacts"),
    _windowed("ccpulse_resolution_ratio", "resolution", "Contacts that ended resolved (by an "
              "agent or by self-service)", "resolved / contacts"),
    _windowed("ccpulse_self_service_ratio", "self_service", "Self-service effectiveness: "
              "matters resolved without an agent", "self-served / (self-served + contacts "
              "that reached an agent)"),
    MetricSpec("ccpulse_channel_share_ratio", GAUGE, "Each channel's share of the site's "
               "contacts (preferred channels)", ("channel", "window"), "ratio",
               "contacts on the channel / contacts on every channel", WINDOWS),
    MetricSpec("ccpulse_cost_per_resolution", GAUGE, "What a resolved contact costs in "
               "staffed agent time", ("queue", "window"), "currency",
               "cost per agent-hour × staffed agent-hours / resolved contacts", WINDOWS),
    _counter("ccpulse_outcome_contacts_total", "contacts", "Contacts that ended, any outcome"),
    _counter("ccpulse_outcome_agent_contacts_total", "agent_contacts", "Contacts that "
             "reached an agent"),
    _counter("ccpulse_resolved_contacts_total", "resolved", "Contacts that ended resolved"),
    _counter("ccpulse_self_served_contacts_total", "self_served", "Matters resolved by "
             "self-service"),
    _counter("ccpulse_first_contacts_total", "first_contacts", "First contacts on a matter"),
    _counter("ccpulse_first_contacts_decided_total", "decided", "First contacts whose "
             "resolution is known"),
    _counter("ccpulse_first_contact_resolutions_total", "fcr", "First contacts that "
             "resolved the matter for good"),
    _counter("ccpulse_repeat_contacts_total", "repeats", "Contacts within the repeat window "
             "after another on the same matter"),
)
