from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.stream.codec import MAX_PACK_EVENTS, Pack, decode, decode_record
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


# -- packs: one record holding a list of events -------------------------------------------
def test_a_pack_decodes_each_of_its_events_and_refuses_each_bad_one_alone() -> None:
    good, bad = orjson.loads(raw()), orjson.loads(raw(queue=None))
    pack = decode_record(orjson.dumps([good, bad, {**good, "event_id": "e2"}]), REGISTRY,
                         NOW, 0)
    assert isinstance(pack, Pack)
    assert pack.docs == [good, bad, {**good, "event_id": "e2"}]
    first, refused, last = pack.outcomes
    assert isinstance(first, ContactEvent) and isinstance(last, ContactEvent)
    assert (first.event_id, last.event_id) == ("e1", "e2")
    assert isinstance(refused, Rejected) and refused.reason == "missing_field"
    assert pack.ts_ms == NOW


def test_a_pack_of_refused_events_has_no_time() -> None:
    pack = decode_record(b'[1, {"type": "nothing"}]', REGISTRY, NOW, 0)
    assert isinstance(pack, Pack)
    assert [o.reason for o in pack.outcomes if isinstance(o, Rejected)] == \
        ["not_an_object", "unknown_type"]
    assert pack.ts_ms is None


@pytest.mark.parametrize("size", [0, MAX_PACK_EVENTS + 1])
def test_an_empty_or_too_long_pack_is_refused_whole(size: int) -> None:
    with pytest.raises(Rejected) as refused:
        decode_record(orjson.dumps([1] * size), REGISTRY, NOW, 0)  # one dead letter, not many
    assert refused.value.reason == "bad_pack"


def test_a_single_event_decodes_as_before_and_a_list_is_not_an_event() -> None:
    assert isinstance(decode_record(raw(), REGISTRY, NOW, 0), ContactEvent)
    with pytest.raises(Rejected) as refused:
        decode(orjson.dumps([orjson.loads(raw())]), REGISTRY, NOW, 0)
    assert refused.value.reason == "not_an_object"


NAME = st.sampled_from(["sales", "a-7", "c-1", "x" * 200, "x" * 201, "", "new\nline", "del\x7f",
                        "c1\x85", "nbsp\xa0", "é", 'quote"', "back\\"]) | st.text(max_size=6)
HOT_TYPES = ("call.queued", "call.answered", "call.ended", "call.transferred", "chat.queued",
             "chat.message", "chat.transferred", "agent.assigned", "agent.released",
             "agent.state")
NAMED = ("event_id", "contact_id", "conversation_id", "queue", "to_queue", "agent_id",
         "customer_id", "message_id", "reason")


def outcome_of(decode: Any) -> tuple[str, Any]:
    try:
        event = decode()
    except Rejected as refused:
        return "rejected", refused.reason
    fields = {name for cls in type(event).__mro__ for name in getattr(cls, "__slots__", ())}
    return "ok", {name: getattr(event, name) for name in sorted(fields)}


@settings(max_examples=400)
@given(st.sampled_from(HOT_TYPES), st.dictionaries(st.sampled_from(NAMED), NAME),
       st.sampled_from(["voice", "chat", "pigeon"]),
       st.sampled_from(["available", "busy", "away"]))
def test_a_plain_record_decodes_as_one_whose_names_are_checked(
        type_: str, names: dict[str, str], channel: str, state: str) -> None:
    doc = {"event_id": "e-1", "type": type_, "ts": NOW, "contact_id": "c-1",
           "conversation_id": "k-1", "queue": "sales", "to_queue": "vip", "agent_id": "a-1",
           "channel": channel, "author": "customer", "state": state, **names}
    payload = orjson.dumps(doc)
    fast = outcome_of(lambda: decode(payload, REGISTRY, NOW, 0))
    checked = outcome_of(lambda: REGISTRY.decode(orjson.loads(payload), NOW, 0, plain=False))
    assert fast == checked
