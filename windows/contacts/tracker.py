"""Contact state: pairs each queue exit with its entry and credits the result.

A contact is credited at the time it leaves the queue (answer, abandon or
transfer), and so is its handle time once it ends: an answered contact is kept
"in service" until its end arrives. Each applied event id is remembered on the
contact for a while, so a repeated event is dropped as a duplicate instead of
being counted twice.

``apply`` runs once per event, so it is written to do as little as possible:
one lookup per stage, limits cached per queue, one histogram bucket per wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.agents import family as agent_family
from ccpulse.windows.agents.work import ASSIGNED, RELEASED, AgentWork
from ccpulse.windows.config import Limits, Retention
from ccpulse.windows.contacts import family as f
from ccpulse.windows.contacts.event import (
    ABANDONED,
    ANSWERED,
    ENDED,
    QUEUED,
    TRANSFERRED,
    UNMEASURED,
    ContactEvent,
)
from ccpulse.windows.domain import Context, LiveKey, RecordKey
from ccpulse.windows.events import Event
from ccpulse.windows.families import canonical
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.policy import PolicyBook

WAITING: Final = "waiting"
IN_SERVICE: Final = "in_service"  # answered, not ended yet
LEFT_QUEUE: Final = "left"

QueueKey = tuple[str, str]  # (queue, channel)

REASONS: Final = {
    "not_queued": "an answer, abandon or transfer for a contact never queued (or forgotten)",
    "not_waiting": "an answer or abandon for a contact not waiting in that queue, or a "
                   "transfer for one neither waiting nor in service there",
    "already_waiting": "a contact queued again while it is still waiting",
    "ended_while_waiting": "an end for a contact still waiting",
    "answered_before_queued": "an answer dated before its contact was queued",
    "abandoned_before_queued": "an abandon dated before its contact was queued",
    "transferred_before_queued": "a transfer dated before its contact was queued",
}


class ContactRecord:
    """One contact's state (a plain class with ``__slots__``: one is built per contact)."""

    __slots__ = ("agent", "channel", "event_ids", "left_ms", "queue", "queued_ms", "slot",
                 "stage", "stored", "touched_ms")

    def __init__(self, queue: str, channel: str, queued_ms: int, stage: str, touched_ms: int,
                 event_ids: list[str], left_ms: int = 0, agent: str = "") -> None:
        self.queue = queue
        self.channel = channel
        self.queued_ms = queued_ms
        self.stage = stage
        self.touched_ms = touched_ms
        self.event_ids = event_ids  # applied here, for dropping duplicates
        self.left_ms = left_ms  # when it left the queue
        self.agent = agent  # who answered it ("" if unknown)
        self.stored = False  # in the last checkpoint (not itself saved)
        self.slot: QueueSlot | None = None  # its queue's slot (not itself saved)

    def to_list(self) -> list[Any]:
        """In the order of ``family.contact_records``."""
        return [self.queue, self.channel, self.queued_ms, self.stage, self.touched_ms,
                self.event_ids, self.left_ms, self.agent]

    @classmethod
    def from_list(cls, raw: list[Any]) -> ContactRecord:
        queue, channel, queued_ms, stage, touched_ms, ids, left_ms, agent = raw
        return cls(str(queue), str(channel), int(queued_ms), str(stage), int(touched_ms),
                   [str(i) for i in ids], int(left_ms), str(agent or ""))

    def copy(self) -> ContactRecord:
        return ContactRecord.from_list(self.to_list())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContactRecord) and self.to_list() == other.to_list()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"ContactRecord{self.to_list()!r}"


class QueueSlot:
    """What the tracker keeps per queue and channel: the keys it credits under (canonical
    tuples, found by identity), the policy's limits, and the live entry's contents."""

    __slots__ = (
        "abandon_hist",
        "answer_hist",
        "channel",
        "key",
        "queue",
        "series",
        "serving",
        "short_abandon_ms",
        "threshold_ms",
        "waiting",
    )

    def __init__(self, queue: str, channel: str, threshold_ms: int,
                 short_abandon_ms: int) -> None:
        self.queue = queue
        self.channel = channel
        self.key = (queue, channel)
        self.series = canonical((f.CONTACT.name, queue, channel))
        self.answer_hist = canonical((f.ANSWER_WAIT, queue, channel))
        self.abandon_hist = canonical((f.ABANDON_WAIT, queue, channel))
        self.threshold_ms = threshold_ms
        self.short_abandon_ms = short_abandon_ms
        self.waiting: dict[str, int] = {}  # contact id -> queue time, of those waiting
        self.serving = 0  # answered and not ended


class ContactTracker:
    """The contacts of one partition and one domain (``name``: ``call`` or ``chat``, which
    names its records and live entries). It is the voice domain's state as it stands."""

    def __init__(self, name: str, ctx: Context, policies: PolicyBook, retention: Retention,
                 limits: Limits, work: AgentWork | None = None) -> None:
        self.name = name
        self.work = work or AgentWork(ctx, per_agent=False, derive=False)
        self.ctx = ctx
        self.windows = ctx.windows
        self.histograms = ctx.histograms
        self.queues = ctx.queues
        self._admitted = ctx.queues.admitted  # the guard's own set: its fast path, inline
        self.policies = policies
        self.retention = retention
        self.limits = limits
        self.records: dict[str, ContactRecord] = {}  # every contact, for one lookup per event
        # each stage in the order its contacts were last touched (a touched contact is
        # removed and inserted again, so it goes last), for expiry
        self.waiting: dict[str, ContactRecord] = {}
        self.in_service: dict[str, ContactRecord] = {}
        self.finished: dict[str, ContactRecord] = {}
        self._homes = {WAITING: self.waiting, IN_SERVICE: self.in_service,
                       LEFT_QUEUE: self.finished}
        self._slots: dict[QueueKey, QueueSlot] = {}
        self._live_dirty: set[QueueSlot] = set()  # whose live entry may have changed
        self.dirty: set[str] = set()  # contacts changed since the last checkpoint
        self.dropped: set[str] = set()  # contacts forgotten since the last checkpoint

    def slot_of(self, queue: str, channel: str) -> QueueSlot:
        slot = self._slots.get((queue, channel))
        if slot is None:
            policy = self.policies.for_queue(queue, channel)
            slot = self._slots[(queue, channel)] = QueueSlot(
                queue, channel, policy.threshold_ms, policy.short_abandon_ms)
        return slot

    # -- applying events ---------------------------------------------------
    def apply(self, event: Event) -> str:
        """Apply one event; returns ``applied``, ``duplicate`` or a rejection reason."""
        assert isinstance(event, ContactEvent)
        cid = event.contact_id
        record = self.records.get(cid)
        if record is not None and event.event_id in record.event_ids:
            return DUPLICATE
        if event.queue not in self._admitted:
            queue = self.queues.queue(event.queue)
            if queue is None:
                return "queue_not_allowed"
            event.queue = queue
        kind = event.kind
        if kind == QUEUED:
            if record is not None and record.stage == WAITING:
                return "already_waiting"
            if record is None and len(self.records) >= self.limits.max_contacts:
                return "entity_limit"
            self._enqueue(cid, record, self.slot_of(event.queue, event.channel), event)
            return APPLIED
        if kind == ENDED:
            return self._end(cid, record, event)
        if record is None:
            return "not_queued"
        if kind == TRANSFERRED:
            assert event.to_queue is not None
            if event.to_queue not in self._admitted:
                to_queue = self.queues.queue(event.to_queue)
                if to_queue is None:
                    return "queue_not_allowed"
                event.to_queue = to_queue
            if record.stage == IN_SERVICE and record.queue == event.queue:
                # transferred after an answer: the first service ends here (its handle
                # time runs from the answer), and the contact waits in the new queue
                slot = record.slot
                assert slot is not None
                values = self.windows.slot(slot.series, record.left_ms)
                values[f.HANDLED] += 1
                handle_ms = max(0, event.ts_ms - record.left_ms)
                values[f.HANDLE_MS] += handle_ms
                self._handled_by(record.agent, cid, record, event, handle_ms, record.left_ms)
                self._enqueue(cid, record, self.slot_of(event.to_queue, event.channel), event)
                return APPLIED
        if record.stage != WAITING or record.queue != event.queue:
            return "not_waiting"
        wait_ms = event.ts_ms - record.queued_ms
        if wait_ms < 0:
            return f"{kind}_before_queued"
        slot = record.slot
        assert slot is not None
        self._credit_exit(kind, slot, event.ts_ms, wait_ms)
        record.left_ms = event.ts_ms
        if kind == TRANSFERRED:
            assert event.to_queue is not None
            self._enqueue(cid, record, self.slot_of(event.to_queue, event.channel), event)
        elif kind == ANSWERED:
            record.agent = event.agent_id or ""
            self._touch(cid, record, event, IN_SERVICE)
            if record.agent and self.work.derive:
                self.work.derive_activity(ASSIGNED, event.event_id, event.ts_ms, record.agent,
                                          cid, slot.queue, slot.channel)
        else:
            self._touch(cid, record, event, LEFT_QUEUE)
        return APPLIED

    def _end(self, cid: str, record: ContactRecord | None, event: ContactEvent) -> str:
        handle_ms = event.handle_ms
        if record is None:  # its answer is unknown here: credit the end
            series = self.slot_of(event.queue, event.channel).series
            at_ms = event.ts_ms
        else:
            stage = record.stage
            if stage == WAITING:
                return "ended_while_waiting"
            slot = record.slot
            assert slot is not None
            series = slot.series
            if stage == IN_SERVICE:
                at_ms = record.left_ms
                if handle_ms == UNMEASURED:
                    handle_ms = max(0, event.ts_ms - record.left_ms)
            else:
                at_ms = event.ts_ms
        if handle_ms != UNMEASURED:
            values = self.windows.slot(series, at_ms)
            values[f.HANDLED] += 1
            values[f.HANDLE_MS] += handle_ms
        agent = event.agent_id or (record.agent if record is not None else "")
        if agent and (record is None or record.stage == IN_SERVICE):
            self._handled_by(agent, cid, record, event,
                             0 if handle_ms == UNMEASURED else handle_ms, at_ms)
        if record is not None:
            self._touch(cid, record, event, LEFT_QUEUE)
        return APPLIED

    def _handled_by(self, agent: str, cid: str, record: ContactRecord | None,
                    event: ContactEvent, handle_ms: int, at_ms: int) -> None:
        """The agent's part of a service that ended: per-agent figures, and the contact
        released from the agent's capacity."""
        if not agent:
            return
        self.work.credit(agent, agent_family.HANDLED, agent_family.HANDLE_MS, handle_ms, at_ms)
        if self.work.derive:
            queue, channel = (record.queue, record.channel) if record is not None \
                else (event.queue, event.channel)
            self.work.derive_activity(RELEASED, event.event_id, event.ts_ms, agent, cid,
                                      queue, channel)

    def _credit_exit(self, kind: str, slot: QueueSlot, ts_ms: int, wait_ms: int) -> None:
        values = self.windows.slot(slot.series, ts_ms)
        if kind == ANSWERED:
            values[f.OFFERED] += 1
            values[f.ANSWERED] += 1
            values[f.ANSWER_WAIT_MS] += wait_ms
            if wait_ms <= slot.threshold_ms:
                values[f.ANSWERED_WITHIN] += 1
            self.histograms.observe(slot.answer_hist, wait_ms)
        elif kind == ABANDONED:
            if wait_ms < slot.short_abandon_ms:
                values[f.SHORT_ABANDONED] += 1
                return
            values[f.OFFERED] += 1
            values[f.ABANDONED] += 1
            values[f.ABANDON_WAIT_MS] += wait_ms
            if wait_ms <= slot.threshold_ms:
                values[f.ABANDONED_WITHIN] += 1
            self.histograms.observe(slot.abandon_hist, wait_ms)
        else:
            values[f.OFFERED] += 1
            values[f.TRANSFERRED] += 1

    def _enqueue(self, cid: str, record: ContactRecord | None, slot: QueueSlot,
                 event: ContactEvent) -> None:
        if record is None:  # a new contact
            record = ContactRecord(slot.queue, slot.channel, event.ts_ms, WAITING, event.ts_ms,
                                   [event.event_id])
            record.slot = slot
            self.records[cid] = self.waiting[cid] = record
            self._join(cid, record)
            self.dirty.add(cid)
        else:
            self._touch(cid, record, event, WAITING, slot)

    def _touch(self, cid: str, record: ContactRecord, event: ContactEvent, stage: str,
               requeue: QueueSlot | None = None) -> None:
        """Move the contact to ``stage`` (in another queue with ``requeue``, from now)."""
        self._leave(cid, record)
        del self._homes[record.stage][cid]
        if requeue is not None:
            record.slot = requeue
            record.queue, record.channel = requeue.queue, requeue.channel
            record.queued_ms = event.ts_ms
        record.stage = stage
        if event.ts_ms > record.touched_ms:
            record.touched_ms = event.ts_ms
        record.event_ids.append(event.event_id)
        self._homes[stage][cid] = record  # (re)inserted last: the most recently touched
        self._join(cid, record)
        self.dirty.add(cid)

    # -- live entries ------------------------------------------------------------
    def _join(self, cid: str, record: ContactRecord) -> None:
        stage = record.stage
        if stage == LEFT_QUEUE:
            return
        slot = record.slot
        assert slot is not None
        if stage == WAITING:
            slot.waiting[cid] = record.queued_ms
        else:
            slot.serving += 1
        self._live_dirty.add(slot)

    def _leave(self, cid: str, record: ContactRecord) -> None:
        stage = record.stage
        if stage == LEFT_QUEUE:
            return
        slot = record.slot
        assert slot is not None
        if stage == WAITING:
            del slot.waiting[cid]
        else:
            slot.serving -= 1
        self._live_dirty.add(slot)

    def _live_entry(self, slot: QueueSlot) -> dict[str, Any] | None:
        """When each waiting contact was queued (``w``, oldest first) and how many answered
        contacts have not ended (``s``); counts and ages are left to the reader, who knows
        what time it is. ``None`` for a queue with neither."""
        if not slot.waiting and not slot.serving:
            return None
        return {"w": sorted(slot.waiting.values()), "s": slot.serving}

    def live_changes(self) -> dict[LiveKey, Any]:
        if not self._live_dirty:
            return {}
        out: dict[LiveKey, Any] = {(self.name, slot.queue, slot.channel): self._live_entry(slot)
                                   for slot in self._live_dirty}
        self._live_dirty = set()
        return out

    def live_all(self) -> dict[LiveKey, Any]:
        self._live_dirty = set()
        return {(self.name, slot.queue, slot.channel): self._live_entry(slot)
                for slot in self._slots.values() if slot.waiting or slot.serving}

    # -- time ----------------------------------------------------------------
    def advance(self, now_ms: int) -> None:
        """Forget finished contacts past the dedupe window and contacts presumed lost."""
        self._drop_older(self.finished, now_ms - self.retention.dedupe_ms)
        lost_service = self._drop_older(self.in_service, now_ms - self.retention.max_wait_ms)
        lost_waiting = self._drop_older(self.waiting, now_ms - self.retention.max_wait_ms)
        if lost_waiting:
            self.ctx.count("expired_waiting", lost_waiting)
        if lost_service:
            self.ctx.count("expired_in_service", lost_service)

    def _drop_older(self, records: dict[str, ContactRecord], cutoff_ms: int) -> int:
        gone = []
        for cid, record in records.items():
            if record.touched_ms >= cutoff_ms:
                break
            gone.append(cid)
        for cid in gone:
            record = records.pop(cid)
            del self.records[cid]
            self._leave(cid, record)
            if record.stage == IN_SERVICE and record.agent and self.work.derive:
                self.work.derive_activity(RELEASED, f"{cid}~expired", cutoff_ms, record.agent,
                                          cid, record.queue, record.channel)
            self.dirty.discard(cid)
            if record.stored:
                self.dropped.add(cid)
        return len(gone)

    # -- persistence -------------------------------------------------------------
    def count(self) -> int:
        return len(self.records)

    def record(self, cid: str) -> ContactRecord | None:
        return self.records.get(cid)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        out: dict[RecordKey, list[Any] | None] = {(self.name, cid): None for cid in self.dropped}
        for cid in self.dirty:
            record = self.records.get(cid)
            if record is not None:
                record.stored = True
                out[(self.name, cid)] = record.to_list()
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        loaded = sorted(((cid, ContactRecord.from_list(raw))
                         for cid, raw in records.get(self.name, {}).items()),
                        key=lambda item: item[1].touched_ms)
        for cid, record in loaded:
            record.stored = True
            record.slot = self.slot_of(record.queue, record.channel)
            self._homes[record.stage][cid] = record
            self.records[cid] = record
            self._join(cid, record)
        self._live_dirty = set()
