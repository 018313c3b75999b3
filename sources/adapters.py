"""Adapters from other formats (call-centre datasets, PBX logs) to ccpulse events."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ccpulse.errors import CcpulseError

N = TypeVar("N", int, float)


class Unusable(CcpulseError):
    """A row or line that cannot become events, with the reason and what was wrong."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def non_negative(text: str, name: str, parse: Callable[[str], N]) -> N:
    """A duration field: it must parse, and must not be negative."""
    try:
        value = parse(text)
    except ValueError:
        raise Unusable("bad_field", f"{name} {text!r} is not a number") from None
    if value < 0:
        raise Unusable("negative_duration", f"{name} is {text}")
    return value
