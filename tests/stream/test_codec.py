from __future__ import annotations

import orjson
import pytest

from ccpulse.stream.codec import decode
from ccpulse.windows.agents.domain import AgentEvent
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.contacts.event import UNMEASURED, ContactEvent
from ccpulse.windows.events import Rejected, parse_ts_ms
from ccpulse.windows.registry import build_registry

NOW = 1_700_000_000_000
REGISTRY = build_registry(EngineConfig())


def raw(**fields: object) -> bytes:
    doc: dict[str, object] = {"event_id": "e1", "type": "call.queued", "ts": NOW,
                              "contact_id": "c1", "queue": "sales", "channel": "voice"}
    doc.update(fields)
    return orjson.dumps({k: v for k, v in doc.items() if v is not ...})


def contact(payload: bytes, tolerance_ms: int = 0) -> ContactEvent:
    event = decode(payload, REGISTRY, NOW, tolerance_ms)
    assert isinstance(event, ContactEvent)
    return event


def test_a_valid_event_decodes() -> None:
    event = contact(raw(agent_id="a7"))
    assert (event.kind, event.ts_ms, event.queue, event.agent_id) == ("queued", NOW, "sales", "a7")
    assert REGISTRY.domains[event.domain].name == "voice"


@pytest.mark.parametrize(("ts", "expected"), [
    (NOW, NOW),
    ("2023-11-14T22:13:20Z", NOW),
    ("2023-11-14T23:13:20.000+01:00", NOW),
])
def test_accepted_timestamp_forms(ts: object, expected: int) -> None:
    assert parse_ts_ms(ts) == expected


def test_ended_sums_talk_hold_and_wrap() -> None:
    assert contact(raw(type="call.ended", talk_s=100, hold_s=20.5, wrap_s=30)).handle_ms \
        == 150_500
    assert contact(raw(type="call.ended", talk_s=60, hold_s=0.5, wrap_s=0)).handle_ms == 60_500
    assert contact(raw(type="call.ended")).handle_ms == UNMEASURED
    assert contact(raw(type="call.ended", wrap_s=12)).handle_ms == 12_000


def test_agent_events_need_an_agent_not_a_contact() -> None:
    event = decode(raw(type="agent.login", contact_id=..., agent_id="a1"), REGISTRY, NOW, 0)
    assert isinstance(event, AgentEvent) and (event.kind, event.agent_id) == ("login", "a1")
    with pytest.raises(Rejected, match="agent_id is required"):
        decode(raw(type="agent.pause", contact_id=...), REGISTRY, NOW, 0)


def test_transfer_needs_a_target_queue() -> None:
    assert contact(raw(type="call.transferred", to_queue="b")).to_queue == "b"
    with pytest.raises(Rejected) as exc:
        decode(raw(type="call.transferred"), REGISTRY, NOW, 0)
    assert (exc.value.reason, exc.value.detail) == ("missing_field", "to_queue is required")


@pytest.mark.parametrize(("payload", "reason", "detail"), [
    (b"{not json", "malformed_json", "unexpected character"),
    (b"[1, 2]", "not_an_object", "got array"),
    (raw(type="call.teleported"), "unknown_type", "call.teleported"),
    (raw(queue=...), "missing_field", "queue is required"),
    (raw(queue=7), "wrong_type", "queue must be a string, got integer"),
    (raw(ts="yesterday"), "bad_timestamp", "not ISO-8601"),
    (raw(ts="2023-11-14T22:13:20"), "bad_timestamp", "no UTC offset"),
    (raw(ts="2023-11-14 22:13:20Z"), "bad_timestamp", "not ISO-8601"),
    (raw(ts="2023-02-30T22:13:20Z"), "bad_timestamp", "not a real time"),
    (raw(ts=True), "bad_timestamp", "boolean"),
    (raw(ts=-5), "bad_timestamp", "out of range"),
    (raw(ts=2**53 - 1), "bad_timestamp", "out of range"),
    (raw(ts=NOW + 3_600_000), "ts_in_future", "3600 s ahead"),
    (raw(channel="pigeon"), "unknown_channel", "pigeon"),
    (raw(type="call.ended", talk_s=-1), "negative_duration", "talk_s is -1"),
    (raw(type="call.ended", talk_s="long"), "wrong_type", "talk_s must be a number"),
    (raw(agent_id=5), "wrong_type", "agent_id must be a string"),
    (raw(event_id=""), "wrong_type", "event_id must be 1 to 200"),
])
def test_bad_input_is_rejected_with_an_exact_reason(payload: bytes, reason: str,
                                                    detail: str) -> None:
    with pytest.raises(Rejected) as exc:
        decode(payload, REGISTRY, NOW, 60_000)
    assert exc.value.reason == reason
    assert detail in exc.value.detail


def test_an_oversized_record_is_refused_before_parsing() -> None:
    with pytest.raises(Rejected) as exc:
        decode(b"{" + b" " * 2000 + b"}", REGISTRY, NOW, 0, max_bytes=1024)
    assert exc.value.reason == "record_too_large"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"talk_s": True}, "wrong_type"),
    ({"talk_s": "60"}, "wrong_type"),
    ({"talk_s": 60, "hold_s": -1}, "negative_duration"),
    ({"talk_s": 60, "wrap_s": 1e300}, "wrong_type"),
    ({"talk_s": 10**13}, "wrong_type"),
])
def test_bad_durations_on_ended_are_rejected(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected) as exc:
        decode(raw(type="call.ended", **fields), REGISTRY, NOW, 0)
    assert exc.value.reason == reason
