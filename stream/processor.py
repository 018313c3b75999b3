"""Folds batches of consumed records into partition state and saves them.

Independent of Faust: the agents hand it plain records. For each batch it
skips what the partition state already holds, decodes, moves the clock, applies
the events, and returns what must go to the dead-letter topic; ``save`` then
publishes every touched partition in one atomic step per partition, and every
``checkpoint_s`` makes that publication a checkpoint.

A partition taken up (at start, after a rebalance or after losing Redis) starts
from its last checkpoint and folds the records after it again. Until it has
passed the offset already published it publishes nothing, so readers never see
it go back, and it sends no dead letters, which were sent the first time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from stream.events import Event, Rejected, decode
from windows.clock import Clock, WallClock
from windows.partition import EngineConfig, PartitionState
from windows.store import PartitionStore, Write

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
                 highwater: Callable[[str, int], int | None] | None = None,
                 checkpoint_s: float = 5.0) -> None:
        """``new_clock`` gives each partition its clock: every partition is its own time
        line on the event clock, so one partition racing ahead during catch-up does not
        age the others' windows and waiting contacts."""
        self.config = config
        self.store = store
        self.new_clock = new_clock
        self.clocks: dict[str, Clock] = {}
        self.future_tolerance_ms = future_tolerance_ms
        self.highwater = highwater
        self.checkpoint_s = checkpoint_s
        self.states: dict[str, PartitionState] = {}
        self._wall = WallClock()
        self._published: dict[str, int] = {}  # the offset each partition's view is at
        self._checkpointed_at: dict[str, float] = {}  # monotonic time of the last checkpoint
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
            self._published[partition_id] = stored.published_offset
            self._checkpointed_at[partition_id] = -float("inf")  # the first save is one
            self._touched.add(partition_id)
            if stored.published_offset > stored.offset:
                log.info("partition %s: folding offsets %d to %d again from its checkpoint",
                         partition_id, stored.offset + 1, stored.published_offset)
        return state

    def replaying(self, partition_id: str) -> bool:
        """Whether the partition is still folding records it had published before."""
        return self.states[partition_id].offset < self._published[partition_id]

    def forget(self, partition_ids: Iterable[str]) -> None:
        for pid in partition_ids:
            self.states.pop(pid, None)
            self.clocks.pop(pid, None)
            self._published.pop(pid, None)
            self._checkpointed_at.pop(pid, None)
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
            applied_up_to = state.offset
            sent_up_to = self._published[pid]  # dead letters up to here were sent before
            events: list[Event] = []
            sources: list[RecordLike] = []
            newest_ms = -1
            for record in records:
                if record.offset <= applied_up_to:
                    continue  # already in the state
                try:
                    event = decode(record.value, wall_ms, tolerance_ms)
                except Rejected as exc:
                    state.reject(exc.reason)
                    if record.offset > sent_up_to:
                        dead.append(DeadLetter(record, exc.reason, exc.detail))
                    continue
                if event.ts_ms > newest_ms:
                    newest_ms = event.ts_ms
                events.append(event)
                sources.append(record)
            if not records or records[-1].offset <= applied_up_to:
                continue
            state.offset = records[-1].offset
            self._touched.add(pid)
            state.observe_newest(newest_ms)
            clock = self.clocks[pid]
            clock.observe(newest_ms)
            state.advance(clock.now_ms())
            for i, reason in state.apply(events):
                if sources[i].offset > sent_up_to:
                    dead.append(DeadLetter(sources[i], reason, describe(reason, events[i])))
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
        """Publish every touched partition, with a checkpoint where one is due; returns
        the partitions another worker has taken over (their state is dropped: reload it
        and consume again from its checkpoint)."""
        fenced = self._save(sorted(self._touched), checkpoint=False)
        self._touched.clear()
        return fenced

    def checkpoint(self, partition_ids: Iterable[str]) -> list[str]:
        """Checkpoint these partitions now (before giving them up: their next owner then
        has nothing to fold again)."""
        return self._save([pid for pid in partition_ids if pid in self.states], checkpoint=True)

    def _save(self, partition_ids: Sequence[str], checkpoint: bool) -> list[str]:
        now = time.monotonic()
        writes = []
        for pid in partition_ids:
            if self.replaying(pid):
                continue
            state = self.states[pid]
            due = checkpoint or now - self._checkpointed_at[pid] >= self.checkpoint_s
            published = state.publish()
            writes.append(Write(pid, self._published[pid], published,
                                state.checkpoint() if due else None, self._meta(pid)))
        fenced = []
        for write, saved in zip(writes, self.store.save(writes) if writes else [], strict=True):
            pid = write.partition_id
            if not saved:
                log.warning("partition %s was taken over by another worker; dropping it", pid)
                self.forget([pid])
                fenced.append(pid)
                continue
            self._published[pid] = write.published.offset
            if write.checkpoint is not None:
                self._checkpointed_at[pid] = now
        return fenced

    def _meta(self, pid: str) -> dict[str, int]:
        if self.highwater is None:
            return {}
        topic, _, partition = pid.rpartition(":")
        mark = self.highwater(topic, int(partition))
        return {} if mark is None else {"highwater": mark}
