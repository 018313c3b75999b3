"""Tickets: times in both clocks, counts and ratios, the backlog by age, SLA targets."""

from __future__ import annotations

from itertools import pairwise

from ccpulse.exporters.collectors import base
from ccpulse.exporters.exposition import Family, format_value, inner, labels_text
from ccpulse.state.reader import SiteView
from ccpulse.windows.families import SeriesKey, Vec
from ccpulse.windows.metrics import MetricSpec
from ccpulse.windows.tickets import family as f
from ccpulse.windows.tickets.config import HOUR_MS, TicketConfig
from ccpulse.windows.tickets.kpis import TicketKpis, compute, sla_kpis
from ccpulse.windows.tickets.lifecycle import BACKLOG, SLA
from ccpulse.windows.tickets.metrics import CLOCKED, ticket_metrics
from ccpulse.windows.tickets.sla import TARGETS


def age_bands(bands_ms: tuple[int, ...]) -> list[str]:
    """Label values of the age bands: ``0-4h``, ``4h-24h``, ``24h-72h``, ``72h+``."""
    hours = [f"{ms / HOUR_MS:g}h" for ms in bands_ms]
    return [f"0-{hours[0]}", *(f"{a}-{b}" for a, b in pairwise(hours)), f"{hours[-1]}+"]


class TicketsCollector:
    name = "tickets"

    def __init__(self, config: TicketConfig) -> None:
        self.config = config
        self.specs: tuple[MetricSpec, ...] = ticket_metrics(config.days)
        self.family = f.ticket_family(config.days)
        self.categories = f.category_family(config.days)
        self.sla = f.sla_family(config.days)
        self.bands = age_bands(config.bands_ms)

    def collect(self, view: SiteView) -> list[Family]:
        out = base.families(self.specs)
        series = view.series(self.family.name)

        def labels(key: SeriesKey) -> str:
            return inner(queue=key[1], channel=key[2], priority=key[3])

        def kpis(values: Vec, key: SeriesKey) -> TicketKpis:
            return compute(values)

        base.windowed(view, self.family, self.specs, series, labels, kpis, TicketKpis._fields,
                      out)
        self._clocked(view, series, out)
        base.counters(view, self.family, self.specs, labels, out)
        base.counters(view, self.sla, self.specs,
                      lambda key: inner(queue=key[1], priority=key[2], target=key[3]), out)
        base.histograms(view, self.specs, lambda key: inner(
            queue=key[1], channel=key[2], priority=key[3], clock=key[4]), out)
        self._categories(view, out)
        self._backlog(view, out)
        self._sla(view, out)
        return list(out.values())

    def _clocked(self, view: SiteView, series: list[SeriesKey],
                 out: dict[str, Family]) -> None:
        """The averages served once per clock: calendar and business time."""
        fields = TicketKpis._fields
        chosen = [(out[name].lines, name, fields.index(cal), fields.index(bus))
                  for name, cal, bus, _, _ in CLOCKED]
        empty = compute(self.family.empty())
        for key in series:
            base_labels = inner(queue=key[1], channel=key[2], priority=key[3])
            for window, per_series in view.windows.items():
                if window not in self.family.windows:
                    continue
                values = per_series.get(key)
                kpis = empty if values is None else compute(values)
                for lines, name, cal, bus in chosen:
                    for clock, index in (("calendar", cal), ("business", bus)):
                        lines.append(f'{name}{{{base_labels},window="{window}",'
                                     f'clock="{clock}"}} {format_value(kpis[index])}\n')

    def _categories(self, view: SiteView, out: dict[str, Family]) -> None:
        family = out["ccpulse_window_tickets_by_category"]
        for key in view.series(self.categories.name):
            for window, per_series in view.windows.items():
                if window not in self.categories.windows:
                    continue
                values = per_series.get(key) or self.categories.empty()
                family.add(labels_text(queue=key[1], category=key[2], window=window),
                           values[f.CATEGORY_CREATED])
        ratio = out["ccpulse_ticket_sla_met_ratio"]
        for key in view.series(self.sla.name):
            for window, per_series in view.windows.items():
                if window in self.sla.windows:
                    values = per_series.get(key) or self.sla.empty()
                    ratio.add(labels_text(queue=key[1], priority=key[2], target=key[3],
                                          window=window), sla_kpis(values).met_ratio)

    def _backlog(self, view: SiteView, out: dict[str, Family]) -> None:
        counts: dict[tuple[str, str, str, str], list[int]] = {}
        oldest: dict[str, int] = {}
        n = len(self.config.bands_ms)
        for _, key, entry in view.live(BACKLOG):
            total, *over, first = entry
            for clock, edges in (("calendar", over[:n]), ("business", over[n:])):
                summed = counts.setdefault((key[1], key[2], key[3], clock), [0] * (n + 1))
                at_least = [total, *edges, 0]  # tickets at least as old as each band's start
                for i in range(n + 1):
                    summed[i] += at_least[i] - at_least[i + 1]
            oldest[key[1]] = min(oldest.get(key[1], first), first)
        family = out["ccpulse_tickets_open"]
        for (queue, status, priority, clock), per_band in sorted(counts.items()):
            for band, count in zip(self.bands, per_band, strict=True):
                family.add(labels_text(queue=queue, status=status, priority=priority,
                                       age=band, clock=clock), count)
        for queue, first in sorted(oldest.items()):
            out["ccpulse_oldest_open_ticket_seconds"].add(
                labels_text(queue=queue), max(0, view.now_ms - first) / 1000)

    def _sla(self, view: SiteView, out: dict[str, Family]) -> None:
        live: dict[tuple[str, str, str], list[int]] = {}
        for _, key, entry in view.live(SLA):
            summed = live.setdefault((key[1], key[2], key[3]), [0, 0])
            summed[0] += entry[0]
            summed[1] += entry[1]
        configured = self.config.sla.policies
        for (queue, priority), policy in sorted(configured.items()):
            for target, ms in sorted(policy.targets.items()):
                out["ccpulse_ticket_sla_target_seconds"].add(labels_text(
                    queue=queue, priority=priority, target=target,
                    clock="business" if policy.business else "calendar"), ms / 1000)
        keys = set(live) | {(k[1], k[2], k[3]) for k in view.series(self.sla.name)}
        for queue, priority, target in sorted(keys):
            if target not in TARGETS:
                continue
            at_risk, breached = live.get((queue, priority, target), [0, 0])
            text = labels_text(queue=queue, priority=priority, target=target)
            out["ccpulse_ticket_sla_at_risk"].add(text, at_risk)
            out["ccpulse_ticket_sla_breached"].add(text, breached)
