"""Chat events: the event class, its decoder and the declared fields of every type."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.contacts.event import TRANSFERRED, UNMEASURED, ContactEvent
from ccpulse.windows.events import CHANNELS, is_name
from ccpulse.windows.fields import CHOICE, QUEUE, FieldSpec, check, name_field

HANDOFF: Final = "handoff"
MESSAGE: Final = "message"
REOPENED: Final = "reopened"
CUSTOMER: Final = "customer"
AGENT: Final = "agent"
BOT: Final = "bot"
PUBLIC: Final = "public"
INTERNAL: Final = "internal"
CHATS_TOPIC: Final = "chats"

CONVERSATION_ID = name_field("conversation_id", "The conversation; its Kafka key, so that "
                             "all of one conversation's events stay in order.")
CHAT_FIELDS = (
    CONVERSATION_ID,
    QUEUE.described("The queue (on chat.transferred: the queue being left; on a message: "
                    "used only for a conversation not seen before)."),
    FieldSpec("channel", CHOICE, False, "The channel (default `chat`).",
              tuple(sorted(CHANNELS)), reason="unknown_channel"),
    name_field("agent_id", "The agent who joins (chat.answered) or writes (an agent "
               "message).", required=False),
    name_field("customer_id", "The customer, for figures per customer.", required=False),
)
AUTHOR = FieldSpec("author", CHOICE, True, "Who wrote it: `customer`, `agent` or `bot`.",
                   (CUSTOMER, AGENT, BOT))
VISIBILITY = FieldSpec("visibility", CHOICE, False, "`public` (default) or `internal` (a "
                       "note between agents, never seen by the customer).", (PUBLIC, INTERNAL))
MESSAGE_ID = name_field("message_id", "The message, as the chat platform names it.",
                        required=False)
TO_QUEUE = name_field("to_queue", "The queue the conversation enters.")


class ChatEvent(ContactEvent):
    __slots__ = ("author", "public")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, contact_id: str,
                 queue: str, channel: str, agent_id: str | None, to_queue: str | None,
                 customer_id: str | None, author: str = "", public: bool = True) -> None:
        super().__init__(event_id, type_, kind, ts_ms, 0, contact_id, queue, channel, agent_id,
                         to_queue, UNMEASURED, customer_id)
        self.author = author
        self.public = public


def decode_chat(doc: dict[str, Any], type_: str, kind: str, fields: tuple[FieldSpec, ...],
                event_id: str, ts_ms: int, plain: bool = False) -> ChatEvent:
    """A chat event, every declared field checked (raises ``Rejected`` naming the fault).
    The common case (plain names, known choices) is checked inline; any doubt falls back
    to the field-by-field checks, which name the exact fault. ``plain``: the record holds
    no control character, so names need no character check."""
    fast = _plain_chat(doc, type_, kind, event_id, ts_ms, plain)
    if fast is not None:
        return fast
    values = check(doc, fields)
    return ChatEvent(event_id, type_, kind, ts_ms, values["conversation_id"], values["queue"],
                     values["channel"] or "chat", values["agent_id"], values.get("to_queue"),
                     values["customer_id"], values.get("author") or "",
                     values.get("visibility") != INTERNAL)


def _plain_chat(doc: dict[str, Any], type_: str, kind: str, event_id: str,
                ts_ms: int, plain: bool) -> ChatEvent | None:
    conversation: Any = doc.get("conversation_id")
    queue: Any = doc.get("queue")
    channel: Any = doc.get("channel")
    agent: Any = doc.get("agent_id")
    customer: Any = doc.get("customer_id")
    if not (is_name(conversation, plain=plain) and is_name(queue, plain=plain)
            and (channel is None or (type(channel) is str and channel in CHANNELS))
            and (agent is None or is_name(agent, plain=plain))
            and (customer is None or is_name(customer, plain=plain))):
        return None
    to_queue: Any = None
    author: Any = ""
    public = True
    if kind == TRANSFERRED:
        to_queue = doc.get("to_queue")
        if not is_name(to_queue, plain=plain):
            return None
    elif kind == MESSAGE:
        author = doc.get("author")
        visibility: Any = doc.get("visibility")
        message_id: Any = doc.get("message_id")
        if not (type(author) is str and author in AUTHOR.choices
                and (visibility is None or (type(visibility) is str
                                            and visibility in VISIBILITY.choices))
                and (message_id is None or is_name(message_id, plain=plain))):
            return None
        public = visibility != INTERNAL
    return ChatEvent(event_id, type_, kind, ts_ms, conversation, queue, channel or "chat",
                     agent, to_queue, customer, author, public)
