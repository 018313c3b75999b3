"""The producer helper decides topic and key once, for every source."""

from __future__ import annotations

import orjson

from ccpulse.sources.producer import route, routed
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.registry import build_registry

REGISTRY = build_registry(EngineConfig())


def test_contact_events_are_keyed_by_contact_and_agent_events_by_agent() -> None:
    call = routed(REGISTRY, {"event_id": "1", "type": "call.queued", "ts": 5,
                             "contact_id": "c-1", "queue": "q", "channel": "voice"})
    login = routed(REGISTRY, {"event_id": "2", "type": "agent.login", "ts": 6,
                              "agent_id": "a-9", "queue": "q", "channel": "voice"})
    assert (call.topic, call.key, call.ts_ms) == ("calls", b"c-1", 5)
    assert (login.topic, login.key, login.ts_ms) == ("agents", b"a-9", 6)


def test_what_cannot_be_routed_still_goes_somewhere_to_be_dead_lettered() -> None:
    for raw in (b"not json", b"[1]", orjson.dumps({"type": "call.teleported"}),
                orjson.dumps({"type": "call.queued", "ts": "yesterday"})):
        event = route(REGISTRY, raw)
        assert event.topic in REGISTRY.topics() and event.value == raw
        assert event.key is None
    late = route(REGISTRY, orjson.dumps({"type": "agent.logout", "agent_id": "a",
                                         "ts": "2024-01-01T00:00:00Z"}))
    assert late.ts_ms == 1_704_067_200_000 and late.key == b"a"
