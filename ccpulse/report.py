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
from ccpulse.windows.agents import family as agents
from ccpulse.windows.agents.family import AGENT_SITE, AGENT_TIME
from ccpulse.windows.agents.kpis import HOUR_MS, time_kpis
from ccpulse.windows.chats import family as chat
from ccpulse.windows.chats.family import CHAT
from ccpulse.windows.chats.kpis import compute as chat_kpis
from ccpulse.windows.clock import AheadGuard
from ccpulse.windows.contacts.family import CONTACT, HANDLED
from ccpulse.windows.contacts.kpis import compute
from ccpulse.windows.daily import ALL, DayTotals
from ccpulse.windows.domain import Context, DomainState
from ccpulse.windows.events import Event, Rejected
from ccpulse.windows.families import Vec
from ccpulse.windows.histograms import Histograms
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.outcomes import family as outcome
from ccpulse.windows.outcomes.family import OUTCOME
from ccpulse.windows.outcomes.kpis import compute as outcome_kpis
from ccpulse.windows.outcomes.kpis import cost_per_resolution
from ccpulse.windows.quality import family as quality
from ccpulse.windows.quality.family import QUALITY
from ccpulse.windows.quality.kpis import quality_score
from ccpulse.windows.registry import Registry
from ccpulse.windows.surveys import family as survey
from ccpulse.windows.surveys.event import CES, CSAT, NPS
from ccpulse.windows.surveys.family import SURVEY
from ccpulse.windows.surveys.kpis import compute as survey_kpis
from ccpulse.windows.tickets.family import TICKET_FAMILY
from ccpulse.windows.tickets.kpis import compute as ticket_kpis

T = TypeVar("T")
NO_FUTURE_CHECK_MS = 2**62
EXPIRE_EVERY_MS = 60_000


@dataclass
class Report:
    rows: list[dict[str, Any]]  # queue figures of every contact
    rejected: int
    rejected_by_reason: dict[str, int]
    duplicates: int
    source: dict[str, Any] = field(default_factory=dict)
    chats: list[dict[str, Any]] = field(default_factory=list)  # response times
    agents: list[dict[str, Any]] = field(default_factory=list)  # agent time
    tickets: list[dict[str, Any]] = field(default_factory=list)  # per priority too
    surveys: list[dict[str, Any]] = field(default_factory=list)  # CSAT, NPS, CES
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # FCR, repeats, cost
    quality: list[dict[str, Any]] = field(default_factory=list)  # reviews


GROUPINGS = {"day": (), "day,queue": ("queue",), "day,queue,channel": ("queue", "channel")}


def build_report(events: Iterable[Event], registry: Registry, by: tuple[str, ...] = (),
                 rejected: dict[str, int] | None = None,
                 source: dict[str, Any] | None = None) -> Report:
    """Fold time-ordered events into rows per day and, if ``by`` says so, per queue
    (``("queue",)``) or per queue and channel (``("queue", "channel")``)."""
    reasons = dict(rejected or {})
    ticket_family = TICKET_FAMILY
    days = DayTotals(registry.config.calendar, registry.families, len(by),
                     {ticket_family: 3, SURVEY.name: 3})  # every label: summed below
    ctx = Context(days, Histograms(registry.histograms.values()),
                  LabelGuard(registry.config.limits))
    states = [domain.new_state(ctx) for domain in registry.domains]
    duplicates = 0
    expired_at = 0
    for event in events:
        if event.ts_ms - expired_at >= EXPIRE_EVERY_MS:  # credit and forget as a worker would
            days.advance(event.ts_ms)
            for state in states:
                state.advance(event.ts_ms)
            _apply_derived(ctx, states, registry)
            expired_at = event.ts_ms
        days.advance(event.ts_ms)
        outcome = states[event.domain].apply(event)
        if outcome == DUPLICATE:
            duplicates += 1
        elif outcome != APPLIED:
            reasons[outcome] = reasons.get(outcome, 0) + 1
        _apply_derived(ctx, states, registry)
    for state in states:  # agent time up to the last event
        state.advance(days.now_ms)
    _apply_derived(ctx, states, registry)
    rows: dict[str, list[dict[str, Any]]] = {CONTACT.name: [], CHAT.name: [], "agents": []}
    tickets: dict[tuple[str, ...], list[int]] = {}  # by day and the labels asked for
    for (day, series), values in days.rows.items():
        if series[0] != ticket_family:
            continue
        named = dict(zip(("queue", "channel", "priority"), series[1:], strict=True))
        key = (day, *(named[name] for name in by), *((named["priority"],) if by else ()))
        summed = tickets.setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            summed[i] += value
    handled: dict[tuple[str, str], int] = {}  # (day, queue or ALL) -> contacts that ended
    for (day, (family, *labels)), values in sorted(days.rows.items()):
        if family == CONTACT.name:
            handled[(day, labels[0])] = handled.get((day, labels[0]), 0) + values[HANDLED]
    for (day, (family, *labels)), values in sorted(days.rows.items()):
        row: dict[str, Any] = {"day": day, **dict(zip(by, labels, strict=False))}
        if family == CONTACT.name:
            row.update(_contact_figures(values, registry, labels))
        elif family == CHAT.name:
            row.update(_chat_figures(values))
        elif family == (AGENT_TIME.name if by else AGENT_SITE.name):
            row.pop("channel", None)  # agent time is the queue's, over its channels
            row.update(_agent_figures(values, handled.get((day, labels[0]), 0)))
            family = "agents"
        else:
            continue
        rows[family].append(row)
    ticket_rows = [{"day": key[0], **dict(zip((*by, "priority"), key[1:], strict=False)),
                    **_ticket_figures(values)} for key, values in sorted(tickets.items())]
    surveys: dict[tuple[str, ...], dict[str, list[int]]] = {}  # by day and labels: by kind
    for (day, series), values in days.rows.items():
        if series[0] == SURVEY.name:
            named = dict(zip(("queue", "channel"), series[1:3], strict=True))
            key = (day, *(named[name] for name in by))
            kinds = surveys.setdefault(key, {})
            summed = kinds.setdefault(series[3], SURVEY.empty())
            for i, value in enumerate(values):
                summed[i] += value
    survey_rows = [{"day": key[0], **dict(zip(by, key[1:], strict=True)),
                    **_survey_figures(kinds)} for key, kinds in sorted(surveys.items())]
    return Report(rows[CONTACT.name], sum(reasons.values()), dict(sorted(reasons.items())),
                  duplicates, source or {}, rows[CHAT.name], rows["agents"], ticket_rows,
                  survey_rows, _outcome_rows(days, registry, by), _quality_rows(days, by))


def _outcome_rows(days: DayTotals, registry: Registry, by: tuple[str, ...]
                  ) -> list[dict[str, Any]]:
    """First-contact resolution, repeats, resolution and self-service; each channel's share
    of the day's contacts (by channel); the cost per resolution (by day or queue, with an
    agent-hour cost configured)."""
    day_contacts: dict[str, int] = {}
    for (day, series), values in days.rows.items():
        if series[0] == OUTCOME.name:
            day_contacts[day] = day_contacts.get(day, 0) + values[outcome.CONTACTS]
    costs = registry.config.agent_hour_cost
    out = []
    for (day, (family, *labels)), values in sorted(days.rows.items()):
        if family != OUTCOME.name:
            continue
        kpis = outcome_kpis(values)
        row: dict[str, Any] = {"day": day, **dict(zip(by, labels, strict=False)),
                               "contacts": values[outcome.CONTACTS],
                               "resolved": values[outcome.RESOLVED],
                               "self_served": values[outcome.SELF_SERVED],
                               "first_contacts": values[outcome.FIRST_CONTACTS],
                               "fcr_decided": values[outcome.DECIDED],
                               "repeats": values[outcome.REPEATS],
                               "fcr_ratio": _rounded(kpis.first_contact_resolution),
                               "repeat_ratio": _rounded(kpis.repeat_contact),
                               "resolution_ratio": _rounded(kpis.resolution),
                               "self_service_ratio": _rounded(kpis.self_service)}
        if "channel" in by:
            row["channel_share"] = _rounded(values[outcome.CONTACTS] / day_contacts[day])
        elif costs:
            queue = labels[0] if by else ALL
            hourly = costs.get(queue, costs.get("*"))
            staffed = days.rows.get((day, (AGENT_TIME.name, queue) if by else
                                     (AGENT_SITE.name, ALL)))
            if hourly is not None:
                row["cost_per_resolution"] = _rounded(cost_per_resolution(
                    staffed[agents.STAFFED] if staffed else 0, hourly,
                    values[outcome.RESOLVED]))
        out.append(row)
    return out


def _quality_rows(days: DayTotals, by: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"day": day, **dict(zip(by, labels, strict=False)),
             "reviews": values[quality.REVIEWS],
             "quality_score": _rounded(quality_score(values)[0])}
            for (day, (family, *labels)), values in sorted(days.rows.items())
            if family == QUALITY.name]


def _apply_derived(ctx: Context, states: list[DomainState], registry: Registry) -> None:
    """What a worker would send to the agent's partition, applied here."""
    while ctx.outbox:
        derived = [d for _, d in ctx.outbox]
        ctx.outbox.clear()
        for item in derived:
            event = registry.decode(item.doc, NO_FUTURE_CHECK_MS, 0)
            states[event.domain].apply(event)


def _contact_figures(values: Vec, registry: Registry, labels: list[str]) -> dict[str, Any]:
    policies = registry.config.policies
    queue, channel = labels[0], labels[1] if len(labels) > 1 else ""
    kpis = compute(values, policies.for_queue(queue, channel) if queue != ALL
                   else policies.default)
    return {"offered": kpis.offered, "answered": kpis.answered, "abandoned": kpis.abandoned,
            "answered_within_threshold": kpis.answered_within_threshold,
            "service_level": _rounded(kpis.service_level),
            "average_speed_of_answer_s": _rounded(kpis.average_speed_of_answer_s),
            "average_handle_s": _rounded(kpis.average_handle_s),
            "abandon_ratio": _rounded(kpis.abandon_ratio),
            "transferred": kpis.transferred}


def _chat_figures(values: Vec) -> dict[str, Any]:
    kpis = chat_kpis(values)
    return {"first_responses": kpis.first_responses,
            "average_first_response_s": _rounded(kpis.average_first_response_s),
            "first_response_within_target": _rounded(kpis.first_response_within_target),
            "responses": kpis.responses,
            "average_response_s": _rounded(kpis.average_response_s),
            "response_within_target": _rounded(kpis.response_within_target),
            "unresponded": kpis.unresponded,
            "customer_messages": values[chat.CUSTOMER_MESSAGES],
            "bot_messages": values[chat.BOT_MESSAGES],
            "internal_notes": values[chat.INTERNAL_NOTES],
            "handoffs": values[chat.HANDOFFS], "reopens": values[chat.REOPENS]}


def _ticket_figures(values: Vec) -> dict[str, Any]:
    kpis = ticket_kpis(values)
    out: dict[str, Any] = {"created": kpis.created, "solved": kpis.solved,
                           "reopened": kpis.reopened, "final": kpis.finals}
    for name in ("first_reply", "next_reply", "first_resolution", "resolution",
                 "requester_wait", "agent_wait"):
        out[f"{name}_s"] = _rounded(getattr(kpis, f"{name}_s"))
        out[f"{name}_business_s"] = _rounded(getattr(kpis, f"{name}_business_s"))
    out.update(reopen_ratio=_rounded(kpis.reopen_ratio),
               one_touch_ratio=_rounded(kpis.one_touch_ratio),
               resolution_ratio=_rounded(kpis.resolution_ratio))
    return out


def _survey_figures(kinds: dict[str, list[int]]) -> dict[str, Any]:
    empty = SURVEY.empty()
    vecs = [kinds.get(kind, empty) for kind in (CSAT, NPS, CES)]
    kpis = survey_kpis(*vecs)
    return {"sent": sum(v[survey.SENT] for v in vecs),
            "answers": sum(v[survey.RESPONSES] for v in vecs),
            "csat": _rounded(kpis.csat), "nps": _rounded(kpis.nps), "ces": _rounded(kpis.ces),
            "ces_agree": _rounded(kpis.ces_agree),
            "response_ratio": _rounded(kpis.response_ratio),
            "follow_up_ratio": _rounded(kpis.follow_up_ratio)}


def _agent_figures(values: Vec, handled: int) -> dict[str, Any]:
    kpis = time_kpis(values, handled)
    hours = {f"{state}_h": _rounded(values[index] / HOUR_MS)
             for state, index in agents.STATE_FIELD.items()}
    return {"staffed_h": _rounded(values[agents.STAFFED] / HOUR_MS), **hours,
            "occupancy": _rounded(kpis.occupancy),
            "slot_occupancy": _rounded(kpis.slot_occupancy),
            "handled": handled,
            "handled_per_agent_hour": _rounded(kpis.handled_per_agent_hour)}


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
                         "rows": report.rows,
                         "chats": report.chats,
                         "agents": report.agents,
                         "tickets": report.tickets,
                         "surveys": report.surveys,
                         "outcomes": report.outcomes,
                         "quality": report.quality}, option=orjson.OPT_INDENT_2)


HEADERS = {"day": "day", "queue": "queue", "channel": "channel", "offered": "offered",
           "answered": "answered", "abandoned": "abandoned",
           "answered_within_threshold": "within", "service_level": "SL",
           "average_speed_of_answer_s": "ASA s", "average_handle_s": "AHT s",
           "transferred": "transf", "first_responses": "first",
           "average_first_response_s": "FRT s", "first_response_within_target": "FRT ok",
           "responses": "replies", "average_response_s": "RT s",
           "response_within_target": "RT ok", "unresponded": "unanswered",
           "handoffs": "handoffs", "reopens": "reopens", "staffed_h": "staffed h",
           "available_h": "avail h", "busy_h": "busy h", "after_contact_work_h": "ACW h",
           "away_h": "away h", "occupancy": "occupancy", "slot_occupancy": "slot occ",
           "handled": "handled", "handled_per_agent_hour": "per agent-h",
           "priority": "priority", "created": "created", "solved": "solved",
           "reopened": "reopened", "first_reply_s": "FRT s", "first_reply_business_s": "FRT bs",
           "next_reply_s": "NRT s", "next_reply_business_s": "NRT bs",
           "resolution_s": "res s", "resolution_business_s": "res bs",
           "one_touch_ratio": "one-touch", "sent": "sent", "answers": "answers",
           "csat": "CSAT", "nps": "NPS", "ces": "CES", "response_ratio": "responded",
           "contacts": "contacts", "self_served": "self-served", "fcr_ratio": "FCR",
           "repeat_ratio": "repeats", "resolution_ratio": "resolved",
           "self_service_ratio": "self-service", "channel_share": "share",
           "cost_per_resolution": "cost/res", "reviews": "reviews", "quality_score": "IQS"}
PERCENT = {"service_level", "first_response_within_target", "response_within_target",
           "occupancy", "slot_occupancy", "one_touch_ratio", "csat", "response_ratio",
           "fcr_ratio", "repeat_ratio", "resolution_ratio", "self_service_ratio",
           "channel_share", "quality_score"}


def as_table(report: Report) -> str:
    if not any((report.rows, report.chats, report.agents, report.tickets, report.surveys,
                report.outcomes, report.quality)):
        return f"no contacts (rejected: {report.rejected})"
    lines: list[str] = []
    for title, rows in (("contacts", report.rows), ("chats", report.chats),
                        ("agents", report.agents), ("tickets", report.tickets),
                        ("surveys", report.surveys), ("outcomes", report.outcomes),
                        ("quality", report.quality)):
        if rows:
            lines += [*([""] if lines else []), title, *_table(rows)]
    lines.append(f"rejected: {report.rejected}"
                 + (f" {report.rejected_by_reason}" if report.rejected else ""))
    if report.source:
        lines.append(", ".join(f"{k}: {v}" for k, v in report.source.items()))
    return "\n".join(lines)


def _table(rows: list[dict[str, Any]]) -> list[str]:
    columns = [c for c in rows[0] if c in HEADERS]
    cells = [[HEADERS[c] for c in columns]]
    for row in rows:
        cells.append([_cell(row[c], c) for c in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    left = [c in ("day", "queue", "channel", "priority") for c in columns]
    lines = ["  ".join(v.ljust(w) if is_left else v.rjust(w)
                       for v, w, is_left in zip(r, widths, left, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _cell(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column in PERCENT:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
