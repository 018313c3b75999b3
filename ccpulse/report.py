"""KPIs per day (and queue) from a file of events, with no broker.

Uses the same registry, domains and KPI code as the live pipeline, with each
contact credited to the local day of its queue exit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from ccpulse.stream.codec import decode
from ccpulse.windows.clock import AheadGuard
from ccpulse.windows.contacts.family import CONTACT
from ccpulse.windows.contacts.kpis import compute
from ccpulse.windows.daily import ALL, DayTotals
from ccpulse.windows.domain import Context
from ccpulse.windows.events import Event, Rejected
from ccpulse.windows.histograms import Histograms
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.registry import Registry

T = TypeVar("T")
NO_FUTURE_CHECK_MS = 2**62
EXPIRE_EVERY_MS = 60_000


@dataclass
class Report:
    rows: list[dict[str, Any]]
    rejected: int
    rejected_by_reason: dict[str, int]
    duplicates: int
    source: dict[str, Any] = field(default_factory=dict)


def build_report(events: Iterable[Event], registry: Registry, by_queue: bool,
                 rejected: dict[str, int] | None = None,
                 source: dict[str, Any] | None = None) -> Report:
    """Fold time-ordered events into per-day rows."""
    reasons = dict(rejected or {})
    days = DayTotals(registry.config.calendar, registry.families, by_queue)
    ctx = Context(days, Histograms(registry.histograms.values()),
                  LabelGuard(registry.config.limits))
    states = [domain.new_state(ctx) for domain in registry.domains]
    duplicates = 0
    expired_at = 0
    for event in events:
        if event.ts_ms - expired_at >= EXPIRE_EVERY_MS:  # forget as the live worker would
            for state in states:
                state.advance(event.ts_ms)
            expired_at = event.ts_ms
        days.advance(event.ts_ms)
        outcome = states[event.domain].apply(event)
        if outcome == DUPLICATE:
            duplicates += 1
        elif outcome != APPLIED:
            reasons[outcome] = reasons.get(outcome, 0) + 1
    policies = registry.config.policies
    rows = []
    for (day, (family, queue)), values in sorted(days.rows.items()):
        if family != CONTACT.name:
            continue
        kpis = compute(values, policies.for_queue(queue) if queue != ALL else policies.default)
        row: dict[str, Any] = {"day": day}
        if by_queue:
            row["queue"] = queue
        row.update(
            offered=kpis.offered,
            answered=kpis.answered,
            abandoned=kpis.abandoned,
            answered_within_threshold=kpis.answered_within_threshold,
            service_level=_rounded(kpis.service_level),
            average_speed_of_answer_s=_rounded(kpis.average_speed_of_answer_s),
            average_handle_s=_rounded(kpis.average_handle_s),
            abandon_ratio=_rounded(kpis.abandon_ratio),
            transferred=kpis.transferred,
        )
        rows.append(row)
    return Report(rows, sum(reasons.values()), dict(sorted(reasons.items())), duplicates,
                  source or {})


@dataclass(frozen=True)
class TimeRule:
    """The event clock's rule against a record far ahead (see ``AheadGuard``)."""

    jump_tolerance_ms: int = 3_600_000
    confirmations: int = 3


def read_documents(docs: Iterable[dict[str, Any]], registry: Registry,
                   rule: TimeRule = TimeRule()) -> tuple[list[Event], dict[str, int]]:
    """Validate event documents (from an adapter), sorted by time."""
    return _validated(docs, lambda doc: registry.decode(doc, NO_FUTURE_CHECK_MS, 0), rule)


def read_event_lines(lines: Iterable[bytes], registry: Registry,
                     rule: TimeRule = TimeRule()) -> tuple[list[Event], dict[str, int]]:
    """Decode JSON-lines events, sorted by time; rejects are counted by reason."""
    return _validated((line for line in lines if line.strip()),
                      lambda line: decode(line, registry, NO_FUTURE_CHECK_MS, 0), rule)


def _validated(items: Iterable[T], parse: Callable[[T], Event], rule: TimeRule
               ) -> tuple[list[Event], dict[str, int]]:
    """Events in time order. As on the worker's event clock, a record further ahead of
    the ones before it than the tolerance counts only once the records after it confirm
    the new time; so a lone record years ahead is refused (``ts_in_future``) rather than
    becoming a day of its own."""
    events: list[Event] = []
    rejected: dict[str, int] = {}
    for item in items:
        try:
            events.append(parse(item))
        except Rejected as exc:
            rejected[exc.reason] = rejected.get(exc.reason, 0) + 1
    events.sort(key=lambda e: e.ts_ms)
    guard: AheadGuard[Event] = AheadGuard(rule.jump_tolerance_ms, rule.confirmations)
    kept: list[Event] = []
    released = [out for event in events for out in guard.offer(event, event.ts_ms)]
    for event, outlier in [*released, *guard.end()]:
        if outlier:
            rejected["ts_in_future"] = rejected.get("ts_in_future", 0) + 1
        else:
            kept.append(event)
    return kept, rejected


def _rounded(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def as_json(report: Report) -> bytes:
    return orjson.dumps({"rejected": report.rejected,
                         "rejected_by_reason": report.rejected_by_reason,
                         "duplicates": report.duplicates,
                         **report.source,
                         "rows": report.rows}, option=orjson.OPT_INDENT_2)


def as_table(report: Report) -> str:
    if not report.rows:
        return f"no contacts (rejected: {report.rejected})"
    columns = [c for c in report.rows[0] if c != "abandon_ratio"]
    headers = {"day": "day", "queue": "queue", "offered": "offered", "answered": "answered",
               "abandoned": "abandoned", "answered_within_threshold": "within",
               "service_level": "SL", "average_speed_of_answer_s": "ASA s",
               "average_handle_s": "AHT s", "transferred": "transf"}
    cells = [[headers[c] for c in columns]]
    for row in report.rows:
        cells.append([_cell(row[c], c) for c in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    left = [c in ("day", "queue") for c in columns]
    lines = ["  ".join(v.ljust(w) if is_left else v.rjust(w)
                       for v, w, is_left in zip(r, widths, left, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"rejected: {report.rejected}"
                 + (f" {report.rejected_by_reason}" if report.rejected else ""))
    if report.source:
        lines.append(", ".join(f"{k}: {v}" for k, v in report.source.items()))
    return "\n".join(lines)


def _cell(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column == "service_level":
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
