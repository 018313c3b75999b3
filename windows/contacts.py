"""Contact state: pairs each queue exit with its entry and credits the result.

A contact is credited at the time it leaves the queue (answer, abandon or
transfer), and so is its handle time once it ends: an answered contact is kept
"in service" until its end arrives. Each applied event id
is remembered on the contact for a while, so a repeated event is dropped as a
duplicate instead of being counted twice.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from windows import aggregate as a
from windows.policy import PolicyBook

QUEUED = "queued"
ANSWERED = "answered"
ABANDONED = "abandoned"
TRANSFERRED = "transferred"
ENDED = "ended"

APPLIED = "applied"
DUPLICATE = "duplicate"

WAITING = "waiting"
IN_SERVICE = "in_service"  # answered, not ended yet
LEFT_QUEUE = "left"


class ContactEvent(Protocol):
    """What the tracker needs of an event (``stream.events.Event`` provides it)."""

    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def contact_id(self) -> str: ...
    @property
    def queue(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def to_queue(self) -> str | None: ...
    @property
    def handle_ms(self) -> int: ...
    @property
    def agent_id(self) -> str | None: ...


class CreditSink(Protocol):
    def slot(self, queue: str, channel: str, ts_ms: int) -> a.Agg:
        """The aggregate that a credit at this time adds into."""


@dataclass(slots=True)
class ContactRecord:
    queue: str
    channel: str
    queued_ms: int
    stage: str
    touched_ms: int
    event_ids: list[str]
    left_ms: int = 0  # when it left the queue

    def to_list(self) -> list[object]:
        return [self.queue, self.channel, self.queued_ms, self.stage, self.touched_ms,
                self.event_ids, self.left_ms]

    @classmethod
    def from_list(cls, raw: Sequence[object]) -> ContactRecord:
        queue, channel, queued_ms, stage, touched_ms, ids, left_ms = raw
        assert isinstance(ids, list)
        return cls(str(queue), str(channel), int(queued_ms),  # type: ignore[call-overload]
                   str(stage), int(touched_ms), [str(i) for i in ids],  # type: ignore[call-overload]
                   int(left_ms))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Retention:
    dedupe_ms: int = 15 * 60_000  # finished contacts are remembered this long
    max_wait_ms: int = 4 * 3_600_000  # a contact waiting (or in service) longer is presumed lost


class ContactTracker:
    def __init__(self, policies: PolicyBook, wait_bounds_ms: Sequence[int],
                 retention: Retention | None = None) -> None:
        self.policies = policies
        self.wait_bounds_ms = tuple(wait_bounds_ms)
        self.retention = retention or Retention()
        self.waiting: OrderedDict[str, ContactRecord] = OrderedDict()
        self.in_service: OrderedDict[str, ContactRecord] = OrderedDict()
        self.finished: OrderedDict[str, ContactRecord] = OrderedDict()
        self._homes = {WAITING: self.waiting, IN_SERVICE: self.in_service,
                       LEFT_QUEUE: self.finished}
        # cumulative wait histograms per (queue, channel, outcome): counts of waits <= bound
        self.histograms: dict[tuple[str, str, str], list[int]] = {}
        self.expired_waiting = 0
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()
        self.dirty_histograms: set[tuple[str, str, str]] = set()

    # -- applying events ---------------------------------------------------
    def apply(self, event: ContactEvent, sink: CreditSink) -> str:
        """Apply one event; returns ``applied``, ``duplicate`` or a rejection reason."""
        cid = event.contact_id
        record = self.record(cid)
        if record is not None and event.event_id in record.event_ids:
            return DUPLICATE
        kind = event.kind
        if kind == QUEUED:
            if record is not None and record.stage == WAITING:
                return "already_waiting"
            self._enqueue(cid, record, event.queue, event.channel, event.ts_ms, event)
            return APPLIED
        if kind == ENDED:
            if record is not None and record.stage == WAITING:
                return "ended_while_waiting"
            if record is not None and record.stage == IN_SERVICE:
                slot = sink.slot(record.queue, record.channel, record.left_ms)
            else:  # its answer is unknown here: credit the end
                slot = sink.slot(event.queue, event.channel, event.ts_ms)
            slot[a.HANDLED] += 1
            slot[a.HANDLE_MS] += event.handle_ms
            if record is not None:
                self._touch(cid, record, event, LEFT_QUEUE)
            return APPLIED
        if kind == TRANSFERRED and (record is None or record.stage != WAITING):
            # transferred after being answered: it simply enters the new queue
            assert event.to_queue is not None
            self._enqueue(cid, record, event.to_queue, event.channel, event.ts_ms, event)
            return APPLIED
        if record is None or record.stage != WAITING or record.queue != event.queue:
            return "not_waiting"
        wait_ms = event.ts_ms - record.queued_ms
        if wait_ms < 0:
            return f"{kind}_before_queued"
        self._credit_exit(kind, record, event, wait_ms, sink)
        record.left_ms = event.ts_ms
        if kind == TRANSFERRED:
            assert event.to_queue is not None
            self._enqueue(cid, record, event.to_queue, event.channel, event.ts_ms, event)
        else:
            self._touch(cid, record, event, IN_SERVICE if kind == ANSWERED else LEFT_QUEUE)
        return APPLIED

    def _credit_exit(self, kind: str, record: ContactRecord, event: ContactEvent,
                     wait_ms: int, sink: CreditSink) -> None:
        policy = self.policies.for_queue(record.queue)
        if kind == ABANDONED and wait_ms < policy.short_abandon_ms:
            sink.slot(record.queue, record.channel, event.ts_ms)[a.SHORT_ABANDONED] += 1
            return
        slot = sink.slot(record.queue, record.channel, event.ts_ms)
        slot[a.OFFERED] += 1
        within = wait_ms <= policy.threshold_ms
        if kind == ANSWERED:
            slot[a.ANSWERED] += 1
            slot[a.ANSWER_WAIT_MS] += wait_ms
            if within:
                slot[a.ANSWERED_WITHIN] += 1
        elif kind == ABANDONED:
            slot[a.ABANDONED] += 1
            slot[a.ABANDON_WAIT_MS] += wait_ms
            if within:
                slot[a.ABANDONED_WITHIN] += 1
        else:
            slot[a.TRANSFERRED] += 1
            return
        self._observe_wait(record.queue, record.channel, kind, wait_ms)

    def _observe_wait(self, queue: str, channel: str, outcome: str, wait_ms: int) -> None:
        key = (queue, channel, outcome)
        counts = self.histograms.get(key)
        if counts is None:
            counts = self.histograms[key] = [0] * len(self.wait_bounds_ms)
        for i, bound in enumerate(self.wait_bounds_ms):
            if wait_ms <= bound:
                counts[i] += 1
        self.dirty_histograms.add(key)

    def _enqueue(self, cid: str, record: ContactRecord | None, queue: str, channel: str,
                 ts_ms: int, event: ContactEvent) -> None:
        if record is None:
            record = ContactRecord(queue, channel, ts_ms, WAITING, ts_ms, [])
        record.queue, record.channel, record.queued_ms = queue, channel, ts_ms
        self._touch(cid, record, event, WAITING)

    def _touch(self, cid: str, record: ContactRecord, event: ContactEvent, stage: str) -> None:
        self._homes[record.stage].pop(cid, None)
        record.stage = stage
        record.touched_ms = max(record.touched_ms, event.ts_ms)
        record.event_ids.append(event.event_id)
        home = self._homes[stage]
        home[cid] = record
        home.move_to_end(cid)
        self.dirty.add(cid)
        self.dropped.discard(cid)

    # -- time ----------------------------------------------------------------
    def expire(self, now_ms: int) -> None:
        """Forget finished contacts past the dedupe window and waits presumed lost."""
        self._drop_older(self.finished, now_ms - self.retention.dedupe_ms)
        self._drop_older(self.in_service, now_ms - self.retention.max_wait_ms)
        self.expired_waiting += self._drop_older(self.waiting, now_ms - self.retention.max_wait_ms)

    def _drop_older(self, records: OrderedDict[str, ContactRecord], cutoff_ms: int) -> int:
        dropped = 0
        while records:
            cid, record = next(iter(records.items()))
            if record.touched_ms >= cutoff_ms:
                break
            records.popitem(last=False)
            self.dirty.discard(cid)
            self.dropped.add(cid)
            dropped += 1
        return dropped

    # -- live queue state ------------------------------------------------------
    def live(self) -> dict[tuple[str, str], dict[str, object]]:
        """Per (queue, channel): when each waiting contact was queued (``w``, oldest
        first) and how many answered contacts have not ended yet (``s``).

        Counts and ages are left to the reader, who knows what time it is."""
        out: dict[tuple[str, str], dict[str, object]] = {}
        waits: dict[tuple[str, str], list[int]] = {}
        for record in self.waiting.values():
            waits.setdefault((record.queue, record.channel), []).append(record.queued_ms)
        for key, times in waits.items():
            out[key] = {"w": sorted(times), "s": 0}
        for record in self.in_service.values():
            entry = out.setdefault((record.queue, record.channel), {"w": [], "s": 0})
            entry["s"] = int(entry["s"]) + 1  # type: ignore[call-overload]
        return out

    # -- persistence -------------------------------------------------------------
    def record(self, cid: str) -> ContactRecord | None:
        return self.waiting.get(cid) or self.in_service.get(cid) or self.finished.get(cid)

    def restore(self, records: dict[str, ContactRecord],
                histograms: dict[tuple[str, str, str], list[int]], expired_waiting: int) -> None:
        for cid, record in sorted(records.items(), key=lambda item: item[1].touched_ms):
            self._homes[record.stage][cid] = record
        self.histograms = histograms
        self.expired_waiting = expired_waiting
