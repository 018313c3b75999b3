"""KPIs of the ticket families; the formulas are written out in the README."""

from __future__ import annotations

from typing import NamedTuple

from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec
from ccpulse.windows.tickets import family as f


class TicketKpis(NamedTuple):
    created: int
    solved: int
    reopened: int
    finals: int
    first_replies: int
    next_replies: int
    reopen_ratio: float
    one_touch_ratio: float
    resolution_ratio: float
    first_reply_s: float
    first_reply_business_s: float
    next_reply_s: float
    next_reply_business_s: float
    first_resolution_s: float
    first_resolution_business_s: float
    resolution_s: float
    resolution_business_s: float
    requester_wait_s: float
    requester_wait_business_s: float
    agent_wait_s: float
    agent_wait_business_s: float
    on_hold_s: float
    on_hold_business_s: float


def compute(values: Vec) -> TicketKpis:
    """KPIs of one aggregate; a ratio or average over nothing is NaN."""
    first, following = values[f.FIRST_REPLIES], values[f.NEXT_REPLIES]
    solved, finals = values[f.SOLVED], values[f.FINALS]
    resolved = values[f.FIRST_RESOLUTIONS]

    def mean(field: int, count: int) -> float:
        return ratio(values[field] / 1000, count)

    return TicketKpis(
        values[f.CREATED], solved, values[f.REOPENED], finals, first, following,
        ratio(values[f.REOPENED], solved),
        ratio(values[f.ONE_TOUCH], finals),
        ratio(solved, values[f.CREATED]),
        mean(f.FIRST_REPLY_MS, first), mean(f.FIRST_REPLY_BMS, first),
        mean(f.NEXT_REPLY_MS, following), mean(f.NEXT_REPLY_BMS, following),
        mean(f.FIRST_RESOLUTION_MS, resolved), mean(f.FIRST_RESOLUTION_BMS, resolved),
        mean(f.FULL_RESOLUTION_MS, finals), mean(f.FULL_RESOLUTION_BMS, finals),
        mean(f.REQUESTER_WAIT_MS, solved), mean(f.REQUESTER_WAIT_BMS, solved),
        mean(f.AGENT_WAIT_MS, solved), mean(f.AGENT_WAIT_BMS, solved),
        mean(f.ON_HOLD_MS, solved), mean(f.ON_HOLD_BMS, solved),
    )


class SlaKpis(NamedTuple):
    met: int
    breached: int
    met_ratio: float


def sla_kpis(values: Vec) -> SlaKpis:
    met, breached = values[f.SLA_MET], values[f.SLA_BREACHED]
    return SlaKpis(met, breached, ratio(met, met + breached))
