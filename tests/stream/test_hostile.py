"""At least 10,000 hostile records through the worker's decoder: none raises anything but
a rejection with a documented reason, and each is accepted exactly when it is a valid
event (JSON the worker reads and the published schema accepts)."""

from __future__ import annotations

import contextlib
import json
from collections import Counter

from ccpulse import wiring
from ccpulse.settings import Settings
from ccpulse.stream.codec import Pack, decode, decode_record
from ccpulse.windows.events import MAX_TS_MS, Rejected
from tests.hostile import (
    CATEGORIES,
    MAX_RECORD_BYTES,
    VALIDATOR,
    NotEventJson,
    hostile_cases,
    is_valid_event,
    strict_json,
)

REGISTRY = wiring.registry(Settings.model_construct())
CASES = 12_000


def test_ten_thousand_hostile_records_are_refused_for_a_reason_or_taken_if_valid() -> None:
    outcomes: Counter[tuple[str, str]] = Counter()
    disagreements = []
    for case in hostile_cases(seed=14, count=CASES):
        try:
            decode(case.value, REGISTRY, MAX_TS_MS, 0, MAX_RECORD_BYTES)
            outcome = "accepted"
        except Rejected as rejection:
            assert rejection.reason in REGISTRY.reasons, rejection.reason
            assert rejection.detail
            outcome = rejection.reason
        outcomes[(case.category, outcome)] += 1
        if (outcome == "accepted") != is_valid_event(case.value):
            disagreements.append((case.category, outcome, case.value[:300]))
    assert not disagreements, disagreements[:5]
    by_category = Counter(category for category, _ in outcomes.elements())
    assert sum(by_category.values()) == CASES
    assert all(by_category[c] >= CASES // len(CATEGORIES) for c in CATEGORIES)
    refused = {c for (c, outcome) in outcomes if outcome != "accepted"}
    accepted = {c for (c, outcome) in outcomes if outcome == "accepted"}
    # every hostile category was refused at least sometimes; the valid ones always taken
    assert set(CATEGORIES) - {"random_queue", "extra_fields"} <= refused
    assert {"random_queue", "extra_fields"} <= accepted - refused
    assert outcomes[("oversized", "record_too_large")] == by_category["oversized"]


def test_hostile_events_in_packs_are_each_refused_for_a_reason_or_taken_if_valid() -> None:
    """The same oracle for each event of a pack: the hostile records that are JSON (and not
    too deep to nest in a list, or too large for many in one record), 20 to a pack."""
    docs = []
    for case in hostile_cases(seed=15, count=3_000):
        if len(case.value) > 20_000 or (case.category == "deep" and len(case.value) > 1_000):
            continue
        with contextlib.suppress(NotEventJson):
            docs.append(strict_json(case.value))
    outcomes: Counter[str] = Counter()
    for start in range(0, len(docs), 20):
        part = docs[start:start + 20]
        pack = decode_record(json.dumps(part).encode(), REGISTRY, MAX_TS_MS, 0, MAX_RECORD_BYTES)
        assert isinstance(pack, Pack) and len(pack.outcomes) == len(part)
        for doc, outcome in zip(part, pack.outcomes, strict=True):
            if isinstance(outcome, Rejected):
                assert outcome.reason in REGISTRY.reasons and outcome.detail, outcome
            accepted = not isinstance(outcome, Rejected)
            assert accepted == (isinstance(doc, dict) and VALIDATOR.is_valid(doc)), doc
            outcomes["accepted" if accepted else "refused"] += 1
    assert outcomes["accepted"] > 300 and outcomes["refused"] > 300
