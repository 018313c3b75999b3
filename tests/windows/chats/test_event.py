"""Decoding chat events: the inline path for the common case agrees with the
field-by-field checks on any document, for every chat type."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ccpulse.windows.chats.domain import ChatDomain
from ccpulse.windows.chats.event import (
    AUTHOR,
    CHAT_FIELDS,
    MESSAGE_ID,
    TO_QUEUE,
    VISIBILITY,
    ChatEvent,
    decode_chat,
)
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.events import Rejected
from ccpulse.windows.fields import check

TYPES = ChatDomain(EngineConfig()).types
FIELDS = ("conversation_id", "queue", "channel", "agent_id", "customer_id", "to_queue",
          "author", "visibility", "message_id")
VALUES = st.one_of(st.none(), st.integers(-2, 2), st.booleans(), st.sampled_from(
    ["", "c-1", "chat", "voice", "pigeon", "customer", "agent", "bot", "public", "internal",
     "x" * 200, "x" * 201, "new\nline", "é-ü", ["a"], {"a": 1}]))


def test_the_inline_path_knows_every_chat_types_fields() -> None:
    extra = {"transferred": (TO_QUEUE,), "message": (AUTHOR, VISIBILITY, MESSAGE_ID)}
    for etype in TYPES:
        assert etype.fields == (*CHAT_FIELDS, *extra.get(etype.kind, ()))


def by_field_checks(doc: dict[str, Any], fields: Any) -> tuple[Any, ...]:
    v = check(doc, fields)
    return (v["conversation_id"], v["queue"], v["channel"] or "chat", v["agent_id"],
            v.get("to_queue"), v["customer_id"], v.get("author") or "",
            v.get("visibility") != "internal")


def decoded(event: ChatEvent) -> tuple[Any, ...]:
    return (event.contact_id, event.queue, event.channel, event.agent_id, event.to_queue,
            event.customer_id, event.author, event.public)


def outcome(decode: Any) -> tuple[str, Any]:
    try:
        return "ok", decode()
    except Rejected as refused:
        return "rejected", refused.reason


@settings(max_examples=500)
@given(st.sampled_from(TYPES), st.dictionaries(st.sampled_from(FIELDS), VALUES),
       st.booleans())
def test_chat_events_decode_as_the_field_checks_say(etype: Any, fields: dict[str, Any],
                                                    complete: bool) -> None:
    base = {"conversation_id": "c-1", "queue": "sales", "to_queue": "vip",
            "author": "customer"}
    doc = {**(base if complete else {}), **fields}
    inline = outcome(lambda: decoded(decode_chat(doc, etype.type, etype.kind, etype.fields,
                                                 "e-1", 0)))
    assert inline == outcome(lambda: by_field_checks(doc, etype.fields))
