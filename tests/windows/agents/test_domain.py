"""Decoding agent events: the inline path for contacts taken and let go agrees with the
field-by-field checks on any document."""

from __future__ import annotations

from typing import Any

from hypothesis import given
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


@given(st.sampled_from(["agent.assigned", "agent.released"]),
       st.dictionaries(st.sampled_from(FIELDS), VALUES), st.booleans())
def test_contact_events_decode_as_the_field_checks_say(
        type_: str, fields: dict[str, Any], complete: bool) -> None:
    base = {"agent_id": "a-1", "contact_id": "c-1", "queue": "sales", "channel": "chat"}
    doc = {"event_id": "e-1", "type": type_, "ts": NOW_MS - 1000,
           **(base if complete else {}), **fields}
    doc = {k: v for k, v in doc.items() if v is not None or k not in FIELDS}
    assert outcome(lambda: by_registry(doc)) == outcome(lambda: by_field_checks(doc))
