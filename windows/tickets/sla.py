"""SLA targets of tickets, and the index that finds breaches and tickets at risk as time
passes, without walking the open tickets.

A target is a duration in calendar or business time per queue and priority:

- ``first_reply``: the first-reply clock's start -> the first public agent reply;
- ``next_reply``: the oldest unanswered customer reply -> the next public agent reply;
- ``requester_wait``: time in ``new``, ``open`` and ``on_hold`` (paused while
  ``pending``), over the ticket's whole life;
- ``resolution``: time until solved, paused while ``pending`` or ``on_hold``, over the
  ticket's whole life (a reopen carries on from what was used).

A running target is *due* when its budget is used up. It is *at risk* from ``lead_ms``
before that instant (calendar time) and *breached* once it has used more (reached exactly
at the due instant, it is met); a target reached in time is *met*. Each running target's
risk and breach instants sit in a heap; as time moves, the heap yields what changed, so
counting is O(changes), never O(tickets).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ccpulse.windows.business import NEVER_MS, BusinessCalendar

FIRST_REPLY: Final = "first_reply"
NEXT_REPLY: Final = "next_reply"
REQUESTER_WAIT: Final = "requester_wait"
RESOLUTION: Final = "resolution"
TARGETS: Final = (FIRST_REPLY, NEXT_REPLY, REQUESTER_WAIT, RESOLUTION)
ANY: Final = "*"  # a policy for every queue, or every priority

IDLE: Final = 0  # not running (never started, paused or done)
RUNNING: Final = 1
AT_RISK: Final = 2
BREACHED: Final = 3


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in ms (a target not set is absent), and the clock they run on."""

    targets: Mapping[str, int] = field(default_factory=dict)
    business: bool = True
    lead_ms: int = 30 * 60_000

    def __post_init__(self) -> None:
        unknown = set(self.targets) - set(TARGETS)
        if unknown:
            raise ValueError(f"unknown SLA target(s) {sorted(unknown)}; use {TARGETS}")
        if any(ms <= 0 for ms in self.targets.values()):
            raise ValueError("SLA targets must be > 0")


@dataclass(frozen=True)
class SlaBook:
    """Policies by (queue, priority); ``ANY`` stands for every queue or every priority.
    The most specific wins: (queue, priority), (queue, ANY), (ANY, priority), (ANY, ANY)."""

    policies: Mapping[tuple[str, str], SlaPolicy] = field(default_factory=dict)

    def for_ticket(self, queue: str, priority: str) -> SlaPolicy | None:
        for key in ((queue, priority), (queue, ANY), (ANY, priority), (ANY, ANY)):
            policy = self.policies.get(key)
            if policy is not None:
                return policy
        return None

    def targets_ms(self) -> set[int]:
        return {ms for policy in self.policies.values() for ms in policy.targets.values()}


class Target:
    """One SLA target of one ticket: the budget used so far, and since when it runs."""

    __slots__ = ("budget_ms", "generation", "scheduled", "since_ms", "stage", "used_ms")

    def __init__(self, budget_ms: int, used_ms: int = 0, since_ms: int = -1,
                 stage: int = IDLE) -> None:
        self.budget_ms = budget_ms
        self.used_ms = used_ms  # in the target's clock, before ``since_ms``
        self.since_ms = since_ms  # running since (-1: not running)
        self.stage = stage
        self.generation = 0  # heap entries of older generations are stale
        self.scheduled = False  # its instants are in the index

    def to_list(self) -> list[int]:
        return [self.budget_ms, self.used_ms, self.since_ms, self.stage]

    @classmethod
    def from_list(cls, raw: list[int]) -> Target:
        return cls(int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]))


def elapsed_ms(calendar: BusinessCalendar | None, start_ms: int, end_ms: int) -> int:
    """Time in [start, end): business time on ``calendar``, calendar time without one."""
    if calendar is None:
        return max(0, end_ms - start_ms)
    return calendar.business_ms(start_ms, end_ms)


def due_ms(target: Target, calendar: BusinessCalendar | None, beyond_ms: int = 0) -> int:
    """When the running ``target`` has used its budget (and ``beyond_ms`` more: 1 gives
    the instant it is breached, which on business hours may be the next opening)."""
    left = target.budget_ms - target.used_ms + beyond_ms
    if left <= 0:
        return target.since_ms
    if calendar is None:
        return target.since_ms + left
    return calendar.add_business_ms(target.since_ms, left)


class DueIndex:
    """Running targets by the instant their stage next changes (risk, then breach)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str, str, int]] = []  # (at, stage, tid, name, gen)

    def schedule(self, tid: str, name: str, target: Target,
                 calendar: BusinessCalendar | None, lead_ms: int) -> None:
        target.generation += 1
        target.scheduled = True
        if target.stage >= BREACHED:
            return
        due = due_ms(target, calendar)
        if due >= NEVER_MS:
            return
        if target.stage < AT_RISK:
            heapq.heappush(self._heap, (due - lead_ms, AT_RISK, tid, name, target.generation))
        # breached the instant more than the budget is used: at once if it already is,
        # else just after the due instant, or just after the calendar opens again
        if target.used_ms > target.budget_ms:
            breach = target.since_ms
        elif calendar is None or calendar.is_open(due):
            breach = due + 1
        else:
            breach = due_ms(target, calendar, 1)
        heapq.heappush(self._heap, (breach, BREACHED, tid, name, target.generation))

    def cancel(self, target: Target) -> None:
        target.generation += 1
        target.scheduled = False

    def due(self, now_ms: int) -> list[tuple[int, int, str, str, int]]:
        """Entries whose time has come (some may be stale: check the generation)."""
        out = []
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            out.append(heapq.heappop(heap))
        return out

    def __len__(self) -> int:
        return len(self._heap)
