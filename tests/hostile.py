"""Hostile records, made reproducibly from a seed, and the oracle that says which of them
are valid events: JSON as the worker reads it, then the published JSON Schema.

Categories: truncated and bit-flipped JSON, wrong types, NaN and infinities, deep
nesting, huge strings, unicode, payloads over 1 MB, binary garbage, random queue
names (valid events: they test the label caps), and valid events around them."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft7Validator

SCHEMA = orjson.loads((Path(__file__).resolve().parents[1] / "stream" / "events.schema.json")
                      .read_bytes())
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
MAX_RECORD_BYTES = 1 << 20
MAX_DEPTH = 1024  # what the worker's JSON parser takes
T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z

CATEGORIES = ("truncated", "bit_flip", "wrong_type", "non_finite", "deep", "huge_string",
              "unicode", "oversized", "garbage", "random_queue", "missing", "extra_fields")


@dataclass(frozen=True)
class Case:
    category: str
    value: bytes
    key: bytes | None


def valid_event(rng: random.Random, n: int, queue: str = "hostile") -> dict[str, Any]:
    """A valid event of any type."""
    etype = rng.choice(["call.queued", "call.answered", "call.abandoned", "call.transferred",
                        "call.ended", "agent.login", "agent.pause"])
    doc: dict[str, Any] = {"event_id": f"h{n}", "type": etype, "ts": T0 + rng.randrange(10**7),
                           "queue": queue, "channel": rng.choice(["voice", "chat"])}
    if etype.startswith("call."):
        doc["contact_id"] = f"hc{rng.randrange(500)}"
    else:
        doc["agent_id"] = f"ha{rng.randrange(50)}"
    if etype == "call.transferred":
        doc["to_queue"] = "general"
    if etype == "call.ended" and rng.random() < 0.5:
        doc["talk_s"] = rng.randrange(600)
    return doc


def _unicode(rng: random.Random) -> str:
    pools = ["é", "ß", "日本", "🙂", "\u200b", "\u202e", "\u00a0", "\t", "\x00", "\x85", "\x7f",
             "\u0301", "\ufeff", "\U0010ffff", "ﷺ", " ", "\\", '"']
    return "".join(rng.choice(pools) for _ in range(rng.randrange(1, 12)))


def _hostile_value(rng: random.Random) -> Any:
    return rng.choice([None, True, False, 0, -1, 2**53 + 1, 2**70, 1.5, -0.0, 1e308, "", " ",
                       "x" * rng.randrange(190, 210), [], {}, [1, 2], {"a": 1}, "NaN",
                       "2026-11-23 08:00:00Z", "2026-11-23T08:00:00", 1795334400000.5,
                       _unicode(rng)])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def case(rng: random.Random, n: int, category: str) -> Case:
    doc = valid_event(rng, n)
    key = str(doc.get("contact_id") or doc.get("agent_id")).encode()
    raw = orjson.dumps(doc)
    value: bytes
    if category == "truncated":
        value = raw[:rng.randrange(len(raw))]
    elif category == "bit_flip":
        flipped = bytearray(raw)
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(flipped))
            flipped[i] ^= 1 << rng.randrange(8)
        value = bytes(flipped)
    elif category == "wrong_type":
        doc[rng.choice([*doc, "talk_s", "agent_id", "to_queue"])] = _hostile_value(rng)
        value = json.dumps(doc).encode()
    elif category == "non_finite":
        literal = rng.choice(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
        field = rng.choice(["ts", "talk_s", "hold_s", "note"])
        value = raw[:-1] + f',"{field}":{literal}}}'.encode()
    elif category == "deep":
        depth = rng.choice([10, 200, 900, 5000, 100_000])
        value = raw[:-1] + f',"note":{_nested(depth)}}}'.encode() if rng.random() < 0.7 \
            else _nested(depth).encode()
    elif category == "huge_string":
        size = rng.choice([201, 5_000, 100_000, 900_000])
        field = rng.choice(["queue", "event_id", "contact_id", "note"])
        doc[field] = "q" * size
        value = orjson.dumps(doc)
    elif category == "unicode":
        doc[rng.choice(["queue", "event_id", "agent_id", "exit_reason"])] = _unicode(rng)
        value = json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode()
    elif category == "oversized":
        doc["note"] = "z" * (MAX_RECORD_BYTES + rng.randrange(1, 1000))
        value = orjson.dumps(doc)
    elif category == "garbage":
        value = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    elif category == "random_queue":
        doc["queue"] = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz-_ 0123456789")
                               for _ in range(rng.randrange(1, 40))).strip() or "q"
        value = orjson.dumps(doc)
    elif category == "missing":
        doc.pop(rng.choice(list(doc)))
        value = orjson.dumps(doc)
    else:  # extra_fields: valid, with fields no type declares
        doc.update(note=_unicode(rng), nested={"a": [1, {"b": None}]}, n=rng.random())
        value = json.dumps(doc).encode()
    return Case(category, value, key if rng.random() < 0.9 else None)


def hostile_cases(seed: int, count: int) -> list[Case]:
    rng = random.Random(seed)
    return [case(rng, n, CATEGORIES[n % len(CATEGORIES)]) for n in range(count)]


# -- the oracle ---------------------------------------------------------------------------
class NotEventJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise NotEventJson(f"{name} is not JSON")


def strict_json(value: bytes) -> Any:
    """JSON as the worker takes it (RFC 8259 in UTF-8, no byte-order mark, numbers finite
    as doubles, no lone surrogates, nesting at most 1024 deep), or NotEventJson."""
    if value.startswith(b"\xef\xbb\xbf"):
        raise NotEventJson("a byte-order mark")
    try:
        text = value.decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise NotEventJson(str(exc)) from None
    _walk(doc, 1)
    return doc


def _walk(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise NotEventJson("nested too deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise NotEventJson("a number beyond double range")
    if isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise NotEventJson("a lone surrogate")
    children: Any = value.values() if isinstance(value, dict) else value \
        if isinstance(value, list) else ()
    for key in value if isinstance(value, dict) else ():
        _walk(key, depth)
    for child in children:
        _walk(child, depth + 1)


def is_valid_event(value: bytes, validate: Callable[[Any], bool] = VALIDATOR.is_valid) -> bool:
    """What the worker must accept: a record within the size limit, JSON it can read, an
    object the schema accepts."""
    if len(value) > MAX_RECORD_BYTES:
        return False
    try:
        doc = strict_json(value)
    except NotEventJson:
        return False
    return isinstance(doc, dict) and validate(doc)
