"""Stored vectors are read by field name, and a version that cannot be read is refused."""

from __future__ import annotations

import pytest

from ccpulse.windows.families import FamilySpec, Unreadable, mapper, remap

SPEC = FamilySpec("contact", 3, ("offered", "answered", "handled"), ("queue",), ("total",),
                  readable_versions=frozenset({2}))


def test_the_same_layout_needs_no_mapping() -> None:
    assert mapper(SPEC.schema(), SPEC) is None


def test_an_older_readable_version_is_read_by_name_missing_fields_as_zero() -> None:
    positions = mapper({"v": 2, "fields": ["answered", "offered"]}, SPEC)
    assert remap([7, 9], positions) == [9, 7, 0]


def test_an_unknown_version_is_refused_with_what_would_be_read() -> None:
    with pytest.raises(Unreadable, match=r"contact version 4 .*reads \[2, 3\]"):
        mapper({"v": 4, "fields": list(SPEC.fields)}, SPEC)
