"""The ``quality`` family (per queue and channel) and ``quality_agent`` (per agent):
reviews and their scores added up; the review records."""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

FIELDS: Final = ("reviews", "score_ppm")
REVIEWS: Final = 0
SCORE_PPM: Final = 1  # each review's score (0 to 1) in millionths, added up
PPM: Final = 1_000_000

WINDOWS: Final[tuple[str, ...]] = tuple(w.name for w in CONTACT_WINDOWS)
QUALITY: Final[FamilySpec] = FamilySpec("quality", 1, FIELDS, ("queue", "channel"), WINDOWS)
QUALITY_AGENT: Final[FamilySpec] = FamilySpec("quality_agent", 1, FIELDS, ("agent",), WINDOWS)
REVIEW_RECORDS: Final[RecordSpec] = RecordSpec("review", 1, ("credited_ms", "event_id"))
