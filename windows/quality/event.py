"""Quality review events: the event class, its decoder and the declared fields."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.events import CHANNELS, Event
from ccpulse.windows.fields import CHOICE, SCORES, FieldSpec, check, name_field

QUALITY_TOPIC: Final = "quality"
EVALUATED: Final = "evaluated"

FIELDS: Final[tuple[FieldSpec, ...]] = (
    name_field("review_id", "The review; its Kafka key."),
    name_field("queue", "The queue of the reviewed contact."),
    FieldSpec("channel", CHOICE, False, "Its channel (default `voice`).",
              tuple(sorted(CHANNELS)), reason="unknown_channel"),
    name_field("agent_id", "The agent whose work was reviewed."),
    name_field("contact_id", "The reviewed call, conversation or ticket.", required=False),
    name_field("evaluator", "Who reviewed it.", required=False),
    FieldSpec("scores", SCORES, True, "The score of each criterion reviewed, by criterion "
              "name; a criterion left out is not applicable and does not count.",
              low=0, high=1_000, max_length=50),
)


class ReviewEvent(Event):
    __slots__ = ("agent_id", "channel", "queue", "review_id", "scores")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, review_id: str,
                 queue: str, channel: str, agent_id: str, scores: dict[str, float]) -> None:
        super().__init__(event_id, type_, kind, ts_ms, 0)
        self.review_id = review_id
        self.queue = queue
        self.channel = channel
        self.agent_id = agent_id
        self.scores = scores


def decode_review(doc: dict[str, Any], type_: str, kind: str, event_id: str,
                  ts_ms: int) -> ReviewEvent:
    """A review event, every declared field checked (raises ``Rejected``; criteria and
    scores against the settings are the tracker's to judge)."""
    values = check(doc, FIELDS)
    return ReviewEvent(event_id, type_, kind, ts_ms, values["review_id"], values["queue"],
                       values.get("channel") or "voice", values["agent_id"], values["scores"])
