"""The ``survey`` family (per queue, channel and kind) and ``survey_agent`` (per agent and
kind): surveys sent, answers by class, comments and follow-ups; the survey records."""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

FIELDS: Final = ("sent", "responses", "satisfied", "promoters", "detractors", "score_sum",
                 "agree", "comments", "followed_up")
SENT: Final = 0
RESPONSES: Final = 1
SATISFIED: Final = 2  # CSAT answers in the top boxes of their scale
PROMOTERS: Final = 3  # NPS 9-10
DETRACTORS: Final = 4  # NPS 0-6
SCORE_SUM: Final = 5
AGREE: Final = 6  # CES answers on the agreeing side of their scale
COMMENTS: Final = 7
FOLLOWED_UP: Final = 8
assert FIELDS.index("followed_up") == FOLLOWED_UP

WINDOWS: Final[tuple[str, ...]] = tuple(w.name for w in CONTACT_WINDOWS)
SURVEY = FamilySpec("survey", 1, FIELDS, ("queue", "channel", "kind"), WINDOWS)
SURVEY_AGENT = FamilySpec("survey_agent", 1, FIELDS, ("agent", "kind"), WINDOWS)
SURVEY_RECORDS = RecordSpec("survey", 1, ("queue", "channel", "kind", "agent", "flags",
                                          "touched_ms", "event_ids"))

# CSAT: the lowest satisfied score of each scale (the top two boxes of 1-5 and 1-7, 8-10
# of 10, 2 of a yes/no scale)
CSAT_SATISFIED: Final = {2: 2, 3: 3, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7, 9: 8, 10: 8}


def ces_agrees(score: int, scale: int) -> bool:
    """CES on the agreeing side: 5-7 of 1-7, 4-5 of 1-5."""
    return score >= (scale - 2 if scale >= 7 else scale - 1)
