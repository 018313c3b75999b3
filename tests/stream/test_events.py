from __future__ import annotations

import orjson
import pytest

from stream.events import Rejected, decode, parse_ts_ms

NOW = 1_700_000_000_000


def raw(**fields: object) -> bytes:
    doc: dict[str, object] = {"event_id": "e1", "type": "call.queued", "ts": NOW,
                              "contact_id": "c1", "queue": "sales", "channel": "voice"}
    doc.update(fields)
    return orjson.dumps({k: v for k, v in doc.items() if v is not ...})


def test_a_valid_event_decodes() -> None:
    event = decode(raw(agent_id="a7"), NOW, 0)
    assert (event.kind, event.ts_ms, event.queue, event.agent_id) == ("queued", NOW, "sales", "a7")


@pytest.mark.parametrize(("ts", "expected"), [
    (NOW, NOW),
    ("2023-11-14T22:13:20Z", NOW),
    ("2023-11-14T23:13:20.000+01:00", NOW),
])
def test_accepted_timestamp_forms(ts: object, expected: int) -> None:
    assert parse_ts_ms(ts) == expected


def test_ended_sums_talk_hold_and_wrap() -> None:
    event = decode(raw(type="call.ended", talk_s=100, hold_s=20.5, wrap_s=30), NOW, 0)
    assert event.handle_ms == 150_500


def test_agent_events_need_an_agent_not_a_contact() -> None:
    event = decode(raw(type="agent.login", contact_id=..., agent_id="a1"), NOW, 0)
    assert (event.kind, event.agent_id) == ("agent_login", "a1")
    with pytest.raises(Rejected, match="agent_id is required"):
        decode(raw(type="agent.pause", contact_id=...), NOW, 0)


def test_transfer_needs_a_target_queue() -> None:
    assert decode(raw(type="call.transferred", to_queue="b"), NOW, 0).to_queue == "b"
    with pytest.raises(Rejected) as exc:
        decode(raw(type="call.transferred"), NOW, 0)
    assert (exc.value.reason, exc.value.detail) == ("missing_field", "to_queue is required")


@pytest.mark.parametrize(("payload", "reason", "detail"), [
    (b"{not json", "malformed_json", "unexpected character"),
    (b"[1, 2]", "not_an_object", "got array"),
    (raw(type="call.teleported"), "unknown_type", "call.teleported"),
    (raw(queue=...), "missing_field", "queue is required"),
    (raw(queue=7), "wrong_type", "queue must be a string, got integer"),
    (raw(ts="yesterday"), "bad_timestamp", "not ISO-8601"),
    (raw(ts="2023-11-14T22:13:20"), "bad_timestamp", "no UTC offset"),
    (raw(ts=True), "bad_timestamp", "boolean"),
    (raw(ts=-5), "bad_timestamp", "out of range"),
    (raw(ts=NOW + 3_600_000), "ts_in_future", "3600 s ahead"),
    (raw(channel="pigeon"), "unknown_channel", "pigeon"),
    (raw(type="call.ended", talk_s=-1), "negative_duration", "talk_s is -1"),
    (raw(type="call.ended", talk_s="long"), "wrong_type", "talk_s must be a number"),
    (raw(type="call.ended"), "missing_field", "talk_s is required"),
    (raw(agent_id=5), "wrong_type", "agent_id must be a string"),
])
def test_bad_input_is_rejected_with_an_exact_reason(payload: bytes, reason: str,
                                                    detail: str) -> None:
    with pytest.raises(Rejected) as exc:
        decode(payload, NOW, 60_000)
    assert exc.value.reason == reason
    assert detail in exc.value.detail


def test_schema_examples_decode_and_validate() -> None:
    import json
    from pathlib import Path

    import jsonschema

    schema = json.loads((Path(__file__).parents[2] / "stream" / "events.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    kinds = set()
    for example in schema["examples"]:
        validator.validate(example)
        kinds.add(decode(orjson.dumps(example), 2**62, 0).type)
    assert kinds == {"call.queued", "call.answered", "call.abandoned", "call.transferred",
                     "call.ended", "agent.login", "agent.pause"}
    assert list(validator.iter_errors({"type": "call.ended"}))  # the schema does refuse things


@pytest.mark.parametrize(("fields", "reason"), [
    ({"talk_s": ...}, "missing_field"),
    ({"talk_s": True}, "wrong_type"),
    ({"talk_s": "60"}, "wrong_type"),
    ({"talk_s": 60, "hold_s": -1}, "negative_duration"),
    ({"talk_s": 60, "wrap_s": 1e300}, "wrong_type"),
    ({"talk_s": 10**13}, "wrong_type"),
])
def test_bad_durations_on_ended_are_rejected(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected) as exc:
        decode(raw(type="call.ended", **fields), NOW, 0)
    assert exc.value.reason == reason


def test_integer_and_fractional_durations_are_summed_exactly() -> None:
    assert decode(raw(type="call.ended", talk_s=60, hold_s=0.5, wrap_s=0), NOW, 0).handle_ms \
        == 60_500
