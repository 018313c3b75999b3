"""KPIs of the survey families; the formulas are written out in the README."""

from __future__ import annotations

from typing import NamedTuple

from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec
from ccpulse.windows.surveys import family as f


class SurveyKpis(NamedTuple):
    """From a queue and channel's three series (CSAT, NPS, CES) in one window."""

    csat: float
    nps: float
    ces: float
    ces_agree: float
    response_ratio: float
    follow_up_ratio: float


def compute(csat: Vec, nps: Vec, ces: Vec) -> SurveyKpis:
    """A ratio or average over nothing is NaN."""
    answers = nps[f.RESPONSES]
    sent = csat[f.SENT] + nps[f.SENT] + ces[f.SENT]
    responses = csat[f.RESPONSES] + nps[f.RESPONSES] + ces[f.RESPONSES]
    comments = csat[f.COMMENTS] + nps[f.COMMENTS] + ces[f.COMMENTS]
    followed = csat[f.FOLLOWED_UP] + nps[f.FOLLOWED_UP] + ces[f.FOLLOWED_UP]
    return SurveyKpis(
        ratio(csat[f.SATISFIED], csat[f.RESPONSES]),
        ratio(100 * (nps[f.PROMOTERS] - nps[f.DETRACTORS]), answers),
        ratio(ces[f.SCORE_SUM], ces[f.RESPONSES]),
        ratio(ces[f.AGREE], ces[f.RESPONSES]),
        ratio(responses, sent),
        ratio(followed, comments),
    )
