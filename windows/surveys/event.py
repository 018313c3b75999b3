"""Survey events: the event class, its decoder and the declared fields of every type."""

from __future__ import annotations

from typing import Any, Final

from ccpulse.windows.events import CHANNELS, Event
from ccpulse.windows.fields import BOOLEAN, CHOICE, INTEGER, FieldSpec, check, name_field

SURVEYS_TOPIC: Final = "surveys"
SENT: Final = "sent"
ANSWERED: Final = "answered"
FOLLOWED_UP: Final = "followed_up"
CSAT: Final = "csat"
NPS: Final = "nps"
CES: Final = "ces"
KINDS: Final = (CSAT, NPS, CES)
# the top of each kind's scale unless the event says; NPS is always 0-10
DEFAULT_SCALE: Final = {CSAT: 5, NPS: 10, CES: 7}
LOWEST: Final = {CSAT: 1, NPS: 0, CES: 1}

SURVEY_ID = name_field("survey_id", "The survey; its Kafka key, so that a survey's events "
                       "stay in order.")
KIND = FieldSpec("kind", CHOICE, True, "`csat`, `nps` or `ces`.", KINDS, reason="unknown_kind")
QUEUE = name_field("queue", "The queue of the contact the survey is about.")
CHANNEL = FieldSpec("channel", CHOICE, False, "Its channel (default `voice`).",
                    tuple(sorted(CHANNELS)), reason="unknown_channel")
AGENT_ID = name_field("agent_id", "The agent who served the contact.", required=False)
CONTACT_ID = name_field("contact_id", "The contact, conversation or ticket it is about.",
                        required=False)
SCORE = FieldSpec("score", INTEGER, True, "The answer: 1 to the scale's top (CSAT, CES), 0 "
                  "to 10 (NPS).", low=0, high=100)
SCALE = FieldSpec("scale", INTEGER, False, "The top of the scale: CSAT 5 (default), 7, 10 or "
                  "2; CES 7 (default) or 5; NPS always 10.", low=2, high=10)
COMMENT = FieldSpec("comment", BOOLEAN, False, "The customer wrote a comment (feedback the "
                    "team may follow up).")
COMMON: Final = (SURVEY_ID, KIND, QUEUE, CHANNEL, AGENT_ID, CONTACT_ID)


class SurveyEvent(Event):
    __slots__ = ("agent_id", "channel", "comment", "queue", "scale", "score", "survey_id",
                 "survey_kind")

    def __init__(self, event_id: str, type_: str, kind: str, ts_ms: int, survey_id: str,
                 survey_kind: str, queue: str, channel: str, agent_id: str | None,
                 score: int = 0, scale: int = 0, comment: bool = False) -> None:
        super().__init__(event_id, type_, kind, ts_ms, 0)
        self.survey_id = survey_id
        self.survey_kind = survey_kind
        self.queue = queue
        self.channel = channel
        self.agent_id = agent_id
        self.score = score
        self.scale = scale
        self.comment = comment


def decode_survey(doc: dict[str, Any], type_: str, kind: str, fields: tuple[FieldSpec, ...],
                  event_id: str, ts_ms: int) -> SurveyEvent:
    """A survey event, every declared field checked (raises ``Rejected`` naming the fault;
    a score outside its scale is the tracker's to refuse)."""
    values = check(doc, fields)
    survey_kind = values["kind"]
    scale = 0
    score = 0
    if kind == ANSWERED:
        scale = DEFAULT_SCALE[survey_kind] if survey_kind == NPS \
            else values.get("scale") or DEFAULT_SCALE[survey_kind]
        score = values["score"]
    return SurveyEvent(event_id, type_, kind, ts_ms, values["survey_id"], survey_kind,
                       values["queue"], values.get("channel") or "voice", values.get("agent_id"),
                       score, scale, bool(values.get("comment")))


SURVEY_TYPES: tuple[tuple[str, str, tuple[FieldSpec, ...], dict[str, Any]], ...] = (
    (SENT, "A survey is sent to the customer after a contact.", (),
     {"ts": "2026-11-22T09:15:00+01:00"}),
    (ANSWERED, "The customer answers.", (SCORE, SCALE, COMMENT),
     {"ts": "2026-11-22T09:20:00+01:00", "score": 4, "scale": 5, "comment": True}),
    (FOLLOWED_UP, "The team answered the customer's feedback.", (),
     {"ts": "2026-11-22T11:00:00+01:00"}),
)
