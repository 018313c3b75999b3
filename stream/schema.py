"""The event format as a JSON Schema (draft-07) and as README tables, built from the
registry's declarations (``windows.fields``): ``ccpulse schema`` prints them, and
``stream/events.schema.json`` is its output, checked by the tests."""

from __future__ import annotations

from typing import Any

import orjson

from ccpulse.stream.codec import MAX_PACK_EVENTS
from ccpulse.windows.events import ISO_TS_PATTERN, MAX_TS_MS
from ccpulse.windows.fields import (
    CHOICE,
    COUNTS,
    INTEGER,
    NAME,
    NAMES,
    SECONDS,
    TEXT,
    FieldSpec,
    schema_of,
)
from ccpulse.windows.registry import Registry

EVENT_ID = FieldSpec("event_id", NAME, True, "Unique per event; an event whose id was already "
                     "applied to its contact (or agent, ticket...) is dropped as a duplicate.")
TS_DESCRIPTION = ("Event time: whole epoch milliseconds (0 to 9999-12-30), or ISO-8601 text "
                  "YYYY-MM-DDTHH:MM:SS[.ffffff] with Z or +HH:MM, years 1971 to 9998, a real "
                  "calendar time.")


def timestamp_schema() -> dict[str, Any]:
    return {
        "description": TS_DESCRIPTION,
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": MAX_TS_MS},
            # "not" a newline: some engines let "$" match before a final one
            {"type": "string", "pattern": ISO_TS_PATTERN, "format": "date-time",
             "not": {"pattern": "\\n"}},
        ],
    }


def event_schema(registry: Registry) -> dict[str, Any]:
    """One schema for every event: the envelope, then one branch per type."""
    branches = []
    for etype in registry.event_types():
        type_ = etype.type
        branch: dict[str, Any] = {
            "title": type_,
            "properties": {"type": {"const": type_},
                           **{spec.name: schema_of(spec) for spec in etype.fields}},
            "required": [spec.name for spec in etype.fields if spec.required],
        }
        if etype.description:
            branch["description"] = etype.description
        branches.append(branch)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "ccpulse event",
        "description": "One event, sent as one JSON object per Kafka message to the topic of "
                       "its type, keyed by its key field (or, in a pack, as one item of a JSON "
                       f"list of 1 to {MAX_PACK_EVENTS:,} events of one partition). Fields a "
                       "type does not declare are ignored; an optional field may be absent or "
                       "null.",
        "type": "object",
        "required": ["event_id", "type", "ts"],
        "properties": {
            "event_id": schema_of(EVENT_ID),
            "type": {"enum": [etype.type for etype in registry.event_types()]},
            "ts": timestamp_schema(),
        },
        "oneOf": branches,
        "examples": examples(registry),
    }


def examples(registry: Registry) -> list[dict[str, Any]]:
    return [dict(etype.example) for etype in registry.event_types() if etype.example]


def schema_json(registry: Registry) -> bytes:
    return orjson.dumps(event_schema(registry), option=orjson.OPT_INDENT_2) + b"\n"


# -- README tables ------------------------------------------------------------------------------
def markdown(registry: Registry) -> str:
    """The event types (topic, key, fields) and every field, as Markdown tables."""
    lines = ["| type | topic | key | meaning | fields (required in bold) |",
             "|---|---|---|---|---|"]
    for etype in registry.event_types():
        fields = ", ".join(f"**`{f.name}`**" if f.required else f"`{f.name}`"
                           for f in etype.fields)
        lines.append(f"| `{etype.type}` | `PREFIX.{etype.topic}` | `{etype.key}` | "
                     f"{etype.description} | {fields} |")
    lines += ["", "| field | value | meaning |", "|---|---|---|",
              f"| `event_id` | {_value(EVENT_ID)} | {EVENT_ID.description} |",
              "| `type` | one of the types above | which event it is |",
              f"| `ts` | whole epoch ms or ISO-8601 text | {TS_DESCRIPTION} |"]
    seen: dict[tuple[str, str], FieldSpec] = {}  # a field described per domain
    for etype in registry.event_types():
        for spec in etype.fields:
            seen.setdefault((spec.name, spec.description), spec)
    for (name, description), spec in seen.items():
        lines.append(f"| `{name}` | {_value(spec)} | {description} |")
    lines += ["", "One example of each type:", "", "```json"]
    lines += [orjson.dumps(doc).decode() for doc in examples(registry)]
    lines.append("```")
    return "\n".join(lines) + "\n"


def _value(spec: FieldSpec) -> str:
    if spec.kind == NAME:
        return f"text, 1-{spec.max_length} characters, no control characters"
    if spec.kind == CHOICE:
        return " ".join(f"`{choice}`" for choice in spec.choices)
    if spec.kind == SECONDS:
        return "seconds, a number >= 0"
    if spec.kind == INTEGER:
        return f"a whole number {spec.low:g} to {spec.high:g}"
    if spec.kind == TEXT:
        return f"text up to {spec.max_length} characters"
    if spec.kind == NAMES:
        return f"a list of up to {spec.max_length} names"
    if spec.kind == COUNTS:
        keys = ", ".join(f"`{key}`" for key in spec.choices)
        return f"an object of whole numbers {spec.low:g} to {spec.high:g} under {keys}"
    return "true or false"
