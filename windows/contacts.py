"""Contact state: pairs each queue exit with its entry and credits the result.

A contact is credited at the time it leaves the queue (answer, abandon or
transfer), and so is its handle time once it ends: an answered contact is kept
"in service" until its end arrives. Each applied event id
is remembered on the contact for a while, so a repeated event is dropped as a
duplicate instead of being counted twice.

``apply`` runs once per event, so it is written to do as little as possible:
one lookup per stage, limits cached per queue, one histogram bucket per wait.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Final, Protocol

from windows import aggregate as a
from windows.event import Event
from windows.policy import PolicyBook

QUEUED: Final = "queued"
ANSWERED: Final = "answered"
ABANDONED: Final = "abandoned"
TRANSFERRED: Final = "transferred"
ENDED: Final = "ended"

APPLIED: Final = "applied"
DUPLICATE: Final = "duplicate"

WAITING: Final = "waiting"
IN_SERVICE: Final = "in_service"  # answered, not ended yet
LEFT_QUEUE: Final = "left"

HistogramKey = tuple[str, str, str]  # (queue, channel, outcome)
LiveKey = tuple[str, str]  # (queue, channel)


class CreditSink(Protocol):
    def slot(self, queue: str, channel: str, ts_ms: int) -> a.Agg:
        """The aggregate that a credit at this time adds into."""


class ContactRecord:
    """One contact's state (a plain class with ``__slots__``: one is built per contact)."""

    __slots__ = ("channel", "event_ids", "left_ms", "queue", "queued_ms", "stage", "stored",
                 "touched_ms")

    def __init__(self, queue: str, channel: str, queued_ms: int, stage: str, touched_ms: int,
                 event_ids: list[str], left_ms: int = 0) -> None:
        self.queue = queue
        self.channel = channel
        self.queued_ms = queued_ms
        self.stage = stage
        self.touched_ms = touched_ms
        self.event_ids = event_ids  # applied here, for dropping duplicates
        self.left_ms = left_ms  # when it left the queue
        self.stored = False  # in the last checkpoint (not itself saved)

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

    def copy(self) -> ContactRecord:
        return ContactRecord.from_list(self.to_list())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContactRecord) and self.to_list() == other.to_list()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"ContactRecord{self.to_list()!r}"


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
        # each stage in the order its contacts were last touched (a touched contact is
        # removed and inserted again, so it goes last), for expiry
        self.waiting: dict[str, ContactRecord] = {}
        self.in_service: dict[str, ContactRecord] = {}
        self.finished: dict[str, ContactRecord] = {}
        self._homes = {WAITING: self.waiting, IN_SERVICE: self.in_service,
                       LEFT_QUEUE: self.finished}
        self._limits: dict[str, tuple[int, int]] = {}  # queue -> (threshold, short abandon) ms
        # waits per (queue, channel, outcome), counted in the first bucket whose bound
        # they do not exceed (longer waits only in the outcome's total)
        self.wait_counts: dict[HistogramKey, list[int]] = {}
        self.expired_waiting = 0
        self.dirty: set[str] = set()  # contacts changed since the last checkpoint
        self.dropped: set[str] = set()  # contacts forgotten since the last checkpoint
        self.dirty_histograms: set[HistogramKey] = set()

    # -- applying events ---------------------------------------------------
    def apply(self, event: Event, sink: CreditSink) -> str:
        """Apply one event; returns ``applied``, ``duplicate`` or a rejection reason."""
        cid = event.contact_id
        record = self.record(cid)
        if record is not None and event.event_id in record.event_ids:
            return DUPLICATE
        kind = event.kind
        if kind == QUEUED:
            if record is not None and record.stage == WAITING:
                return "already_waiting"
            self._enqueue(cid, record, event.queue, event.channel, event)
            return APPLIED
        if kind == ENDED:
            if record is None:  # its answer is unknown here: credit the end
                slot = sink.slot(event.queue, event.channel, event.ts_ms)
            elif record.stage == IN_SERVICE:
                slot = sink.slot(record.queue, record.channel, record.left_ms)
            elif record.stage == WAITING:
                return "ended_while_waiting"
            else:
                slot = sink.slot(event.queue, event.channel, event.ts_ms)
            slot[a.HANDLED] += 1
            slot[a.HANDLE_MS] += event.handle_ms
            if record is not None:
                self._touch(cid, record, event, LEFT_QUEUE)
            return APPLIED
        if kind == TRANSFERRED and (record is None or record.stage != WAITING):
            # transferred after being answered: it simply enters the new queue
            assert event.to_queue is not None
            self._enqueue(cid, record, event.to_queue, event.channel, event)
            return APPLIED
        if record is None or record.stage != WAITING or record.queue != event.queue:
            return "not_waiting"
        wait_ms = event.ts_ms - record.queued_ms
        if wait_ms < 0:
            return f"{kind}_before_queued"
        self._credit_exit(kind, record, event.ts_ms, wait_ms, sink)
        record.left_ms = event.ts_ms
        if kind == TRANSFERRED:
            assert event.to_queue is not None
            self._enqueue(cid, record, event.to_queue, event.channel, event)
        else:
            self._touch(cid, record, event, IN_SERVICE if kind == ANSWERED else LEFT_QUEUE)
        return APPLIED

    def _credit_exit(self, kind: str, record: ContactRecord, ts_ms: int, wait_ms: int,
                     sink: CreditSink) -> None:
        limits = self._limits.get(record.queue)
        if limits is None:
            policy = self.policies.for_queue(record.queue)
            limits = self._limits[record.queue] = (policy.threshold_ms, policy.short_abandon_ms)
        threshold_ms, short_abandon_ms = limits
        slot = sink.slot(record.queue, record.channel, ts_ms)
        if kind == ANSWERED:
            slot[a.OFFERED] += 1
            slot[a.ANSWERED] += 1
            slot[a.ANSWER_WAIT_MS] += wait_ms
            if wait_ms <= threshold_ms:
                slot[a.ANSWERED_WITHIN] += 1
        elif kind == ABANDONED:
            if wait_ms < short_abandon_ms:
                slot[a.SHORT_ABANDONED] += 1
                return
            slot[a.OFFERED] += 1
            slot[a.ABANDONED] += 1
            slot[a.ABANDON_WAIT_MS] += wait_ms
            if wait_ms <= threshold_ms:
                slot[a.ABANDONED_WITHIN] += 1
        else:
            slot[a.OFFERED] += 1
            slot[a.TRANSFERRED] += 1
            return
        key = (record.queue, record.channel, kind)
        counts = self.wait_counts.get(key)
        if counts is None:
            counts = self.wait_counts[key] = [0] * len(self.wait_bounds_ms)
        i = bisect_left(self.wait_bounds_ms, wait_ms)
        if i < len(counts):
            counts[i] += 1
            self.dirty_histograms.add(key)

    def _enqueue(self, cid: str, record: ContactRecord | None, queue: str, channel: str,
                 event: Event) -> None:
        ts_ms = event.ts_ms
        if record is None:  # a new contact
            self.waiting[cid] = ContactRecord(queue, channel, ts_ms, WAITING, ts_ms,
                                              [event.event_id])
            self.dirty.add(cid)
            return
        record.queue, record.channel, record.queued_ms = queue, channel, ts_ms
        self._touch(cid, record, event, WAITING)

    def _touch(self, cid: str, record: ContactRecord, event: Event, stage: str) -> None:
        del self._homes[record.stage][cid]
        record.stage = stage
        if event.ts_ms > record.touched_ms:
            record.touched_ms = event.ts_ms
        record.event_ids.append(event.event_id)
        self._homes[stage][cid] = record  # (re)inserted last: the most recently touched
        self.dirty.add(cid)

    # -- time ----------------------------------------------------------------
    def expire(self, now_ms: int) -> None:
        """Forget finished contacts past the dedupe window and waits presumed lost."""
        self._drop_older(self.finished, now_ms - self.retention.dedupe_ms)
        self._drop_older(self.in_service, now_ms - self.retention.max_wait_ms)
        self.expired_waiting += self._drop_older(self.waiting, now_ms - self.retention.max_wait_ms)

    def _drop_older(self, records: dict[str, ContactRecord], cutoff_ms: int) -> int:
        gone = []
        for cid, record in records.items():
            if record.touched_ms >= cutoff_ms:
                break
            gone.append(cid)
        for cid in gone:
            record = records.pop(cid)
            self.dirty.discard(cid)
            if record.stored:
                self.dropped.add(cid)
        return len(gone)

    # -- reading -------------------------------------------------------------------
    def histogram(self, key: HistogramKey) -> list[int]:
        """Cumulative counts: waits not longer than each bound."""
        return list(accumulate(self.wait_counts[key]))

    def live(self) -> dict[LiveKey, dict[str, object]]:
        """Per (queue, channel): when each waiting contact was queued (``w``, oldest
        first) and how many answered contacts have not ended yet (``s``).

        Counts and ages are left to the reader, who knows what time it is."""
        out: dict[LiveKey, dict[str, object]] = {}
        waits: dict[LiveKey, list[int]] = {}
        for record in self.waiting.values():
            key = (record.queue, record.channel)
            times = waits.get(key)
            if times is None:
                waits[key] = [record.queued_ms]
            else:
                times.append(record.queued_ms)
        for key, times in waits.items():
            times.sort()
            out[key] = {"w": times, "s": 0}
        serving: dict[LiveKey, int] = {}
        for record in self.in_service.values():
            key = (record.queue, record.channel)
            serving[key] = serving.get(key, 0) + 1
        for key, count in serving.items():
            entry = out.get(key)
            if entry is None:
                out[key] = {"w": [], "s": count}
            else:
                entry["s"] = count
        return out

    # -- persistence -------------------------------------------------------------
    def record(self, cid: str) -> ContactRecord | None:
        return self.waiting.get(cid) or self.in_service.get(cid) or self.finished.get(cid)

    def restore(self, records: dict[str, ContactRecord],
                histograms: dict[HistogramKey, list[int]], expired_waiting: int) -> None:
        """Take back saved contacts and cumulative wait histograms."""
        for cid, record in sorted(records.items(), key=lambda item: item[1].touched_ms):
            record.stored = True
            self._homes[record.stage][cid] = record
        self.wait_counts = {
            key: [c - p for c, p in zip(cumulative, [0, *cumulative], strict=False)]
            for key, cumulative in histograms.items()}
        self.expired_waiting = expired_waiting
