"""Simulated outcomes and reviews are valid events, consistent with their contacts, and
give believable figures."""

from __future__ import annotations

import itertools

from ccpulse.sources.outcome_simulation import DEMO_CRITERIA
from ccpulse.sources.simulate import traffic
from ccpulse.sources.simulation import default_queues
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.outcomes import family as f
from ccpulse.windows.outcomes.kpis import compute
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.quality.criteria import Criterion
from ccpulse.windows.registry import build_registry

REGISTRY = build_registry(EngineConfig(
    repeat_window_ms=180_000,
    quality_criteria={name: Criterion(w, top) for name, (w, top) in DEMO_CRITERIA.items()}))


def test_simulated_outcomes_fold_without_a_rejection_into_believable_figures() -> None:
    state: PartitionState | None = None
    types: dict[str, int] = {}
    for _, doc in itertools.islice(traffic(default_queues(None, {}), 2.0, 1, 1_700_000_000,
                                           0.5, 0.2, 0.02, 0.0, True), 10_000):
        types[doc["type"]] = types.get(doc["type"], 0) + 1
        event = REGISTRY.decode(doc, doc["ts"], 0)
        if state is None:
            state = PartitionState(REGISTRY, doc["ts"])
        state.advance(doc["ts"])
        assert state.apply([event]) == [], doc
        state.expire()
    assert state is not None
    state.windows.fold()
    ends = types["call.ended"] + types["chat.ended"]
    agent_contacts = types["contact.resolved"] + types["contact.unresolved"]
    assert 0.9 * ends <= agent_contacts <= ends + types["ticket.status_changed"]
    assert 0.05 * ends <= types["qa.evaluated"] <= 0.15 * ends
    site = [0] * len(f.FIELDS)
    for key, values in state.windows.totals["total"].items():
        if key[0] == f.OUTCOME.name:
            site = [a + b for a, b in zip(site, values, strict=True)]
    kpis = compute(site)
    assert 0.6 < kpis.first_contact_resolution < 0.95
    assert 0.05 < kpis.repeat_contact < 0.3
    assert 0.1 < kpis.self_service < 0.4
