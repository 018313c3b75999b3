"""Every metric the exporter serves: the exporter's own, and each collector's.

The README's metric reference is generated from these declarations
(``ccpulse metrics --markdown``), and a test keeps the two identical.
"""

from __future__ import annotations

from ccpulse.exporters.collectors.agents import AgentsCollector
from ccpulse.exporters.collectors.base import Collector
from ccpulse.exporters.collectors.calendars import CalendarsCollector
from ccpulse.exporters.collectors.chats import ChatsCollector
from ccpulse.exporters.collectors.contacts import ContactsCollector
from ccpulse.exporters.collectors.health import HealthCollector
from ccpulse.exporters.collectors.outcomes import OutcomesCollector
from ccpulse.exporters.collectors.quality import QualityCollector
from ccpulse.exporters.collectors.surveys import SurveysCollector
from ccpulse.exporters.collectors.tickets import TicketsCollector
from ccpulse.windows.metrics import GAUGE, MetricSpec, check_unique
from ccpulse.windows.registry import Registry

EXPORTER_METRICS = (
    MetricSpec("ccpulse_redis_up", GAUGE, "1 if Redis answered this scrape, else 0 (then no "
               "contact metrics are served)", (), "", "1 or 0"),
    MetricSpec("ccpulse_build_info", GAUGE, "The exporter's version and build (always 1)",
               ("version", "build"), "", "1"),
    MetricSpec("ccpulse_collector_up", GAUGE, "1 if the collector built its metrics this "
               "scrape, else 0 (its metrics are missing; the reason is logged)",
               ("collector",), "", "1 or 0"),
    MetricSpec("ccpulse_scrape_seconds", GAUGE,
               "Time this scrape spent reading Redis and building metrics", (), "seconds",
               "time of the scrape"),
)


def collectors_for(registry: Registry) -> list[Collector]:
    """The collectors of the registry's domains, then the processor's health."""
    names = {domain.name for domain in registry.domains}
    collectors: list[Collector] = []
    if "voice" in names or "chats" in names:
        collectors.append(ContactsCollector(registry.config.policies))
    if "chats" in names:
        collectors.append(ChatsCollector(registry.config.policies))
    if "agents" in names:
        collectors.append(AgentsCollector(registry.config.per_agent))
    if "tickets" in names:
        collectors.append(TicketsCollector(registry.config.tickets))
    if "surveys" in names:
        collectors.append(SurveysCollector())
    if "quality" in names:
        collectors.append(QualityCollector(registry.config.per_agent))
    if "outcomes" in names:
        collectors.append(OutcomesCollector(registry.config.agent_hour_cost))
    if registry.config.calendars:
        collectors.append(CalendarsCollector(registry.config.calendars))
    collectors.append(HealthCollector(list(registry.reasons)))
    return collectors


def catalog(registry: Registry) -> list[MetricSpec]:
    specs = [*EXPORTER_METRICS, *(s for c in collectors_for(registry) for s in c.specs)]
    check_unique(specs)
    return specs


def markdown(specs: list[MetricSpec]) -> str:
    """The README's metric reference table."""
    rows = ["| metric | type | labels | unit | meaning | formula |", "|---|---|---|---|---|---|"]
    for spec in specs:
        labels = ", ".join(spec.labels)
        if spec.channels:
            labels += f" (channels: {', '.join(spec.channels)})"
        meaning = spec.help.replace("|", "\\|")
        rows.append(f"| `{spec.name}` | {spec.type} | {labels} | {spec.unit} | {meaning} | "
                    f"{spec.formula.replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


def reasons_markdown(registry: Registry) -> str:
    """The README's table of rejection reasons."""
    rows = ["| reason | meaning |", "|---|---|"]
    rows.extend(f"| `{reason}` | {meaning} |" for reason, meaning in registry.reasons.items())
    return "\n".join(rows) + "\n"
