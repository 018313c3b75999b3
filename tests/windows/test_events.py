"""What the events module decides about text: names, and records that cannot hold a
control character."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from ccpulse.windows.events import CONTROL, control_free, is_name

TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["plain", "new\nline", "tab\t", "del\x7f", "c1\x85", "nbsp\xa0", "é", "quote\"", "back\\"])
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | TEXT,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *strings(item)]]
    return []


@given(JSON)
def test_a_control_free_record_holds_no_control_character_in_any_string(value: Any) -> None:
    raw = orjson.dumps(value)
    if control_free(raw):
        assert not any(CONTROL.search(s) for s in strings(orjson.loads(raw)))
    if any(CONTROL.search(s) for s in strings(value)):
        assert not control_free(raw)


def test_escapes_del_and_c1_make_a_record_not_plain() -> None:
    assert control_free(b'{"queue":"sales","agent_id":"a-7"}')
    assert not control_free(b'{"queue":"sa\\u006ces"}')  # any escape, even of a letter
    assert not control_free(b'{"queue":"sales\x7f"}')
    assert not control_free('{"queue":"sales\x85"}'.encode())


@given(TEXT, st.booleans())
def test_a_plain_name_is_checked_for_type_and_length_only(value: str, plain: bool) -> None:
    expected = 0 < len(value) <= 200 and (plain or CONTROL.search(value) is None)
    assert is_name(value, plain=plain) == expected
    assert not is_name(7, plain=plain) and not is_name("", plain=plain)
