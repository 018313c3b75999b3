"""The metrics of tickets: times in both clocks, counts and ratios, the live backlog and
the SLA targets."""

from __future__ import annotations

from ccpulse.windows.metrics import COUNTER, GAUGE, HISTOGRAM, MetricSpec
from ccpulse.windows.tickets import family as f

QCP = ("queue", "channel", "priority")
QPT = ("queue", "priority", "target")
# the averages served once per clock: (metric, calendar KPI, business KPI, help, formula)
CLOCKED = (
    ("ccpulse_ticket_first_reply_seconds", "first_reply_s", "first_reply_business_s",
     "Mean first reply time of tickets first replied to in the window",
     "Σ (first public agent reply − clock start) / first replies"),
    ("ccpulse_ticket_next_reply_seconds", "next_reply_s", "next_reply_business_s",
     "Mean next reply time of the customer runs answered in the window",
     "Σ (agent reply − oldest unanswered customer reply) / next replies"),
    ("ccpulse_ticket_first_resolution_seconds", "first_resolution_s",
     "first_resolution_business_s", "Mean time to the first solve, of tickets first solved "
     "in the window", "Σ (first solve − created) / first solves"),
    ("ccpulse_ticket_resolution_seconds", "resolution_s", "resolution_business_s",
     "Mean full resolution time of tickets resolved for good in the window",
     "Σ (last solve − created) / final tickets"),
    ("ccpulse_ticket_requester_wait_seconds", "requester_wait_s", "requester_wait_business_s",
     "Mean requester wait (new, open, on hold) per solve", "Σ requester wait / solves"),
    ("ccpulse_ticket_agent_wait_seconds", "agent_wait_s", "agent_wait_business_s",
     "Mean agent wait (pending: the customer's turn) per solve", "Σ agent wait / solves"),
    ("ccpulse_ticket_on_hold_seconds", "on_hold_s", "on_hold_business_s",
     "Mean on-hold time per solve", "Σ on-hold time / solves"),
)


def ticket_metrics(days: int) -> tuple[MetricSpec, ...]:
    windows = tuple(w for w in f.ticket_windows(days) if w != "total")
    family = f.ticket_family(days).name
    qcpw = (*QCP, "window")

    def windowed(name: str, kpi: str, help_: str, unit: str, formula: str) -> MetricSpec:
        return MetricSpec(name, GAUGE, help_, qcpw, unit, formula, windows, family=family,
                          kpi=kpi)

    def counter(name: str, field: str, help_: str) -> MetricSpec:
        return MetricSpec(name, COUNTER, help_, QCP, "tickets", f"cumulative `{field}`",
                          family=family, field=field)

    clocked = tuple(MetricSpec(name, GAUGE, help_, (*qcpw, "clock"), "seconds",
                               f"{formula}; clock `calendar` or `business` (the queue's "
                               "calendar)", windows) for name, _, _, help_, formula in CLOCKED)
    sla_windows = (*QPT, "window")
    return (
        *clocked,
        windowed("ccpulse_ticket_reopen_ratio", "reopen_ratio",
                 "Reopens per solve in the window", "ratio", "reopens / solves"),
        windowed("ccpulse_ticket_one_touch_ratio", "one_touch_ratio",
                 "Share of tickets resolved for good with at most one public agent reply "
                 "and never reopened", "ratio", "one-touch / final tickets"),
        windowed("ccpulse_ticket_resolution_ratio", "resolution_ratio",
                 "Solves per ticket created in the window", "ratio", "solves / created"),
        windowed("ccpulse_window_tickets_created", "created", "Tickets created", "tickets",
                 "created"),
        windowed("ccpulse_window_tickets_solved", "solved", "Solves (a ticket solved again "
                 "after a reopen counts again)", "tickets", "solves"),
        windowed("ccpulse_window_tickets_reopened", "reopened", "Reopens", "tickets",
                 "reopens"),
        MetricSpec("ccpulse_window_tickets_by_category", GAUGE, "Tickets created per "
                   "category (beyond CCPULSE_MAX_CATEGORIES: other)",
                   ("queue", "category", "window"), "tickets", "created", windows),
        MetricSpec("ccpulse_ticket_sla_met_ratio", GAUGE, "Share of SLA targets met, of "
                   "those decided in the window", sla_windows, "ratio",
                   "met / (met + breached)", windows),
        MetricSpec("ccpulse_tickets_open", GAUGE, "Open tickets (new, open, pending, on "
                   "hold) by status, priority and age band, at the worker's clock; the age "
                   "in calendar time, or in the queue's business hours",
                   ("queue", "status", "priority", "age", "clock"), "tickets",
                   "tickets with the status whose age (now − created) is in the band"),
        MetricSpec("ccpulse_oldest_open_ticket_seconds", GAUGE, "Age of the queue's oldest "
                   "open ticket", ("queue",), "seconds", "now − earliest created of open "
                   "tickets"),
        MetricSpec("ccpulse_ticket_sla_at_risk", GAUGE, "Open tickets whose SLA target "
                   "falls due within the lead time", QPT, "tickets",
                   "running targets with due − lead ≤ now < due"),
        MetricSpec("ccpulse_ticket_sla_breached", GAUGE, "Open tickets past an SLA target "
                   "that still runs", QPT, "tickets", "running targets with now ≥ due"),
        MetricSpec("ccpulse_ticket_sla_target_seconds", GAUGE, "Each configured SLA target",
                   ("queue", "priority", "target", "clock"), "seconds", "configured"),
        counter("ccpulse_tickets_created_total", "created", "Tickets created"),
        counter("ccpulse_tickets_solved_total", "solved", "Solves"),
        counter("ccpulse_tickets_reopened_total", "reopened", "Reopens"),
        counter("ccpulse_tickets_final_total", "finals", "Tickets resolved for good "
                "(closed, or solved and not reopened within the reopen window)"),
        counter("ccpulse_tickets_one_touch_total", "one_touch", "Final tickets with at most "
                "one public agent reply, never reopened"),
        MetricSpec("ccpulse_ticket_sla_met_total", COUNTER, "SLA targets met", QPT, "targets",
                   "cumulative `met`", family=f.SLA_FAMILY, field="met"),
        MetricSpec("ccpulse_ticket_sla_breaches_total", COUNTER, "SLA targets breached "
                   "(counted at the due instant, events or not)", QPT, "targets",
                   "cumulative `breached`", family=f.SLA_FAMILY, field="breached"),
        MetricSpec("ccpulse_ticket_first_reply_time_seconds", HISTOGRAM, "First reply times; "
                   "SLA targets are bucket bounds", (*QCP, "clock"), "seconds",
                   "clock start → first public agent reply", histogram=f.FIRST_REPLY),
        MetricSpec("ccpulse_ticket_next_reply_time_seconds", HISTOGRAM, "Next reply times",
                   (*QCP, "clock"), "seconds", "oldest unanswered customer reply → agent "
                   "reply", histogram=f.NEXT_REPLY),
        MetricSpec("ccpulse_ticket_resolution_time_seconds", HISTOGRAM, "Full resolution "
                   "times, when each ticket is final", (*QCP, "clock"), "seconds",
                   "created → last solve", histogram=f.RESOLUTION),
    )
