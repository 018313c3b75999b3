"""What every collector is, and the generic parts: windowed KPIs, counters, histograms."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ccpulse.exporters.exposition import Family, format_value
from ccpulse.state.reader import SiteView
from ccpulse.windows.families import FamilySpec, SeriesKey, Vec
from ccpulse.windows.metrics import COUNTER, GAUGE, HISTOGRAM, MetricSpec


class Collector(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def specs(self) -> tuple[MetricSpec, ...]: ...
    def collect(self, view: SiteView) -> list[Family]: ...


def families(specs: Sequence[MetricSpec]) -> dict[str, Family]:
    return {spec.name: Family(spec) for spec in specs}


def windowed(view: SiteView, family: FamilySpec, specs: Sequence[MetricSpec],
             series: Sequence[SeriesKey], base: Callable[[SeriesKey], str],
             compute: Callable[[Vec, SeriesKey], Sequence[float]], fields: Sequence[str],
             out: dict[str, Family]) -> None:
    """Every windowed gauge of ``specs`` for every series and window: ``compute`` gives a
    series' KPIs (named by ``fields``) from its vector in one window."""
    targets = [(out[s.name].lines, s.name, list(fields).index(s.kpi), s)
               for s in specs if s.type == GAUGE and s.windows and s.family == family.name]
    for_channel: dict[str, list[tuple[list[str], str, int]]] = {}
    empty = family.empty()
    idle: list[str] | None = None  # the values of a window with nothing in it: 0 or NaN
    windows = [(w, per) for w, per in view.windows.items() if w in family.windows]
    for key in series:
        labels_base = base(key)
        channel = key[2] if len(key) > 2 else ""
        chosen = for_channel.get(channel)
        if chosen is None:
            chosen = for_channel[channel] = [(lines, name, index) for lines, name, index, spec
                                             in targets if spec.applies_to(channel)]
        for window, per_series in windows:
            values = per_series.get(key)
            if values is None:  # most windows of most series, at any moment
                if idle is None:
                    idle = [format_value(v) for v in compute(empty, key)]
                formatted = idle
            else:
                formatted = [format_value(v) for v in compute(values, key)]
            labels = f'{{{labels_base},window="{window}"}} '
            for lines, name, index in chosen:
                lines.append(f"{name}{labels}{formatted[index]}\n")


def counters(view: SiteView, family: FamilySpec, specs: Sequence[MetricSpec],
             base: Callable[[SeriesKey], str], out: dict[str, Family]) -> None:
    targets = [(out[s.name].lines, s.name, family.index(s.field), s.scale, s) for s in specs
               if s.type == COUNTER and s.family == family.name]
    for key, values in view.totals.items():
        if key[0] != family.name:
            continue
        labels = "{" + base(key) + "} "
        channel = key[2] if len(key) > 2 else ""
        for lines, name, index, scale, spec in targets:
            if spec.applies_to(channel):
                value = values[index] if scale == 1 else values[index] / scale
                lines.append(f"{name}{labels}{format_value(value)}\n")


def histograms(view: SiteView, specs: Sequence[MetricSpec], base: Callable[[SeriesKey], str],
               out: dict[str, Family]) -> None:
    by_name = {s.histogram: s for s in specs if s.type == HISTOGRAM}
    bound_labels: dict[tuple[int, ...], list[str]] = {}
    for key, histogram in sorted(view.histograms.items()):
        spec = by_name.get(key[0])
        if spec is None:
            continue
        lines = out[spec.name].lines
        name = spec.name
        labels = base(key)
        bounds = bound_labels.get(histogram.bounds_ms)
        if bounds is None:
            bounds = bound_labels[histogram.bounds_ms] = [
                f'le="{b / 1000:g}"' for b in histogram.bounds_ms]
        for le, count in zip(bounds, histogram.cumulative(), strict=True):
            lines.append(f"{name}_bucket{{{labels},{le}}} {count}\n")
        lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {histogram.count}\n')
        lines.append(f"{name}_count{{{labels}}} {histogram.count}\n")
        lines.append(f"{name}_sum{{{labels}}} {format_value(histogram.sum_ms / 1000)}\n")
