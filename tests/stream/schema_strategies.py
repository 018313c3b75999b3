"""Valid documents from a JSON Schema: a Hypothesis strategy for the part of draft-07 the
event schema uses (objects with ``properties``, ``required`` and ``oneOf`` branches,
``const``, ``enum``, ``anyOf``, strings with lengths, ``pattern``, ``format`` and
``not`` a pattern, arrays, bounded integers and numbers, booleans and null)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft7Validator

EXTRA_FIELDS = st.dictionaries(st.sampled_from(["note", "source", "x-trace", "priority"]),
                               st.one_of(st.none(), st.integers(), st.text(max_size=5),
                                         st.lists(st.booleans(), max_size=2)), max_size=2)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents valid under ``schema`` (checked, format included, before they are given)."""
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return _value(schema).filter(validator.is_valid)


def _value(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        return st.one_of([_value(branch) for branch in schema.get("anyOf", schema.get("oneOf"))]) \
            if schema.get("type") != "object" else _object(schema)
    kind = schema.get("type")
    if kind == "object":
        return _object(schema)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False,
                         allow_infinity=False) | st.integers(int(schema.get("minimum", 0)),
                                                             int(schema.get("maximum", 10**6)))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_value(schema["items"]), min_size=schema.get("minItems", 0),
                        max_size=schema.get("maxItems", 5))
    if kind == "null":
        return st.none()
    raise NotImplementedError(f"no strategy for {schema}")


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 50)
    if "pattern" in schema:
        strings = st.from_regex(schema["pattern"], fullmatch=True)
    else:
        strings = st.text(st.characters(exclude_categories=("Cs",)), min_size=low,
                          max_size=high)
    forbidden = schema.get("not", {}).get("pattern")
    if forbidden is not None:
        strings = strings.map(lambda s: re.sub(forbidden, "", s))
    return strings.filter(lambda s: low <= len(s) <= high)


@st.composite
def _object(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", ()))
    if "oneOf" in schema:
        branch = draw(st.sampled_from(schema["oneOf"]))
        properties.update(branch.get("properties", {}))
        required |= set(branch.get("required", ()))
    doc: dict[str, Any] = draw(EXTRA_FIELDS)
    for name, sub in properties.items():
        if name in required or draw(st.booleans()):
            doc[name] = draw(_value(sub))
    return doc
