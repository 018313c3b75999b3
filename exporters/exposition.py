"""Metric families as Prometheus text (format 0.0.4), built for many series.

A family holds its sample lines already rendered, and label sets are escaped once
per queue and channel, so a scrape with hundreds of thousands of series costs
little more than writing them out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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
    name: str
    type: str  # gauge, counter or histogram
    help: str
    lines: list[str] = field(default_factory=list)

    def add(self, labels: str, value: float, suffix: str = "") -> None:
        """One sample; ``labels`` as rendered by :func:`labels_text`."""
        self.lines.append(f"{self.name}{suffix}{labels} {format_value(value)}\n")


def render(families: Iterable[Family]) -> bytes:
    out: list[str] = []
    for family in families:
        doc = family.help.replace("\\", "\\\\").replace("\n", "\\n")
        out.append(f"# HELP {family.name} {doc}\n# TYPE {family.name} {family.type}\n")
        out.extend(family.lines)
    return "".join(out).encode()
