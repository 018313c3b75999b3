"""Figures per agent, credited by the contact domains: kept for the current interval and
today only, with no minute buckets behind them."""

from __future__ import annotations

from typing import Any

from ccpulse.windows.agents import family as f
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.registry import build_registry

REGISTRY = build_registry(EngineConfig())
T0 = 1_699_999_260_000  # 22:01 UTC: one interval and one day hold the whole call


def call(kind: str, at_s: int, **extra: Any) -> dict[str, Any]:
    return {"event_id": f"c1-{kind}", "type": f"call.{kind}", "ts": T0 + at_s * 1000,
            "contact_id": "c1", "queue": "sales", "channel": "voice", **extra}


def test_an_agents_handled_call_is_kept_for_the_interval_and_today_only() -> None:
    state = PartitionState(REGISTRY, T0)
    docs = [call("queued", 0), call("answered", 10, agent_id="ann"),
            call("ended", 130, agent_id="ann", talk_s=100)]
    for doc in docs:
        state.advance(doc["ts"])
        assert state.apply([REGISTRY.decode(doc, doc["ts"], 0)]) == []
    published = state.publish()
    checkpoint = state.checkpoint()

    per_agent = {window: values for (window, series), values in published.totals.items()
                 if series == (f.AGENT_WORK.name, "ann")}
    assert set(per_agent) == {"interval", "today"}
    for values in per_agent.values():
        assert values is not None
        assert values[f.HANDLED] == 1 and values[f.HANDLE_MS] == 100_000  # talk time
    contact_windows = {window for (window, series) in published.totals
                       if series[0] == "contact"}
    assert {"5m", "15m", "1h"} <= contact_windows  # the queue's own figures still slide
    assert not [key for key in checkpoint.buckets if key[1][0] == f.AGENT_WORK.name]
    assert [key for key in checkpoint.buckets if key[1][0] == "contact"]
