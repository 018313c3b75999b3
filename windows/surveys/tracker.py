"""Surveys from sent to answered and followed up; each answer is credited when it comes,
to the queue, channel and agent of the contact it is about (the README's "Surveys")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.domain import Context, RecordKey
from ccpulse.windows.families import canonical
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.surveys import family as f
from ccpulse.windows.surveys.event import ANSWERED, CES, CSAT, LOWEST, NPS, SENT, SurveyEvent

KEPT_EVENT_IDS: Final = 8
WAS_SENT, WAS_ANSWERED, COMMENTED, FOLLOWED = 1, 2, 4, 8  # flags


class Survey:
    __slots__ = ("agent", "channel", "event_ids", "flags", "kind", "queue", "stored",
                 "touched_ms")

    def __init__(self, queue: str, channel: str, kind: str, agent: str, touched_ms: int,
                 flags: int = 0, event_ids: list[str] | None = None) -> None:
        self.queue = queue
        self.channel = channel
        self.kind = kind
        self.agent = agent
        self.flags = flags
        self.touched_ms = touched_ms
        self.event_ids = event_ids if event_ids is not None else []
        self.stored = False

    def to_list(self) -> list[Any]:
        return [self.queue, self.channel, self.kind, self.agent, self.flags, self.touched_ms,
                self.event_ids]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Survey:
        queue, channel, kind, agent, flags, touched_ms, ids = raw
        return cls(str(queue), str(channel), str(kind), str(agent), int(touched_ms),
                   int(flags), [str(i) for i in ids])


class SurveyTracker:
    def __init__(self, ctx: Context, retention_ms: int, max_surveys: int,
                 per_agent: bool) -> None:
        self.ctx = ctx
        self.retention_ms = retention_ms
        self.max_surveys = max_surveys
        self.per_agent = per_agent
        self.surveys: dict[str, Survey] = {}  # in the order last touched
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()

    def apply(self, event: SurveyEvent) -> str:
        if event.kind == ANSWERED and not LOWEST[event.survey_kind] <= event.score <= event.scale:
            return "score_out_of_range"
        sid = event.survey_id
        survey = self.surveys.get(sid)
        if survey is not None and event.event_id in survey.event_ids:
            return DUPLICATE
        if survey is None:
            if event.kind != SENT and event.kind != ANSWERED:
                return "not_answered"
            if len(self.surveys) >= self.max_surveys:
                return "entity_limit"
            queue = self.ctx.queues.queue(event.queue)
            if queue is None:
                return "queue_not_allowed"
            survey = Survey(queue, event.channel, event.survey_kind, event.agent_id or "",
                            event.ts_ms)
        if event.kind == SENT:
            if survey.flags & WAS_SENT:
                return "already_sent"
            survey.flags |= WAS_SENT
            self._credit(survey, event.ts_ms, f.SENT)
        elif event.kind == ANSWERED:
            if survey.flags & WAS_ANSWERED:
                return "already_answered"
            if event.agent_id:
                survey.agent = event.agent_id
            survey.flags |= WAS_ANSWERED | (COMMENTED if event.comment else 0)
            self._answer(survey, event)
        else:
            if not survey.flags & WAS_ANSWERED:
                return "not_answered"
            if survey.flags & COMMENTED and not survey.flags & FOLLOWED:
                survey.flags |= FOLLOWED
                self._credit(survey, event.ts_ms, f.FOLLOWED_UP)
        self._remember(sid, survey, event)
        return APPLIED

    def _answer(self, survey: Survey, event: SurveyEvent) -> None:
        score, scale = event.score, event.scale
        fields = [f.RESPONSES]
        if survey.kind == CSAT and score >= f.CSAT_SATISFIED.get(scale, scale):
            fields.append(f.SATISFIED)
        elif survey.kind == NPS:
            if score >= 9:
                fields.append(f.PROMOTERS)
            elif score <= 6:
                fields.append(f.DETRACTORS)
        elif survey.kind == CES and f.ces_agrees(score, scale):
            fields.append(f.AGREE)
        if event.comment:
            fields.append(f.COMMENTS)
        self._credit(survey, event.ts_ms, *fields, score=score)

    def _credit(self, survey: Survey, ts_ms: int, *fields: int, score: int = 0) -> None:
        series = [canonical((f.SURVEY.name, survey.queue, survey.channel, survey.kind))]
        if self.per_agent and survey.agent and self.ctx.agents is not None:
            agent = self.ctx.agents.queue(survey.agent)
            if agent is not None:
                series.append(canonical((f.SURVEY_AGENT.name, agent, survey.kind)))
        for key in series:
            values = self.ctx.windows.slot(key, ts_ms)
            for field in fields:
                values[field] += 1
            values[f.SCORE_SUM] += score

    def _remember(self, sid: str, survey: Survey, event: SurveyEvent) -> None:
        self.surveys.pop(sid, None)
        self.surveys[sid] = survey  # last touched: last in order
        survey.touched_ms = max(survey.touched_ms, event.ts_ms)
        survey.event_ids.append(event.event_id)
        if len(survey.event_ids) > KEPT_EVENT_IDS:
            del survey.event_ids[0]
        self.dirty.add(sid)

    def advance(self, now_ms: int) -> None:
        """Forget surveys untouched for the retention (an answer after it is counted as
        one with no survey sent; a follow-up after it is rejected)."""
        cutoff = now_ms - self.retention_ms
        gone = []
        for sid, survey in self.surveys.items():
            if survey.touched_ms >= cutoff:
                break
            gone.append(sid)
        for sid in gone:
            survey = self.surveys.pop(sid)
            self.dirty.discard(sid)
            if survey.stored:
                self.dropped.add(sid)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        name = f.SURVEY_RECORDS.name
        out: dict[RecordKey, list[Any] | None] = {(name, sid): None for sid in self.dropped}
        for sid in self.dirty:
            survey = self.surveys.get(sid)
            if survey is not None:
                survey.stored = True
                out[(name, sid)] = survey.to_list()
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        loaded = sorted(((sid, Survey.from_list(raw)) for sid, raw
                         in records.get(f.SURVEY_RECORDS.name, {}).items()),
                        key=lambda item: item[1].touched_ms)
        for sid, survey in loaded:
            survey.stored = True
            self.surveys[sid] = survey
