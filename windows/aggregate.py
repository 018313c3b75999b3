"""Additive per-(queue, channel) aggregates.

An aggregate is a plain list of integers indexed by the constants below, so that
adding two of them is a loop over a short list and storing one is a JSON array.
Durations are summed in milliseconds to keep the arithmetic exact.
"""

from __future__ import annotations

OFFERED = 0
ANSWERED = 1
ABANDONED = 2
TRANSFERRED = 3
ANSWERED_WITHIN = 4
ABANDONED_WITHIN = 5
SHORT_ABANDONED = 6
ANSWER_WAIT_MS = 7
ABANDON_WAIT_MS = 8
HANDLED = 9
HANDLE_MS = 10

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
SIZE = len(FIELDS)

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
