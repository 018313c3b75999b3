"""Whether each business-hours calendar is open now (alert rules use the site's)."""

from __future__ import annotations

from collections.abc import Mapping

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, labels_text
from ccpulse.state.reader import SiteView
from ccpulse.windows.business import BusinessCalendar
from ccpulse.windows.metrics import GAUGE, MetricSpec

METRICS = (
    MetricSpec("ccpulse_calendar_open", GAUGE,
               "1 while the business-hours calendar is open (the site's: calendar=\"site\"), "
               "else 0", ("calendar",), "", "1 or 0, at the exporter's clock"),
)


class CalendarsCollector:
    name = "calendars"
    specs: tuple[MetricSpec, ...] = METRICS

    def __init__(self, calendars: Mapping[str, BusinessCalendar]) -> None:
        self.calendars = calendars

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        for name, calendar in sorted(self.calendars.items()):
            out["ccpulse_calendar_open"].add(labels_text(calendar=name),
                                             1 if calendar.is_open(view.now_ms) else 0)
        return list(out.values())
