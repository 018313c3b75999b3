"""Metric declarations as data: each metric is declared once, here or in its domain.

The exporter's collectors emit exactly the declared metrics (and a test holds
them to it), the README's metric table is generated from the declarations, and
the tests read the same names. A metric declares the channels it applies to, so
that nothing is served where it has no meaning (no chat response times for voice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

GAUGE: Final = "gauge"
COUNTER: Final = "counter"
HISTOGRAM: Final = "histogram"
INFO: Final = "info"


@dataclass(frozen=True)
class MetricSpec:
    name: str  # as served; a counter's ends in _total
    type: str  # gauge, counter, histogram or info
    help: str
    labels: tuple[str, ...] = ()
    unit: str = ""  # seconds, ratio, contacts...: for the reference table
    formula: str = ""  # how it is computed, for the reference table
    windows: tuple[str, ...] = ()  # a windowed gauge: the windows it is served for
    channels: tuple[str, ...] = ()  # the channels it applies to (empty: every channel)
    # where a generic collector finds the value
    family: str = ""  # a family's windows (a KPI of them) or its "total" window (a counter)
    kpi: str = ""  # the KPI field of a windowed gauge
    field: str = ""  # the family field of a counter
    scale: int = 1  # divide the stored value by this (1000: ms to seconds)
    histogram: str = ""  # the stored histogram of a histogram metric

    def __post_init__(self) -> None:
        if self.type not in (GAUGE, COUNTER, HISTOGRAM, INFO):
            raise ValueError(f"{self.name}: unknown metric type {self.type}")
        if (self.type == COUNTER) != self.name.endswith("_total"):
            raise ValueError(f"{self.name}: counters, and only counters, end in _total")
        if self.windows and "window" not in self.labels:
            raise ValueError(f"{self.name}: a windowed metric needs the window label")

    @property
    def family_name(self) -> str:
        """The metric family name under OpenMetrics (a counter's without ``_total``)."""
        return self.name.removesuffix("_total") if self.type == COUNTER else self.name

    def applies_to(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


def check_unique(specs: Iterable[MetricSpec]) -> None:
    """No two metrics may share an OpenMetrics family name."""
    seen: dict[str, str] = {}
    for spec in specs:
        other = seen.get(spec.family_name)
        if other is not None:
            raise ValueError(f"{spec.name} and {other} share the family {spec.family_name}")
        seen[spec.family_name] = spec.name
