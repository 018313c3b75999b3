"""Customers' contacts on each matter, for first-contact resolution and repeat contacts
(the README's "Resolution, self-service and channel mix").

Contacts of one customer on one matter that each follow the previous within the repeat
window form an *episode*. Its first contact is a first contact; the others are repeats.
The first contact is *decided* when the customer comes back within the window (not
resolved first time) or when the window ends with no repeat (resolved first time if it
ended resolved). Each count is credited when it is known: contacts when they end,
decisions at the repeat or at the end of the window.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.domain import Context, RecordKey
from ccpulse.windows.families import canonical
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.outcomes import family as f
from ccpulse.windows.outcomes.event import SELF_SERVED, UNRESOLVED, OutcomeEvent

KEPT_EVENT_IDS: Final = 8
MAX_MATTERS: Final = 64  # open matters per customer; a contact on one more is refused


class Episode:
    __slots__ = ("channel", "decided", "first_ms", "last_ms", "queue", "resolved")

    def __init__(self, queue: str, channel: str, first_ms: int, last_ms: int,
                 resolved: bool, decided: bool = False) -> None:
        self.queue = queue
        self.channel = channel
        self.first_ms = first_ms
        self.last_ms = last_ms
        self.resolved = resolved  # the first contact ended resolved
        self.decided = decided


class Customer:
    __slots__ = ("event_ids", "matters", "stored", "touched_ms")

    def __init__(self, touched_ms: int, matters: dict[str, Episode] | None = None,
                 event_ids: list[str] | None = None) -> None:
        self.matters = matters if matters is not None else {}
        self.touched_ms = touched_ms
        self.event_ids = event_ids if event_ids is not None else []
        self.stored = False

    def to_list(self) -> list[Any]:
        return [[[m, e.queue, e.channel, e.first_ms, e.last_ms, e.resolved, e.decided]
                 for m, e in self.matters.items()], self.touched_ms, self.event_ids]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Customer:
        matters, touched_ms, ids = raw
        episodes = {str(m): Episode(str(q), str(c), int(first), int(last), bool(res), bool(dec))
                    for m, q, c, first, last, res, dec in matters}
        return cls(int(touched_ms), episodes, [str(i) for i in ids])


class CustomerTracker:
    def __init__(self, ctx: Context, window_ms: int, max_customers: int) -> None:
        self.ctx = ctx
        self.window_ms = window_ms
        self.max_customers = max_customers
        self.customers: dict[str, Customer] = {}  # in the order last touched
        self.due: list[tuple[int, str, str, int]] = []  # (decision ms, customer, matter, first)
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()

    def apply(self, event: OutcomeEvent) -> str:
        cid = event.customer_id
        customer = self.customers.get(cid)
        if customer is not None and event.event_id in customer.event_ids:
            return DUPLICATE
        queue = self.ctx.queues.queue(event.queue)
        if queue is None:
            return "queue_not_allowed"
        if customer is None:
            if len(self.customers) >= self.max_customers:
                return "entity_limit"
            customer = Customer(event.ts_ms)
        ts = event.ts_ms
        episode = customer.matters.get(event.matter)
        repeat = episode is not None and ts - episode.last_ms <= self.window_ms
        if not repeat and episode is None and len(customer.matters) >= MAX_MATTERS:
            self._prune(customer, ts)
            if len(customer.matters) >= MAX_MATTERS:
                return "entity_limit"
        fields = [f.CONTACTS]
        if event.kind != SELF_SERVED:
            fields.append(f.AGENT_CONTACTS)
        if event.kind != UNRESOLVED:
            fields.append(f.RESOLVED)
        if event.kind == SELF_SERVED:
            fields.append(f.SELF_SERVED)
        if episode is not None and repeat:
            fields.append(f.REPEATS)
            if not episode.decided:
                self._decide(episode, ts, False)
            episode.last_ms = max(episode.last_ms, ts)
        else:
            if episode is not None and not episode.decided:  # its window ended unseen
                self._decide(episode, episode.first_ms + self.window_ms, episode.resolved)
            customer.matters[event.matter] = Episode(queue, event.channel, ts, ts,
                                                     event.kind != UNRESOLVED)
            heapq.heappush(self.due, (ts + self.window_ms, cid, event.matter, ts))
            fields.append(f.FIRST_CONTACTS)
        self._credit(queue, event.channel, ts, fields)
        self._remember(cid, customer, event)
        return APPLIED

    def _decide(self, episode: Episode, at_ms: int, resolved_first: bool) -> None:
        episode.decided = True
        fields = [f.DECIDED, f.FCR] if resolved_first else [f.DECIDED]
        self._credit(episode.queue, episode.channel, at_ms, fields)

    def _credit(self, queue: str, channel: str, ts_ms: int, fields: list[int]) -> None:
        values = self.ctx.windows.slot(canonical((f.OUTCOME.name, queue, channel)), ts_ms)
        for field in fields:
            values[field] += 1

    def _prune(self, customer: Customer, now_ms: int) -> None:
        """Forget the customer's decided matters whose window has passed."""
        for matter in [m for m, e in customer.matters.items()
                       if e.decided and e.last_ms + self.window_ms < now_ms]:
            del customer.matters[matter]

    def _remember(self, cid: str, customer: Customer, event: OutcomeEvent) -> None:
        self.customers.pop(cid, None)
        self.customers[cid] = customer  # last touched: last in order
        customer.touched_ms = max(customer.touched_ms, event.ts_ms)
        customer.event_ids.append(event.event_id)
        if len(customer.event_ids) > KEPT_EVENT_IDS:
            del customer.event_ids[0]
        self.dirty.add(cid)

    def advance(self, now_ms: int) -> None:
        """Decide first contacts whose window ended before ``now_ms``; forget customers
        with no contact within the window."""
        due = self.due
        while due and due[0][0] < now_ms:
            at_ms, cid, matter, first_ms = heapq.heappop(due)
            customer = self.customers.get(cid)
            episode = None if customer is None else customer.matters.get(matter)
            if episode is not None and episode.first_ms == first_ms and not episode.decided:
                self._decide(episode, at_ms, episode.resolved)
                self.dirty.add(cid)
        cutoff = now_ms - self.window_ms
        gone = []
        for cid, customer in self.customers.items():
            if customer.touched_ms >= cutoff:
                break
            gone.append(cid)
        for cid in gone:
            customer = self.customers.pop(cid)
            self.dirty.discard(cid)
            if customer.stored:
                self.dropped.add(cid)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        name = f.CUSTOMER_RECORDS.name
        out: dict[RecordKey, list[Any] | None] = {(name, cid): None for cid in self.dropped}
        for cid in self.dirty:
            customer = self.customers.get(cid)
            if customer is not None:
                customer.stored = True
                out[(name, cid)] = customer.to_list()
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        loaded = sorted(((cid, Customer.from_list(raw)) for cid, raw
                         in records.get(f.CUSTOMER_RECORDS.name, {}).items()),
                        key=lambda item: item[1].touched_ms)
        for cid, customer in loaded:
            customer.stored = True
            self.customers[cid] = customer
            for matter, episode in customer.matters.items():
                if not episode.decided:
                    heapq.heappush(self.due, (episode.first_ms + self.window_ms, cid, matter,
                                              episode.first_ms))
