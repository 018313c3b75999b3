"""Survey KPIs against the KPI lists' definitions applied to the answers themselves, on
random surveys: repeats, second answers, follow-ups of uncommented answers, scores off the
scale, answers before their survey was sent."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.config import EngineConfig
from ccpulse.windows.events import Rejected
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.registry import build_registry
from ccpulse.windows.surveys import family as f
from ccpulse.windows.surveys.kpis import compute
from tests.windows.restart import add_totals, restart

T0 = 1_700_000_000_000
REGISTRY = build_registry(EngineConfig())
TOP_BOXES = {("csat", 5): {4, 5}, ("csat", 7): {6, 7}, ("csat", 10): {8, 9, 10},
             ("csat", 2): {2}, ("ces", 7): {5, 6, 7}, ("ces", 5): {4, 5}}
SCALES = {"csat": [5, 7, 10, 2], "nps": [10], "ces": [7, 5]}


@st.composite
def surveys(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for n in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["csat", "nps", "ces"]))
        base = {"survey_id": f"s{n}", "kind": kind,
                "queue": draw(st.sampled_from(["sales", "support"])),
                "channel": draw(st.sampled_from(["voice", "chat"])), "agent_id": "ann"}
        steps = draw(st.lists(st.sampled_from(["sent", "answered", "followed_up", "repeat"]),
                              max_size=5))
        for i, step in enumerate(steps):
            if step == "repeat" and docs:
                docs.append(dict(docs[-1]))
                continue
            doc = {**base, "event_id": f"s{n}-{i}", "type": f"survey.{step}"}
            if step == "answered":
                scale = draw(st.sampled_from(SCALES[kind]))
                doc.update(score=draw(st.integers(0, scale + 1)), scale=scale,
                           comment=draw(st.booleans()))
            elif step == "repeat":
                continue
            docs.append(doc)
    ts = T0
    for doc in docs:
        ts += draw(st.integers(0, 600_000))
        doc.setdefault("ts", ts)
    return docs


def reference(docs: list[dict[str, Any]]) -> tuple[dict[tuple[str, ...], list[Any]], int]:
    """Per (queue, channel): sent, answers (kind, score, scale), comments, follow-ups;
    and the number of rejected events."""
    out: dict[tuple[str, ...], list[Any]] = {}
    seen: set[str] = set()
    state: dict[str, dict[str, Any]] = {}
    rejected = 0
    for doc in docs:
        if doc["event_id"] in seen:
            continue
        sid = doc["survey_id"]
        low = 0 if doc["kind"] == "nps" else 1
        if doc["type"] == "survey.answered" and not low <= doc["score"] <= doc["scale"]:
            rejected += 1
            continue
        survey = state.get(sid)
        if survey is None:
            if doc["type"] == "survey.followed_up":
                rejected += 1
                continue
            survey = state[sid] = {"key": (doc["queue"], doc["channel"]), "sent": False,
                                   "answered": False, "comment": False, "followed": False}
        row = out.setdefault(survey["key"], [0, [], 0, 0])
        kind = doc["type"].split(".")[1]
        if kind == "sent":
            if survey["sent"]:
                rejected += 1
                continue
            survey["sent"] = True
            row[0] += 1
        elif kind == "answered":
            if survey["answered"]:
                rejected += 1
                continue
            survey["answered"] = True
            survey["comment"] = doc["comment"]
            row[1].append((doc["kind"], doc["score"], doc["scale"]))
            row[2] += doc["comment"]
        else:
            if not survey["answered"]:
                rejected += 1
                continue
            if survey["comment"] and not survey["followed"]:
                survey["followed"] = True
                row[3] += 1
        seen.add(doc["event_id"])
    return out, rejected


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b)


def fold(docs: list[dict[str, Any]], state: PartitionState) -> int:
    rejected = 0
    for doc in docs:
        try:
            event = REGISTRY.decode(doc, doc["ts"], 0)
        except Rejected:
            rejected += 1
            continue
        state.advance(doc["ts"])
        rejected += len(state.apply([event]))
        state.expire()
    return rejected


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(surveys(), st.floats(0, 1))
def test_survey_kpis_are_the_lists_definitions(docs: list[dict[str, Any]], cut: float) -> None:
    state = PartitionState(REGISTRY, T0)
    split = round(cut * len(docs))
    rejected = fold(docs[:split], state)
    again, totals = restart(REGISTRY, state)  # from the checkpoint
    rejected += fold(docs[split:], again)
    totals = add_totals(totals, again)
    expected, expected_rejected = reference(docs)
    assert rejected == expected_rejected
    empty = f.SURVEY.empty()
    for (queue, channel), (sent, answers, comments, followed) in expected.items():
        vecs = [totals.get((f.SURVEY.name, queue, channel, kind)) or empty
                for kind in ("csat", "nps", "ces")]
        kpis = compute(*vecs)
        by_kind = {k: [(s, scale) for kind, s, scale in answers if kind == k]
                   for k in ("csat", "nps", "ces")}
        csat, nps, ces = by_kind["csat"], by_kind["nps"], by_kind["ces"]
        nan = float("nan")
        assert same(kpis.csat, sum(s in TOP_BOXES[("csat", sc)] for s, sc in csat) / len(csat)
                    if csat else nan)
        assert same(kpis.nps, 100 * (sum(s >= 9 for s, _ in nps) - sum(s <= 6 for s, _ in nps))
                    / len(nps) if nps else nan)
        assert same(kpis.ces, sum(s for s, _ in ces) / len(ces) if ces else nan)
        assert same(kpis.ces_agree, sum(s in TOP_BOXES[("ces", sc)] for s, sc in ces)
                    / len(ces) if ces else nan)
        assert same(kpis.response_ratio, len(answers) / sent if sent else nan)
        assert same(kpis.follow_up_ratio, followed / comments if comments else nan)
