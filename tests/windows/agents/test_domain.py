"""Decoding agent events: the inline paths (contacts taken and let go, state changes)
agree with the field-by-field checks on any document."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.windows.agents.domain import AgentEvent
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.events import Rejected
from ccpulse.windows.fields import check
from ccpulse.windows.registry import build_registry

REGISTRY = build_registry(EngineConfig())
NOW_MS = 1_795_000_000_000
VALUES = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(
    ["", "a-1", "voice", "chat", "carrier pigeon", "x" * 200, "x" * 201, "tab\there",
     "del\x7f", "é-ü", ["a"], {"a": 1}]))
FIELDS = ("agent_id", "contact_id", "queue", "channel")


def outcome(decode: Any) -> tuple[str, Any]:
    try:
        return "ok", decode()
    except Rejected as refused:
        return "rejected", refused.reason


def by_field_checks(doc: dict[str, Any]) -> Any:
    fields = REGISTRY.event_type(doc["type"]).fields  # type: ignore[union-attr]
    v = check(doc, fields)
    return (v["agent_id"], v["contact_id"], v["queue"], v["channel"])


def by_registry(doc: dict[str, Any]) -> Any:
    event = REGISTRY.decode(doc, NOW_MS, 0)
    assert isinstance(event, AgentEvent)
    return (event.agent_id, event.contact_id, event.queue, event.channel)


@settings(max_examples=500)
@given(st.sampled_from(["agent.assigned", "agent.released"]),
       st.dictionaries(st.sampled_from(FIELDS), VALUES), st.booleans())
def test_contact_events_decode_as_the_field_checks_say(
        type_: str, fields: dict[str, Any], complete: bool) -> None:
    base = {"agent_id": "a-1", "contact_id": "c-1", "queue": "sales", "channel": "chat"}
    doc = {"event_id": "e-1", "type": type_, "ts": NOW_MS - 1000,
           **(base if complete else {}), **fields}
    doc = {k: v for k, v in doc.items() if v is not None or k not in FIELDS}
    assert outcome(lambda: by_registry(doc)) == outcome(lambda: by_field_checks(doc))


STATE_FIELDS = ("agent_id", "state", "reason", "queues", "capacity")
STATE_VALUES = st.one_of(VALUES, st.sampled_from(
    ["available", "away", "offline", ["sales", "vip"], [""], ["q"] * 65, {"chat": 3},
     {"voice": 1, "chat": 2.0}, {"chat": 101}, {"chat": "3"}, {"pigeon": 1}]))


def state_by_field_checks(doc: dict[str, Any]) -> Any:
    v = check(doc, REGISTRY.event_type("agent.state").fields)  # type: ignore[union-attr]
    return (v["agent_id"], v["state"], v["reason"] or "", v["queues"], v["capacity"])


def state_by_registry(doc: dict[str, Any]) -> Any:
    event = REGISTRY.decode(doc, NOW_MS, 0)
    assert isinstance(event, AgentEvent)
    return (event.agent_id, event.state, event.reason, event.queues, event.capacity)


@settings(max_examples=500)
@given(st.dictionaries(st.sampled_from(STATE_FIELDS), STATE_VALUES), st.booleans())
def test_state_events_decode_as_the_field_checks_say(fields: dict[str, Any],
                                                     complete: bool) -> None:
    base = {"agent_id": "a-1", "state": "busy"}
    doc = {"event_id": "e-1", "type": "agent.state", "ts": NOW_MS - 1000,
           **(base if complete else {}), **fields}
    assert outcome(lambda: state_by_registry(doc)) == outcome(lambda: state_by_field_checks(doc))
