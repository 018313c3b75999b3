"""The quality domain: ``qa.evaluated`` events, reviews of contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.domain import Context, EventType, TrackedState
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.quality import family as f
from ccpulse.windows.quality.event import (
    EVALUATED,
    FIELDS,
    QUALITY_TOPIC,
    decode_review,
)
from ccpulse.windows.quality.metrics import METRICS
from ccpulse.windows.quality.reviews import ReviewTracker

REASONS = {
    "no_scores": "a review with no criterion scored",
    "unknown_criterion": "a review scores a criterion not in [quality.criteria]",
    "review_score_out_of_range": "a criterion's score above its maximum",
    "already_reviewed": "a second review with one review_id (the first counts)",
}
EXAMPLE = {"event_id": "e-qa-1", "type": "qa.evaluated", "ts": "2026-11-22T14:00:00+01:00",
           "review_id": "r-88", "queue": "sales", "channel": "voice", "agent_id": "a-12",
           "contact_id": "c-1001", "evaluator": "sup-3",
           "scores": {"greeting": 5, "accuracy": 4, "empathy": 3}}


class QualityDomain:
    name = "quality"
    types = (EventType("qa.evaluated", EVALUATED, QUALITY_TOPIC, "review_id", FIELDS,
                       "A reviewer scored a contact against the quality criteria.", EXAMPLE),)
    families: tuple[FamilySpec, ...] = (f.QUALITY, f.QUALITY_AGENT)
    records: tuple[RecordSpec, ...] = (f.REVIEW_RECORDS,)
    histograms: tuple[HistogramSpec, ...] = ()
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_review(doc, etype.type, etype.kind, event_id, ts_ms)

    def new_state(self, ctx: Context) -> TrackedState:
        config = self.config
        return TrackedState(ReviewTracker(ctx, dict(config.quality_criteria),
                                          config.survey_retention_ms,
                                          config.limits.max_contacts, config.per_agent))

