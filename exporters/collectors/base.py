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
    targets = [(out[s.name].lines.append, s.name, list(fields).index(s.kpi), s)
               for s in specs if s.type == GAUGE and s.windows and s.family == family.name]
    empty = family.empty()
    idle: list[str] | None = None  # the values of a window with nothing in it: 0 or NaN
    for key in series:
        labels_base = base(key)
        channel = key[2] if len(key) > 2 else ""
        for window, per_series in view.windows.items():
            if window not in family.windows:
                continue
            values = per_series.get(key)
            if values is None:  # most windows of most series, at any moment
                if idle is None:
                    idle = [format_value(v) for v in compute(empty, key)]
                formatted = idle
            else:
                formatted = [format_value(v) for v in compute(values, key)]
            labels = f'{{{labels_base},window="{window}"}}'
            for append, name, index, spec in targets:
                if spec.applies_to(channel):
                    append(f"{name}{labels} {formatted[index]}\n")


def counters(view: SiteView, family: FamilySpec, specs: Sequence[MetricSpec],
             base: Callable[[SeriesKey], str], out: dict[str, Family]) -> None:
    targets = [(out[s.name], family.index(s.field), s.scale, s) for s in specs
               if s.type == COUNTER and s.family == family.name]
    for key, values in view.totals.items():
        if key[0] != family.name:
            continue
        labels = "{" + base(key) + "}"
        channel = key[2] if len(key) > 2 else ""
        for target, index, scale, spec in targets:
            if spec.applies_to(channel):
                target.add(labels, values[index] if scale == 1 else values[index] / scale)


def histograms(view: SiteView, specs: Sequence[MetricSpec], base: Callable[[SeriesKey], str],
               out: dict[str, Family]) -> None:
    by_name = {s.histogram: s for s in specs if s.type == HISTOGRAM}
    for key, histogram in sorted(view.histograms.items()):
        spec = by_name.get(key[0])
        if spec is None:
            continue
        family = out[spec.name]
        labels = base(key)
        for bound, count in zip(histogram.bounds_ms, histogram.cumulative(), strict=True):
            family.add(f'{{{labels},le="{bound / 1000:g}"}}', count, "_bucket")
        family.add(f'{{{labels},le="+Inf"}}', histogram.count, "_bucket")
        family.add("{" + labels + "}", histogram.count, "_count")
        family.add("{" + labels + "}", histogram.sum_ms / 1000, "_sum")
