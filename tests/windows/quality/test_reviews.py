"""The internal quality score against the mean of the reviews' weighted scores, worked out
review by review: criteria left out, unknown criteria, scores over their maximum, second
reviews of one contact, repeated events and a restart at a random point."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.quality import family as f
from ccpulse.windows.quality.criteria import Criterion, review_score
from ccpulse.windows.quality.kpis import quality_score
from ccpulse.windows.registry import build_registry
from tests.windows.restart import add_totals, restart

T0 = 1_700_000_000_000
CRITERIA = {"greeting": Criterion(1, 5), "accuracy": Criterion(3, 10),
            "compliance": Criterion(2, 1)}
REGISTRY = build_registry(EngineConfig(quality_criteria=CRITERIA))


@st.composite
def reviews(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 10))):
        if docs and draw(st.integers(0, 7)) == 0:
            docs.append(dict(docs[-1]))
            continue
        names = draw(st.lists(st.sampled_from([*CRITERIA, "tone"]), unique=True, max_size=4))
        scores = {name: draw(st.sampled_from([0, 1, 2.5, 5, 7, 10])) for name in names}
        docs.append({"event_id": f"q{n}", "type": "qa.evaluated",
                     "ts": T0 + n * 60_000, "review_id": f"r{draw(st.integers(0, 6))}",
                     "queue": draw(st.sampled_from(["sales", "support"])), "channel": "chat",
                     "agent_id": draw(st.sampled_from(["ann", "bob"])), "scores": scores})
    return docs


def reference(docs: list[dict[str, Any]]) -> tuple[dict[tuple[str, ...], list[float]], int]:
    """The scores of the reviews that count, per queue and per agent; and the rejections."""
    out: dict[tuple[str, ...], list[float]] = {}
    seen: set[str] = set()
    reviewed: set[str] = set()
    rejected = 0
    for doc in docs:
        if doc["event_id"] in seen:
            continue
        scores = doc["scores"]
        if (doc["review_id"] in reviewed or not scores
                or any(name not in CRITERIA or score > CRITERIA[name].max_score
                       for name, score in scores.items())):
            rejected += 1
            continue
        earned = sum(CRITERIA[n].weight * s for n, s in scores.items())
        possible = sum(CRITERIA[n].weight * CRITERIA[n].max_score for n in scores)
        out.setdefault(("quality", doc["queue"], "chat"), []).append(earned / possible)
        out.setdefault(("quality_agent", doc["agent_id"]), []).append(earned / possible)
        reviewed.add(doc["review_id"])
        seen.add(doc["event_id"])
    return out, rejected


def fold(docs: list[dict[str, Any]], state: PartitionState) -> int:
    rejected = 0
    for doc in docs:
        event = REGISTRY.decode(doc, doc["ts"], 0)
        state.advance(doc["ts"])
        rejected += len(state.apply([event]))
        state.expire()
    return rejected


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(reviews(), st.floats(0, 1))
def test_quality_score_is_the_mean_weighted_review_score(docs: list[dict[str, Any]],
                                                         cut: float) -> None:
    state = PartitionState(REGISTRY, T0)
    split = round(cut * len(docs))
    rejected = fold(docs[:split], state)
    again, totals = restart(REGISTRY, state)
    rejected += fold(docs[split:], again)
    totals = add_totals(totals, again)
    expected, expected_rejected = reference(docs)
    assert rejected == expected_rejected
    assert {k for k, v in totals.items() if k[0].startswith("quality") and any(v)} == set(expected)
    for key, scores in expected.items():
        assert totals[key][f.REVIEWS] == len(scores)
        assert math.isclose(quality_score(totals[key])[0], sum(scores) / len(scores),
                            abs_tol=1e-6)


def test_without_criteria_any_counts_with_weight_one_out_of_five() -> None:
    assert review_score({"tone": 4, "pace": 3}, {}) == 0.7
    assert review_score({"tone": 6}, {}) is None
    assert review_score({"tone": 4}, {"pace": Criterion()}) is None
