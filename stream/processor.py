"""Folds batches of consumed records into partition state and saves them.

Independent of Faust: the worker hands it plain records. For each batch it
skips what the partition state already holds, decodes, moves the clock, applies
the events, and returns what must go out: dead letters, and events derived for
other partitions; ``save`` then publishes every touched partition in one atomic
step per partition, and every ``checkpoint_s`` makes that publication a
checkpoint.

A partition taken up (at start, after a rebalance or after losing Redis) starts
from its last checkpoint and folds the records after it again. Until it has
passed the offset already published it publishes nothing, so readers never see
it go back, and it sends nothing, which was sent the first time.

A record may hold a pack of events (see :mod:`ccpulse.stream.codec`): its events
are applied in order, each refused or dead-lettered on its own (as a
:class:`PackEntry`, with its own bytes), and the record as a whole is what the
offsets and the event-time guard see.

A record that makes a domain raise (a bug, not bad input: bad input is a
rejection) is isolated: the partition is dropped and taken up again from its
checkpoint, and the refold skips that record (or that event of a pack), which
goes to the dead-letter topic as ``processing_error``. Processing is
deterministic, so no partial effect of the failed record survives.

On the event clock each partition's time is the newest event time it has folded,
and an :class:`~ccpulse.windows.clock.AheadGuard` holds a record further ahead of
it than the tolerance, with what follows, until later records confirm the new
time or show it to be an outlier (``ts_in_future``). Held records are not part of
the checkpoint: after a stop they are consumed again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from ccpulse.stream.codec import Pack, decode_record
from ccpulse.windows.clock import AheadGuard, Clock, WallClock
from ccpulse.windows.domain import Derived
from ccpulse.windows.events import Event, Rejected
from ccpulse.windows.partition import PartitionState
from ccpulse.windows.registry import Registry
from ccpulse.windows.store import PartitionStore, Write

log = logging.getLogger(__name__)


class RecordLike(Protocol):
    """What the processor reads of a consumed record (aiokafka's records have it, as
    fetched and as ``ConsumerRecord``); its topic and partition are its batch's."""

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
    value: bytes | None


class PackEntry:
    """One event of a pack, read as a record of its own (for its dead letter): the pack's
    offset and key, and the event's own bytes (the pack's, for an event nested too deep
    to write again)."""

    __slots__ = ("doc", "index", "record")

    def __init__(self, record: RecordLike, index: int, doc: Any) -> None:
        self.record = record
        self.index = index  # in the pack
        self.doc = doc

    @property
    def offset(self) -> int:
        return self.record.offset

    @property
    def key(self) -> bytes | None:
        return self.record.key

    @property
    def value(self) -> bytes | None:
        try:
            return orjson.dumps(self.doc)
        except orjson.JSONEncodeError:  # nested deeper than orjson writes: the whole pack
            return self.record.value


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    partition: int
    record: RecordLike
    reason: str
    detail: str


@dataclass
class Folded:
    """What one batch produced: records to dead-letter, events for other partitions, and
    partitions to consume again from their checkpoint (a record in them raised)."""

    dead: list[DeadLetter] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    resume: list[str] = field(default_factory=list)
    folded_up_to: dict[str, int] = field(default_factory=dict)  # last offset, per partition


@dataclass
class Pending:
    """A save prepared but not yet done: the writes, and their encoding for the store."""

    writes: list[Write]
    encoded: Any


Outcome = Event | Pack | Rejected  # of one record
Held = tuple[RecordLike, Outcome]  # a record, decoded or refused


class Taken:
    """A partition's records of one batch as the event-time guard lets them through:
    the events to apply with their records, and the dead letters of those refused."""

    def __init__(self, topic: str, partition: int, state: PartitionState,
                 sent_up_to: int) -> None:
        self.topic = topic
        self.partition = partition
        self.state = state
        self.sent_up_to = sent_up_to  # dead letters up to here went out before
        self.dead: list[DeadLetter] = []
        self.events: list[Event] = []
        self.sources: list[RecordLike] = []
        self.newest_ms = -1
        self.last = -1  # the newest offset let through or refused

    def take_all(self, record: RecordLike, offset: int, outcome: Outcome,
                 guard: AheadGuard[Held] | None = None) -> None:
        """A record's outcome; with ``guard``, the guard refused the record as an outlier
        (``ts_in_future``): a pack's events within its tolerance are still taken."""
        if not isinstance(outcome, Pack):
            if guard is not None and isinstance(outcome, Event):
                outcome = _outlier(outcome, guard.now_ms)
            self.take(record, offset, outcome)
            return
        for i, (doc, entry) in enumerate(zip(outcome.docs, outcome.outcomes, strict=True)):
            if (guard is not None and isinstance(entry, Event)
                    and entry.ts_ms > guard.now_ms + guard.tolerance_ms):
                entry = _outlier(entry, guard.now_ms)
            self.take(PackEntry(record, i, doc), offset, entry)

    def take(self, source: RecordLike, offset: int, outcome: Event | Rejected) -> None:
        self.last = offset
        if isinstance(outcome, Event):
            if outcome.ts_ms > self.newest_ms:
                self.newest_ms = outcome.ts_ms
            self.events.append(outcome)
            self.sources.append(source)
            return
        self.state.reject(outcome.reason)
        if offset > self.sent_up_to:
            self.dead.append(DeadLetter(self.topic, self.partition, source, outcome.reason,
                                        outcome.detail))


@dataclass(frozen=True)
class ProcessorConfig:
    future_tolerance_ms: int = 300_000  # how far ahead of the wall clock a record may be
    # on the event clock: how far ahead of a partition's time one record may be before
    # later records must confirm the jump, and how many (itself included) it takes
    jump_tolerance_ms: int = 3_600_000
    confirmations: int = 3
    checkpoint_s: float = 5.0
    max_record_bytes: int = 1 << 20


def _outlier(event: Event, now_ms: int) -> Rejected:
    ahead_s = (event.ts_ms - now_ms) / 1000
    return Rejected("ts_in_future", f"ts is {ahead_s:.0f} s ahead of the partition's event "
                    "time, and the records after it did not confirm the new time")


def describe(reason: str, event: Event) -> str:
    """The detail of a sequence rejection."""
    entity = getattr(event, "contact_id", None) or getattr(event, "agent_id", None) or "?"
    queue = getattr(event, "queue", "?")
    return {
        "not_queued": f"contact {entity} was never queued (or is forgotten)",
        "already_waiting": f"contact {entity} is already waiting in a queue",
        "not_waiting": f"contact {entity} is not waiting in queue {queue}",
        "ended_while_waiting": f"contact {entity} ended while still waiting",
        "entity_limit": f"the partition tracks as many as allowed; {entity} is not taken",
    }.get(reason, f"{event.type} {event.event_id} at {event.ts_ms}: {reason} ({entity})")


class Processor:
    def __init__(self, registry: Registry, store: PartitionStore,
                 new_clock: Callable[[], Clock], config: ProcessorConfig | None = None,
                 highwater: Callable[[str, int], int | None] | None = None) -> None:
        """``new_clock`` gives each partition its clock: every partition is its own time
        line on the event clock, so one partition racing ahead during catch-up does not
        age the others' windows and waiting contacts."""
        self.registry = registry
        self.store = store
        self.new_clock = new_clock
        self.config = config or ProcessorConfig()
        self.highwater = highwater
        self.clocks: dict[str, Clock] = {}
        self._guards: dict[str, AheadGuard[Held]] = {}  # on the event clock only
        self.states: dict[str, PartitionState] = {}
        self._wall = WallClock()
        self._published: dict[str, int] = {}  # the offset each partition's view is at
        self._checkpointed_at: dict[str, float] = {}  # monotonic time of the last checkpoint
        self._published_at: dict[str, float] = {}  # monotonic time of the last publication
        self._touched: set[str] = set()
        self._reset: set[str] = set()  # the next save replaces what is stored
        # offsets that raised, and why, by the index in their pack (-1: the whole record)
        self._poisoned: dict[str, dict[int, dict[int, str]]] = {}
        self._gap_retried: dict[str, int] = {}  # partition -> the offset it was sent back to
        self._sent: dict[str, int] = {}  # offsets whose dead letters went out (in this process)

    # -- ownership ---------------------------------------------------------------
    def state(self, partition_id: str) -> PartitionState:
        state = self.states.get(partition_id)
        if state is None:
            stored = self.store.load(partition_id)
            if stored.reset_reason:
                log.warning("partition %s: what is stored cannot be read (%s); folding the "
                            "partition again from its first offset, and replacing it",
                            partition_id, stored.reset_reason)
                self._reset.add(partition_id)
            clock = self.clocks[partition_id] = self.new_clock()
            clock.observe(stored.now_ms)
            if clock.follows_events:
                self._guards[partition_id] = AheadGuard(
                    self.config.jump_tolerance_ms, self.config.confirmations, clock.now_ms())
            state = PartitionState(self.registry, clock.now_ms(), stored)
            for note in state.notes:
                log.warning("partition %s: %s", partition_id, note)
            if stored.reset_reason:
                state.ctx.count("state_resets")
            self.states[partition_id] = state
            self._published[partition_id] = stored.published_offset
            self._checkpointed_at[partition_id] = -float("inf")  # the first save is one
            self._published_at[partition_id] = -float("inf")
            self._touched.add(partition_id)
            if stored.published_offset > stored.offset:
                log.info("partition %s: folding offsets %d to %d again from its checkpoint",
                         partition_id, stored.offset + 1, stored.published_offset)
        return state

    @property
    def touched(self) -> bool:
        """Whether a partition has changes not yet prepared for saving."""
        return bool(self._touched)

    def published_within(self, seconds: float) -> set[str]:
        """The partitions published less than ``seconds`` ago."""
        now = time.monotonic()
        return {pid for pid, at in self._published_at.items() if now - at < seconds}

    def replaying(self, partition_id: str) -> bool:
        """Whether the partition is still folding records it had published before."""
        return self.states[partition_id].offset < self._published[partition_id]

    def forget(self, partition_ids: Iterable[str]) -> None:
        for pid in partition_ids:
            self.states.pop(pid, None)
            self.clocks.pop(pid, None)
            self._guards.pop(pid, None)
            self._published.pop(pid, None)
            self._checkpointed_at.pop(pid, None)
            self._published_at.pop(pid, None)
            self._touched.discard(pid)
            self._gap_retried.pop(pid, None)

    # -- processing ----------------------------------------------------------------
    def fold(self, batch: Mapping[tuple[str, int], Sequence[RecordLike]]) -> Folded:
        """Fold records grouped by (topic, partition), each group in offset order."""
        out = Folded()
        wall_ms = self._wall.now_ms()
        for (topic, partition), records in batch.items():
            pid = f"{topic}:{partition}"
            if not self._fold_partition(topic, partition, pid, records, wall_ms, out):
                out.resume.append(pid)
        return out

    def _skips_ahead(self, pid: str, records: Sequence[RecordLike]) -> bool:
        """Whether the records start past the next offset the partition's state needs (a
        consumer position that a rebalance left where the group's commit was, not where
        the state was loaded from): they are refused once, so that the partition is
        consumed again from its state. Past a second time, the missing records are no
        longer in the topic (retention): folded from where they start, and logged."""
        guard = self._guards.get(pid)
        expected = self.states[pid].offset + 1
        if guard is not None and guard.held:
            expected = guard.held[-1].item[0].offset + 1
        first = records[0].offset if records else expected
        if first <= expected:
            self._gap_retried.pop(pid, None)
            return False
        if self._gap_retried.get(pid) != expected:
            self._gap_retried[pid] = expected
            log.info("partition %s: records start at offset %d, its state needs %d next; "
                     "consuming it again from there", pid, first, expected)
            return True
        log.log(logging.WARNING if expected else logging.INFO,
                "partition %s: offsets %d to %d are no longer in the topic (deleted by "
                "retention before they were folded); folding on from %d",
                pid, expected, first - 1, first)
        self._gap_retried.pop(pid, None)
        return False

    def held(self) -> int:
        """Records held on the event clock until later ones confirm a jump ahead in time."""
        return sum(len(guard.held) for guard in self._guards.values())

    def _decoded(self, pid: str, record: RecordLike, offset: int,
                 poisoned: dict[int, dict[int, str]], wall_ms: int) -> Outcome:
        """The record's event or pack, or why it is refused."""
        config = self.config
        raised = poisoned.get(offset) if poisoned else None
        try:
            if raised is not None and -1 in raised:
                return Rejected("processing_error", raised[-1])
            outcome = decode_record(record.value, self.registry, wall_ms,
                                    config.future_tolerance_ms, config.max_record_bytes)
        except Rejected as refused:
            return refused
        except Exception as decoder_bug:  # this record alone is affected
            log.exception("partition %s offset %d could not be decoded", pid, offset)
            return Rejected("processing_error", _error(decoder_bug))
        if raised is not None and isinstance(outcome, Pack):
            for index, error in raised.items():
                outcome.outcomes[index] = Rejected("processing_error", error)
        return outcome

    def _fold_partition(self, topic: str, partition: int, pid: str,
                        records: Sequence[RecordLike], wall_ms: int, out: Folded) -> bool:
        """Fold one partition's records; False if one raised (the partition was dropped) or
        if they do not start where the partition's state ends (it is to be consumed again
        from there)."""
        state = self.state(pid)
        if self._skips_ahead(pid, records):
            return False
        guard = self._guards.get(pid)
        # dead letters and derived events up to here went out before
        taken = Taken(topic, partition, state, max(self._published[pid], self._sent.get(pid, -1)))
        skip_up_to = state.offset
        if guard is not None and guard.held:
            skip_up_to = guard.held[-1].item[0].offset  # offered already, still held
        poisoned = self._poisoned.get(pid, {})
        for record in records:
            offset = record.offset  # (an attribute lookup: aiokafka's records are not native)
            if offset <= skip_up_to:
                continue  # in the state already, or held
            outcome = self._decoded(pid, record, offset, poisoned, wall_ms)
            if isinstance(outcome, Event):  # the common case: one event, nothing held
                ts_ms: int | None = outcome.ts_ms
                if guard is None or guard.passes(outcome.ts_ms):
                    taken.take(record, offset, outcome)
                    continue
            else:  # a pack (at its newest event's time), or refused
                ts_ms = None if isinstance(outcome, Rejected) else outcome.ts_ms
                if guard is None or (ts_ms is not None and guard.passes(ts_ms)):
                    taken.take_all(record, offset, outcome)
                    continue
            for (source, held), ahead in guard.offer((record, outcome), ts_ms):
                taken.take_all(source, source.offset, held, guard if ahead else None)
        dead, events, sources = taken.dead, taken.events, taken.sources
        sent_up_to, last, newest_ms = taken.sent_up_to, taken.last, taken.newest_ms
        clock = self.clocks[pid]
        if guard is not None and guard.held:  # taken up again from Kafka after a stop
            last = guard.held[0].item[0].offset - 1
        if last <= state.offset:
            out.dead.extend(dead)
            return True
        state.offset = last
        self._touched.add(pid)
        state.observe_newest(newest_ms)
        clock.observe(newest_ms)
        state.advance(clock.now_ms())
        try:
            rejected = state.apply(events)
        except Exception as bug:
            bad = sources[state.position]
            index = bad.index if isinstance(bad, PackEntry) else -1
            log.exception("partition %s offset %d%s raised while being applied; it goes to "
                          "the dead-letter topic and the partition is folded again without it",
                          pid, bad.offset, f" (event {index} of its pack)" if index >= 0 else "")
            self._poisoned.setdefault(pid, {}).setdefault(bad.offset, {})[index] = _error(bug)
            self.forget([pid])
            return False
        for i, reason in rejected:
            if sources[i].offset > sent_up_to:
                dead.append(DeadLetter(topic, partition, sources[i], reason,
                                       describe(reason, events[i])))
        outbox = state.ctx.outbox
        for position, derived in outbox:
            if position < 0 or sources[position].offset > sent_up_to:
                out.derived.append(derived)
        outbox.clear()
        state.expire()
        out.dead.extend(dead)
        out.folded_up_to[pid] = state.offset
        return True

    def sent(self, folded: Folded) -> None:
        """What ``folded`` handed out has been sent: folding those records again (from a
        checkpoint, in this process) sends nothing of them again."""
        for pid, offset in folded.folded_up_to.items():
            if offset > self._sent.get(pid, -1):
                self._sent[pid] = offset

    def tick(self, partition_ids: Iterable[str]) -> list[Derived]:
        """Move these partitions to the current time (windows roll without events);
        returns what the domains derived from the time moving."""
        derived: list[Derived] = []
        for pid in partition_ids:
            state = self.state(pid)
            state.advance(self.clocks[pid].now_ms())
            state.expire()
            if not self.replaying(pid):
                derived.extend(d for _, d in state.ctx.outbox)
            state.ctx.outbox.clear()
            self._touched.add(pid)
        return derived

    def save(self, partition_ids: Sequence[str] | None = None) -> list[str]:
        """Publish every touched partition (or these), with a checkpoint where one is
        due; returns the partitions another worker has taken over (their state is
        dropped: reload it and consume again from its checkpoint)."""
        pending = self.prepare(partition_ids)
        return self.settle(pending, self.execute(pending))

    def checkpoint(self, partition_ids: Iterable[str]) -> list[str]:
        """Checkpoint these partitions now (before giving them up: their next owner then
        has nothing to fold again)."""
        pending = self.prepare([pid for pid in partition_ids if pid in self.states],
                               checkpoint=True)
        return self.settle(pending, self.execute(pending))

    # A save in three steps, so that the worker can fold the next batch while the store
    # works: ``prepare`` (on the folding thread: it reads the state), ``execute`` (only the
    # store: any thread), ``settle`` (on the folding thread again).
    def prepare(self, partition_ids: Sequence[str] | None = None, checkpoint: bool = False,
                hold_s: float = 0.0, holding: Collection[str] | None = None) -> Pending:
        """Publications (and checkpoints where due) of the touched partitions, or of
        ``partition_ids``, encoded for the store; the state counts them as saved.

        With ``hold_s``, a touched partition published less than that long ago is left
        for a later save: while a worker catches up, its partitions are published a few
        times a second rather than after every batch. ``holding`` limits that to the
        partitions it names (None: every touched partition)."""
        now = time.monotonic()
        if partition_ids is None:
            candidates = self._touched if holding is None else self._touched & set(holding)
            held = {pid for pid in candidates
                    if hold_s and now - self._published_at[pid] < hold_s}
            partition_ids = sorted(self._touched - held)
            self._touched = held
        else:
            self._touched.difference_update(partition_ids)
        writes = []
        for pid in partition_ids:
            if self.replaying(pid):
                continue
            state = self.states[pid]
            due = checkpoint or now - self._checkpointed_at[pid] >= self.config.checkpoint_s
            published = state.publish()
            write = Write(pid, self._published[pid], published,
                          state.checkpoint() if due else None, self._meta(pid),
                          reset=pid in self._reset)
            writes.append(write)
            self._reset.discard(pid)
            self._published[pid] = published.offset
            self._published_at[pid] = now
            if due:
                self._checkpointed_at[pid] = now
        return Pending(writes, self.store.prepare(writes) if writes else None)

    def execute(self, pending: Pending) -> list[bool]:
        return self.store.execute(pending.encoded) if pending.writes else []

    def settle(self, pending: Pending, saved: Sequence[bool]) -> list[str]:
        """Drop the partitions whose write was fenced off; returns them."""
        fenced = []
        for write, ok in zip(pending.writes, saved, strict=True):
            pid = write.partition_id
            if not ok:
                log.warning("partition %s was taken over by another worker; dropping it", pid)
                self.forget([pid])
                fenced.append(pid)
                continue
            poisoned = self._poisoned.get(pid)
            if write.checkpoint is not None and poisoned:
                # a refold from this checkpoint on never reaches them
                for offset in [o for o in poisoned if o <= write.published.offset]:
                    del poisoned[offset]
        return fenced

    def _meta(self, pid: str) -> dict[str, int]:
        if self.highwater is None:
            return {}
        topic, _, partition = pid.rpartition(":")
        mark = self.highwater(topic, int(partition))
        return {} if mark is None else {"highwater": mark}


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
