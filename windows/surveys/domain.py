"""The surveys domain: ``survey.*`` events, what customers say about their contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.domain import Context, EventType, TrackedState
from ccpulse.windows.events import Event
from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.fields import FieldSpec
from ccpulse.windows.histograms import HistogramSpec
from ccpulse.windows.surveys import family as f
from ccpulse.windows.surveys.event import (
    COMMON,
    SURVEY_TYPES,
    SURVEYS_TOPIC,
    decode_survey,
)
from ccpulse.windows.surveys.metrics import METRICS
from ccpulse.windows.surveys.tracker import SurveyTracker

REASONS = {
    "score_out_of_range": "a survey score outside its scale (CSAT and CES from 1, NPS 0 to 10)",
    "already_sent": "a second survey.sent for one survey",
    "already_answered": "a second answer to one survey (the first counts)",
    "not_answered": "a follow-up of a survey with no answer seen (or forgotten after "
                    "CCPULSE_SURVEY_RETENTION_DAYS)",
}


def _survey(kind: str, description: str, extra: tuple[FieldSpec, ...],
            example: dict[str, Any]) -> EventType:
    doc = {"event_id": f"e-survey-{kind}", "type": f"survey.{kind}", "ts": example["ts"],
           "survey_id": "s-310", "kind": "csat", "queue": "sales", "channel": "voice",
           "agent_id": "a-12", "contact_id": "c-1001", **example}
    return EventType(f"survey.{kind}", kind, SURVEYS_TOPIC, "survey_id", (*COMMON, *extra),
                     description, doc)


class SurveyDomain:
    name = "surveys"
    types = tuple(_survey(*spec) for spec in SURVEY_TYPES)
    families: tuple[FamilySpec, ...] = (f.SURVEY, f.SURVEY_AGENT)
    records: tuple[RecordSpec, ...] = (f.SURVEY_RECORDS,)
    histograms: tuple[HistogramSpec, ...] = ()
    metrics = METRICS
    reasons: Mapping[str, str] = REASONS

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def decode(self, doc: dict[str, Any], etype: EventType, event_id: str, ts_ms: int,
               plain: bool = False) -> Event:
        return decode_survey(doc, etype.type, etype.kind, etype.fields, event_id, ts_ms)

    def new_state(self, ctx: Context) -> TrackedState:
        config = self.config
        return TrackedState(SurveyTracker(ctx, config.survey_retention_ms,
                                          config.limits.max_contacts, config.per_agent))

