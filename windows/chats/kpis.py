"""KPIs of the ``chat`` family; the formulas are written out in the README."""

from __future__ import annotations

from typing import NamedTuple

from ccpulse.windows.chats import family as f
from ccpulse.windows.contacts.kpis import ratio
from ccpulse.windows.families import Vec


class ChatKpis(NamedTuple):
    average_first_response_s: float
    average_response_s: float
    first_response_within_target: float
    response_within_target: float
    first_responses: int
    responses: int
    unresponded: int


def compute(values: Vec) -> ChatKpis:
    """KPIs of one aggregate; a ratio or average over nothing is NaN."""
    first, responses = values[f.FIRST_RESPONSES], values[f.RESPONSES]
    return ChatKpis(
        ratio(values[f.FIRST_RESPONSE_MS] / 1000, first),
        ratio(values[f.RESPONSE_MS] / 1000, responses),
        ratio(values[f.FIRST_RESPONSES_WITHIN], first),
        ratio(values[f.RESPONSES_WITHIN], responses),
        first,
        responses,
        values[f.UNRESPONDED],
    )
