"""The fields of events, declared as data: one truth for the decoder, the JSON Schema
and the README.

Each event type lists its fields (see ``EventType.fields``); the envelope
(``event_id``, ``type``, ``ts``) is common to all. A field has a *kind*, which
fixes what a valid value is:

- ``name``: a string of 1 to 200 characters with no control characters (U+0000 to
  U+001F, U+007F to U+009F); ids, queues, agents;
- ``choice``: one of a fixed list of strings;
- ``seconds``: a number from 0 to 1e12 (a duration);
- ``integer``: a whole number within bounds (``5.0`` is the integer 5, as in JSON
  Schema);
- ``boolean``;
- ``text``: free text up to its length, control characters allowed (a comment);
- ``names``: a list of up to ``max_length`` names (the queues an agent serves);
- ``counts``: an object whose keys among ``choices`` hold whole numbers within bounds
  (capacity per channel); other keys are ignored, like undeclared fields;
- ``scores``: an object of up to ``max_length`` keys, each a name holding a number within
  bounds (a review's score per criterion).

An optional field may be absent or ``null``, which mean the same; a required one
may be neither. Fields an event type does not declare are ignored, whatever they
hold. Domains decode the common case inline for speed and fall back to
:func:`check`, which names the exact fault; the schema built from these
declarations (``ccpulse schema``) is tested against the decoders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from ccpulse.windows.events import (
    CHANNELS,
    MAX_DURATION_S,
    MAX_NAME_LENGTH,
    Rejected,
    is_name,
    type_name,
)

NAME: Final = "name"
CHOICE: Final = "choice"
SECONDS: Final = "seconds"
INTEGER: Final = "integer"
BOOLEAN: Final = "boolean"
TEXT: Final = "text"
NAMES: Final = "names"
COUNTS: Final = "counts"
SCORES: Final = "scores"
KINDS: Final = frozenset({NAME, CHOICE, SECONDS, INTEGER, BOOLEAN, TEXT, NAMES, COUNTS,
                         SCORES})
# a control character, as a JSON Schema regex (unanchored: "$" differs between engines)
CONTROL_PATTERN: Final = "[\\u0000-\\u001f\\u007f-\\u009f]"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    required: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()  # choice
    low: float = 0  # integer, seconds
    high: float = MAX_DURATION_S
    max_length: int = MAX_NAME_LENGTH  # name, text
    reason: str = "wrong_type"  # a choice outside the list (``unknown_channel``)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: unknown kind {self.kind!r}")
        if self.kind in (CHOICE, COUNTS) and not self.choices:
            raise ValueError(f"field {self.name}: a {self.kind} field needs its choices")

    def optional(self) -> FieldSpec:
        return FieldSpec(self.name, self.kind, False, self.description, self.choices, self.low,
                         self.high, self.max_length, self.reason)

    def described(self, description: str) -> FieldSpec:
        return FieldSpec(self.name, self.kind, self.required, description, self.choices,
                         self.low, self.high, self.max_length, self.reason)


def name_field(name: str, description: str = "", required: bool = True) -> FieldSpec:
    return FieldSpec(name, NAME, required, description)


def seconds_field(name: str, description: str = "", required: bool = False) -> FieldSpec:
    return FieldSpec(name, SECONDS, required, description)


CHANNEL: Final = FieldSpec("channel", CHOICE, True, "The channel of the contact.",
                           tuple(sorted(CHANNELS)), reason="unknown_channel")
QUEUE: Final = name_field("queue", "The queue.")


def read(doc: dict[str, Any], spec: FieldSpec) -> Any:
    """The field's value (None when an optional field is absent or null), or
    :class:`Rejected` naming exactly what is wrong with it."""
    value = doc.get(spec.name)
    name = spec.name
    if value is None:
        if spec.required:
            raise Rejected("missing_field", f"{name} is required")
        return None
    kind = spec.kind
    if kind == NAME:
        if is_name(value, spec.max_length):
            return value
        if not isinstance(value, str):
            raise Rejected("wrong_type", f"{name} must be a string, got {type_name(value)}")
        raise Rejected("wrong_type", f"{name} must be 1 to {spec.max_length} characters "
                       "without control characters")
    if kind == CHOICE:
        if type(value) is str and value in spec.choices:
            return value
        shown = value[:MAX_NAME_LENGTH] if isinstance(value, str) else type_name(value)
        raise Rejected(spec.reason, f"{name} {shown!r} is not one of {sorted(spec.choices)}")
    if kind == TEXT:
        if type(value) is str and len(value) <= spec.max_length:
            return value
        if not isinstance(value, str):
            raise Rejected("wrong_type", f"{name} must be a string, got {type_name(value)}")
        raise Rejected("wrong_type", f"{name} must be at most {spec.max_length} characters")
    if kind == BOOLEAN:
        if type(value) is bool:
            return value
        raise Rejected("wrong_type", f"{name} must be true or false, got {type_name(value)}")
    if kind == NAMES:
        if type(value) is not list:
            raise Rejected("wrong_type", f"{name} must be a list of names, got {type_name(value)}")
        if len(value) > spec.max_length:
            raise Rejected("out_of_range", f"{name} holds {len(value)} names, at most "
                           f"{spec.max_length}")
        if not all(is_name(item) for item in value):
            raise Rejected("wrong_type", f"{name} must hold names of 1 to {MAX_NAME_LENGTH} "
                           "characters without control characters")
        return value
    if kind == COUNTS:
        if type(value) is not dict:
            raise Rejected("wrong_type", f"{name} must be an object, got {type_name(value)}")
        counts = {}
        for key in spec.choices:
            count = value.get(key)
            if count is None:
                continue
            if type(count) is float and count.is_integer():
                count = int(count)
            if type(count) is not int:
                raise Rejected("wrong_type", f"{name}.{key} must be a whole number, got "
                               f"{type_name(count)}")
            if not spec.low <= count <= spec.high:
                raise Rejected("out_of_range", f"{name}.{key} {count} is not between "
                               f"{spec.low:g} and {spec.high:g}")
            counts[key] = count
        return counts
    if kind == SCORES:
        return _scores(name, value, spec)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected("wrong_type", f"{name} must be a number, got {type_name(value)}")
    if kind == INTEGER:
        if type(value) is float:
            if not value.is_integer():
                raise Rejected("wrong_type", f"{name} must be a whole number, got {value}")
            value = int(value)
        if not spec.low <= value <= spec.high:
            raise Rejected("out_of_range",
                           f"{name} {value} is not between {spec.low:g} and {spec.high:g}")
        return value
    # seconds
    if not math.isfinite(value) or value > spec.high:
        raise Rejected("wrong_type", f"{name} must be a finite number up to {spec.high:g}")
    if value < 0:
        raise Rejected("negative_duration", f"{name} is {value}")
    return value


def _scores(name: str, value: Any, spec: FieldSpec) -> dict[str, float]:
    if type(value) is not dict:
        raise Rejected("wrong_type", f"{name} must be an object, got {type_name(value)}")
    if len(value) > spec.max_length:
        raise Rejected("out_of_range", f"{name} holds {len(value)} keys, at most "
                       f"{spec.max_length}")
    for key, score in value.items():
        if not is_name(key):
            raise Rejected("wrong_type", f"{name} keys must be names of 1 to "
                           f"{MAX_NAME_LENGTH} characters without control characters")
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise Rejected("wrong_type", f"{name}.{key} must be a number, got "
                           f"{type_name(score)}")
        if not spec.low <= score <= spec.high:
            raise Rejected("out_of_range", f"{name}.{key} {score} is not between "
                           f"{spec.low:g} and {spec.high:g}")
    return value


def check(doc: dict[str, Any], fields: Sequence[FieldSpec]) -> dict[str, Any]:
    """Every declared field read (see :func:`read`), in declaration order."""
    return {spec.name: read(doc, spec) for spec in fields}


# -- the JSON Schema of a field -------------------------------------------------------------
def schema_of(spec: FieldSpec) -> dict[str, Any]:
    kind = spec.kind
    out: dict[str, Any]
    if kind == NAME:
        out = {"type": "string", "minLength": 1, "maxLength": spec.max_length,
               "not": {"pattern": CONTROL_PATTERN}}
    elif kind == CHOICE:
        out = {"enum": list(spec.choices)}
    elif kind == TEXT:
        out = {"type": "string", "maxLength": spec.max_length}
    elif kind == BOOLEAN:
        out = {"type": "boolean"}
    elif kind == NAMES:
        out = {"type": "array", "maxItems": spec.max_length,
               "items": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH,
                         "not": {"pattern": CONTROL_PATTERN}}}
    elif kind == COUNTS:
        whole = {"type": "integer", "minimum": _number(spec.low), "maximum": _number(spec.high)}
        out = {"type": "object", "properties": {key: {"anyOf": [whole, {"type": "null"}]}
                                                for key in spec.choices}}
    elif kind == SCORES:
        out = {"type": "object", "maxProperties": spec.max_length,
               "propertyNames": {"minLength": 1, "maxLength": MAX_NAME_LENGTH,
                                 "not": {"pattern": CONTROL_PATTERN}},
               "additionalProperties": {"type": "number", "minimum": _number(spec.low),
                                        "maximum": _number(spec.high)}}
    elif kind == INTEGER:
        out = {"type": "integer", "minimum": _number(spec.low), "maximum": _number(spec.high)}
    else:
        out = {"type": "number", "minimum": _number(spec.low), "maximum": _number(spec.high)}
    if not spec.required:
        out = {"anyOf": [out, {"type": "null"}]}
    if spec.description:
        out = {"description": spec.description, **out}
    return out


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
