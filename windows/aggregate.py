"""Additive per-(queue, channel) aggregates.

An aggregate is a plain list of integers indexed by the constants below, so that
adding two of them is a loop over a short list and storing one is a JSON array.
Durations are summed in milliseconds to keep the arithmetic exact.
"""

from __future__ import annotations

from typing import Final

OFFERED: Final = 0
ANSWERED: Final = 1
ABANDONED: Final = 2
TRANSFERRED: Final = 3
ANSWERED_WITHIN: Final = 4
ABANDONED_WITHIN: Final = 5
SHORT_ABANDONED: Final = 6
ANSWER_WAIT_MS: Final = 7
ABANDON_WAIT_MS: Final = 8
HANDLED: Final = 9
HANDLE_MS: Final = 10

FIELDS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "transferred",
    "answered_within",
    "abandoned_within",
    "short_abandoned",
    "answer_wait_ms",
    "abandon_wait_ms",
    "handled",
    "handle_ms",
)
SIZE: Final = len(FIELDS)

Agg = list[int]


def empty() -> Agg:
    return [0] * SIZE


def add_into(target: Agg, delta: Agg) -> None:
    for i, value in enumerate(delta):
        if value:
            target[i] += value


def subtract_into(target: Agg, delta: Agg) -> None:
    for i, value in enumerate(delta):
        if value:
            target[i] -= value


def is_empty(agg: Agg) -> bool:
    return not any(agg)
