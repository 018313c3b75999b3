"""Metric families as Prometheus text (0.0.4) or OpenMetrics 1.0, built for many series.

A family holds its sample lines already rendered, and label sets are escaped once
per series, so a scrape with hundreds of thousands of series costs little more
than writing them out. The two formats differ only in the family name of a
counter (OpenMetrics drops ``_total``), help escaping and the closing ``# EOF``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ccpulse.windows.metrics import MetricSpec

TEXT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def labels_text(**labels: str) -> str:
    """``{a="x",b="y"}``, or the empty string for no labels."""
    if not labels:
        return ""
    return "{" + inner(**labels) + "}"


def inner(**labels: str) -> str:
    """``a="x",b="y"``: a label set to extend before closing it in braces."""
    return ",".join(f'{k}="{escape_label(v)}"' for k, v in labels.items())


def format_value(value: float) -> str:
    if type(value) is int:
        return str(value)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


@dataclass
class Family:
    spec: MetricSpec
    lines: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    def add(self, labels: str, value: float, suffix: str = "") -> None:
        """One sample; ``labels`` as rendered by :func:`labels_text`."""
        self.lines.append(f"{self.spec.name}{suffix}{labels} {format_value(value)}\n")


def render(families: Iterable[Family], openmetrics: bool = False) -> bytes:
    out: list[str] = []
    for family in families:
        spec = family.spec
        if openmetrics:
            name = spec.family_name
            doc = spec.help.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
            out.append(f"# TYPE {name} {spec.type}\n# HELP {name} {doc}\n")
            if name.endswith("_seconds"):
                out.append(f"# UNIT {name} seconds\n")
        else:
            name = spec.name
            doc = spec.help.replace("\\", "\\\\").replace("\n", "\\n")
            out.append(f"# HELP {name} {doc}\n# TYPE {name} {spec.type}\n")
        out.extend(family.lines)
    if openmetrics:
        out.append("# EOF\n")
    return "".join(out).encode()
