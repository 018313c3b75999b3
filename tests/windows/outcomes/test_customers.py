"""First-contact resolution, repeat contacts, resolution and self-service against a
brute-force reading of each customer's contacts: matters, repeats inside and outside the
window, contacts without a matter, repeated events, a restart at a random point, and
events folded one by one or as one batch."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.events import Rejected
from ccpulse.windows.outcomes import family as f
from ccpulse.windows.outcomes.kpis import compute
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.registry import build_registry
from tests.windows.restart import add_totals, restart

T0 = 1_700_000_000_000
H = 3_600_000
REGISTRY = build_registry(EngineConfig(repeat_window_ms=H))
KINDS = ("resolved", "unresolved", "self_served")


@st.composite
def contacts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int]:
    docs: list[dict[str, Any]] = []
    ts = T0
    for n in range(draw(st.integers(1, 14))):
        ts += draw(st.sampled_from([0, 60_000, H // 2, H, H + 1, 2 * H, 5 * H]))
        if docs and draw(st.integers(0, 9)) == 0:
            docs.append(dict(docs[-1]))  # sent twice
            continue
        doc = {"event_id": f"o{n}", "type": f"contact.{draw(st.sampled_from(KINDS))}",
               "ts": ts, "customer_id": draw(st.sampled_from(["c1", "c2"])),
               "queue": draw(st.sampled_from(["sales", "support"])),
               "channel": draw(st.sampled_from(["voice", "chat"]))}
        matter = draw(st.sampled_from([None, "m1", "m2"]))
        if matter is not None:
            doc["matter"] = matter
        docs.append(doc)
    return docs, ts + draw(st.sampled_from([0, H // 2, H, H + 1, 3 * H]))


def reference(docs: list[dict[str, Any]], end_ms: int) -> dict[tuple[str, str], list[int]]:
    """Per (queue, channel), the family's fields counted from each contact and the next
    contact of its customer on its matter."""
    out: dict[tuple[str, str], list[int]] = {}
    unique = [d for i, d in enumerate(docs) if d["event_id"] not in
              {e["event_id"] for e in docs[:i]}]

    def row(doc: dict[str, Any]) -> list[int]:
        return out.setdefault((doc["queue"], doc["channel"]), [0] * len(f.FIELDS))

    for doc in unique:
        same = [d for d in unique if d["customer_id"] == doc["customer_id"]
                and d.get("matter") == doc.get("matter")]
        at = same.index(doc)
        previous = same[at - 1] if at else None
        following = same[at + 1] if at + 1 < len(same) else None
        kind = doc["type"].split(".")[1]
        counts = row(doc)
        counts[f.CONTACTS] += 1
        counts[f.AGENT_CONTACTS] += kind != "self_served"
        counts[f.RESOLVED] += kind != "unresolved"
        counts[f.SELF_SERVED] += kind == "self_served"
        if previous is not None and doc["ts"] - previous["ts"] <= H:
            counts[f.REPEATS] += 1
            continue
        counts[f.FIRST_CONTACTS] += 1
        repeated = following is not None and following["ts"] - doc["ts"] <= H
        if following is not None or doc["ts"] + H < end_ms:
            counts[f.DECIDED] += 1
            counts[f.FCR] += kind != "unresolved" and not repeated
    return out


def fold(docs: list[dict[str, Any]], state: PartitionState, one_by_one: bool) -> None:
    events = []
    for doc in docs:
        try:
            events.append(REGISTRY.decode(doc, doc["ts"], 0))
        except Rejected as exc:
            raise AssertionError(doc) from exc
    batches = [[e] for e in events] if one_by_one else [events] if events else []
    for batch in batches:
        state.advance(batch[-1].ts_ms)
        assert state.apply(batch) == []
        state.expire()


def totals_after(docs: list[dict[str, Any]], end_ms: int, cut: float,
                 one_by_one: bool) -> dict[tuple[str, ...], list[int]]:
    state = PartitionState(REGISTRY, T0)
    split = round(cut * len(docs))
    fold(docs[:split], state, one_by_one)
    again, totals = restart(REGISTRY, state)
    fold(docs[split:], again, one_by_one)
    again.advance(end_ms)
    again.expire()
    totals = add_totals(totals, again)
    return totals


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(contacts(), st.floats(0, 1), st.booleans())
def test_outcome_counts_are_the_customers_contacts(case: tuple[list[dict[str, Any]], int],
                                                   cut: float, one_by_one: bool) -> None:
    docs, end_ms = case
    totals = totals_after(docs, end_ms, cut, one_by_one)
    expected = reference(docs, end_ms)
    got = {key[1:]: values for key, values in totals.items() if key[0] == f.OUTCOME.name}
    assert {k: v for k, v in got.items() if any(v)} == expected


def test_the_ratios_follow_their_formulas() -> None:
    values = [0] * len(f.FIELDS)
    values[f.CONTACTS], values[f.AGENT_CONTACTS], values[f.SELF_SERVED] = 10, 8, 2
    values[f.RESOLVED], values[f.REPEATS] = 7, 3
    values[f.DECIDED], values[f.FCR] = 4, 3
    kpis = compute(values)
    assert kpis == (0.75, 0.3, 0.7, 0.2)
    assert all(math.isnan(v) for v in compute([0] * len(f.FIELDS)))
