"""Reviews credited when they come, to the queue, channel and agent of the reviewed
contact; each review id counts once (the README's "Quality reviews")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccpulse.windows.domain import Context, RecordKey
from ccpulse.windows.families import canonical
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.quality import family as f
from ccpulse.windows.quality.criteria import Criterion, review_score
from ccpulse.windows.quality.event import ReviewEvent


class ReviewTracker:
    def __init__(self, ctx: Context, criteria: dict[str, Criterion], retention_ms: int,
                 max_reviews: int, per_agent: bool) -> None:
        self.ctx = ctx
        self.criteria = criteria
        self.retention_ms = retention_ms
        self.max_reviews = max_reviews
        self.per_agent = per_agent
        # review id: when it was credited and by which event, in that order
        self.reviews: dict[str, tuple[int, str]] = {}
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()

    def apply(self, event: ReviewEvent) -> str:
        rid = event.review_id
        seen = self.reviews.get(rid)
        if seen is not None:
            return DUPLICATE if seen[1] == event.event_id else "already_reviewed"
        if not event.scores:
            return "no_scores"
        score = review_score(event.scores, self.criteria)
        if score is None:
            return "unknown_criterion" if any(name not in self.criteria
                                              for name in event.scores) and self.criteria \
                else "review_score_out_of_range"
        if len(self.reviews) >= self.max_reviews:
            return "entity_limit"
        queue = self.ctx.queues.queue(event.queue)
        if queue is None:
            return "queue_not_allowed"
        series = [canonical((f.QUALITY.name, queue, event.channel))]
        if self.per_agent and self.ctx.agents is not None:
            agent = self.ctx.agents.queue(event.agent_id)
            if agent is not None:
                series.append(canonical((f.QUALITY_AGENT.name, agent)))
        ppm = round(score * f.PPM)
        for key in series:
            values = self.ctx.windows.slot(key, event.ts_ms)
            values[f.REVIEWS] += 1
            values[f.SCORE_PPM] += ppm
        self.reviews[rid] = (event.ts_ms, event.event_id)
        self.dirty.add(rid)
        return APPLIED

    def advance(self, now_ms: int) -> None:
        """Forget reviews credited longer ago than the retention (the same review id after
        it counts again)."""
        cutoff = now_ms - self.retention_ms
        gone = []
        for rid, (at_ms, _) in self.reviews.items():
            if at_ms >= cutoff:
                break
            gone.append(rid)
        for rid in gone:
            del self.reviews[rid]
            self.dirty.discard(rid)
            self.dropped.add(rid)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        name = f.REVIEW_RECORDS.name
        out: dict[RecordKey, list[Any] | None] = {(name, rid): None for rid in self.dropped}
        for rid in self.dirty:
            seen = self.reviews.get(rid)
            if seen is not None:
                out[(name, rid)] = list(seen)
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        loaded = sorted((int(raw[0]), str(raw[1]), rid) for rid, raw
                        in records.get(f.REVIEW_RECORDS.name, {}).items())
        for at_ms, event_id, rid in loaded:
            self.reviews[rid] = (at_ms, event_id)
