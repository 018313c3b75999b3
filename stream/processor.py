"""Folds batches of consumed records into partition state and saves them.

Independent of Faust: the agents hand it plain records. For each batch it
skips what the stored offset says was already applied, decodes, moves the
clock, applies the events, and returns what must go to the dead-letter topic;
``save`` then writes every touched partition in one atomic step per partition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from stream.events import Event, Rejected, decode
from windows.clock import Clock, WallClock
from windows.contacts import APPLIED, DUPLICATE
from windows.partition import EngineConfig, PartitionState
from windows.store import PartitionStore

log = logging.getLogger(__name__)


class RecordLike(Protocol):
    """What the processor reads of a consumed record (aiokafka's ConsumerRecord has it)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: RecordLike
    reason: str
    detail: str


def describe(reason: str, event: Event) -> str:
    return {
        "already_waiting": f"contact {event.contact_id} is already waiting in a queue",
        "not_waiting": f"contact {event.contact_id} is not waiting in queue {event.queue}",
        "ended_while_waiting": f"contact {event.contact_id} ended while still waiting",
    }.get(reason, f"{event.type} at {event.ts_ms} is earlier than contact "
                  f"{event.contact_id} was queued")


class Processor:
    def __init__(self, config: EngineConfig, store: PartitionStore, new_clock: Callable[[], Clock],
                 future_tolerance_ms: int = 300_000,
                 highwater: Callable[[str, int], int | None] | None = None) -> None:
        """``new_clock`` gives each partition its clock: every partition is its own time
        line on the event clock, so one partition racing ahead during catch-up does not
        age the others' windows and waiting contacts."""
        self.config = config
        self.store = store
        self.new_clock = new_clock
        self.clocks: dict[str, Clock] = {}
        self.future_tolerance_ms = future_tolerance_ms
        self.highwater = highwater
        self.states: dict[str, PartitionState] = {}
        self._wall = WallClock()
        self._saved_offsets: dict[str, int] = {}
        self._touched: set[str] = set()

    # -- ownership ---------------------------------------------------------------
    def state(self, partition_id: str) -> PartitionState:
        state = self.states.get(partition_id)
        if state is None:
            stored = self.store.load(partition_id)
            clock = self.clocks[partition_id] = self.new_clock()
            clock.observe(stored.now_ms)
            state = PartitionState(self.config, clock.now_ms(), stored)
            self.states[partition_id] = state
            self._saved_offsets[partition_id] = stored.offset
            self._touched.add(partition_id)
        return state

    def forget(self, partition_ids: Iterable[str]) -> None:
        for pid in partition_ids:
            self.states.pop(pid, None)
            self.clocks.pop(pid, None)
            self._saved_offsets.pop(pid, None)
            self._touched.discard(pid)

    # -- processing ----------------------------------------------------------------
    def fold(self, batch: Mapping[tuple[str, int], Sequence[RecordLike]]) -> list[DeadLetter]:
        """Fold records grouped by (topic, partition), each group in offset order."""
        dead: list[DeadLetter] = []
        wall_ms = self._wall.now_ms()
        tolerance_ms = self.future_tolerance_ms
        for (topic, partition), records in batch.items():
            pid = f"{topic}:{partition}"
            state = self.state(pid)
            observe = self.clocks[pid].observe
            applied_up_to = state.offset
            events: list[tuple[Event, RecordLike]] = []
            for record in records:
                if record.offset <= applied_up_to:
                    continue  # applied before a restart or rebalance
                state.offset = record.offset
                try:
                    event = decode(record.value, wall_ms, tolerance_ms)
                except Rejected as exc:
                    state.reject(exc.reason)
                    dead.append(DeadLetter(record, exc.reason, exc.detail))
                    continue
                observe(event.ts_ms)
                events.append((event, record))
            if state.offset == applied_up_to:
                continue
            self._touched.add(pid)
            state.advance(self.clocks[pid].now_ms())
            apply = state.apply
            newest_ms = 0
            for event, record in events:
                outcome = apply(event)
                if outcome != APPLIED and outcome != DUPLICATE:
                    dead.append(DeadLetter(record, outcome, describe(outcome, event)))
                if event.ts_ms > newest_ms:
                    newest_ms = event.ts_ms
            state.observe_newest(newest_ms)
            state.expire()
        return dead

    def tick(self, partition_ids: Iterable[str] = ()) -> None:
        """Move every owned partition to the current time (windows roll without events)."""
        for pid in partition_ids:
            self.state(pid)
        for pid, state in self.states.items():
            state.advance(self.clocks[pid].now_ms())
            state.expire()
            self._touched.add(pid)

    def save(self) -> list[str]:
        """Save every touched partition; returns those another worker has taken over
        (their state is dropped: reload it and consume again from its stored offset)."""
        fenced = []
        for pid in sorted(self._touched):
            state = self.states.get(pid)
            if state is None:
                continue
            changes = state.drain()
            if self.store.save(pid, self._saved_offsets[pid], changes, self._meta(pid)):
                self._saved_offsets[pid] = changes.offset
            else:
                log.warning("partition %s was taken over by another worker; dropping it", pid)
                self.forget([pid])
                fenced.append(pid)
        self._touched.clear()
        return fenced

    def _meta(self, pid: str) -> dict[str, int]:
        if self.highwater is None:
            return {}
        topic, _, partition = pid.rpartition(":")
        mark = self.highwater(topic, int(partition))
        return {} if mark is None else {"highwater": mark}
