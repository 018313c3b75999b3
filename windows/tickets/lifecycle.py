"""Tickets from creation to their final resolution: reply, resolution and wait times in
calendar and business time, the live backlog and the SLA targets.

Rules (the README's "Tickets" section says the same):

- the *first-reply clock* starts at creation, or, for a ticket an agent opened
  (``opened_by: agent``), at the customer's first public reply; the first public agent
  reply after it stops it and is the *first reply*;
- after the first reply, a *run* is the customer's public replies not yet answered: it
  starts at the first of them and the next public agent reply ends it (*next reply*);
- bot replies and internal notes never answer anything; they are counted;
- a solve stops both (a ticket solved without a reply has no reply time);
- *requester wait* is time in ``new``, ``open`` and ``on_hold``, *agent wait* time in
  ``pending``, *on hold* time in ``on_hold``; each solve credits the time since the
  last one, so a reopened ticket's waits add up over its life;
- *first resolution* is created -> first solve, credited then; a ticket is *final* when
  it is closed, or solved and not reopened within the reopen window; then its *full
  resolution* (created -> last solve) and whether it was *one-touch* (at most one
  public agent reply, never reopened) are credited.

Every measure is credited when it ends, to the ticket's queue, channel and priority at
that moment, in calendar time and in business time (the queue's calendar).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.business import BusinessCalendar
from ccpulse.windows.config import Limits
from ccpulse.windows.domain import Context, LiveKey, RecordKey
from ccpulse.windows.families import canonical
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.outcome import APPLIED, DUPLICATE
from ccpulse.windows.tickets import family as f
from ccpulse.windows.tickets import sla
from ccpulse.windows.tickets.backlog import Backlog
from ccpulse.windows.tickets.config import TicketConfig
from ccpulse.windows.tickets.event import (
    AGENT,
    ASSIGNED,
    BOT,
    CATEGORY_CHANGED,
    CLOSED,
    CREATED,
    CUSTOMER,
    NEW,
    ON_HOLD,
    OPEN,
    PENDING,
    PRIORITY_CHANGED,
    REOPENED,
    REPLIED,
    SOLVED,
    TicketEvent,
)

NONE: Final = -1
KEPT_EVENT_IDS: Final = 16
OPEN_STATUSES: Final = frozenset({NEW, OPEN, PENDING, ON_HOLD})
# which targets run in which statuses (first and next reply run whatever the status)
RUNS_IN: Final = {sla.REQUESTER_WAIT: frozenset({NEW, OPEN, ON_HOLD}),
                  sla.RESOLUTION: frozenset({NEW, OPEN})}
BACKLOG: Final = "backlog"  # live prefixes
SLA: Final = "sla"
# the spells a solve credits, as (calendar field, business field): requester wait, agent
# wait, on hold; ``Ticket.spells`` holds them in that order, two values each
SPELLS: Final = ((f.REQUESTER_WAIT_MS, f.REQUESTER_WAIT_BMS), (f.AGENT_WAIT_MS, f.AGENT_WAIT_BMS),
                 (f.ON_HOLD_MS, f.ON_HOLD_BMS))
REQUESTER, AGENT_WAIT, HOLD = 0, 1, 2


class Ticket:
    __slots__ = (
        "agent_replies",
        "category",
        "channel",
        "clock_ms",
        "created_ms",
        "event_ids",
        "final",
        "first_solved_ms",
        "last_solved_ms",
        "priority",
        "queue",
        "reopened",
        "replied",
        "run_ms",
        "spells",
        "status",
        "status_ms",
        "stored",
        "targets",
        "touched_ms",
    )

    def __init__(self, queue: str, channel: str, priority: str, category: str,
                 created_ms: int) -> None:
        self.queue = queue
        self.channel = channel
        self.priority = priority
        self.category = category
        self.created_ms = created_ms
        self.status = NEW
        self.status_ms = created_ms
        self.clock_ms = NONE  # the first-reply clock's start (NONE: not running)
        self.run_ms = NONE  # the start of the customer's unanswered run
        self.replied = False  # its first reply given
        self.agent_replies = 0
        self.reopened = False
        self.first_solved_ms = NONE
        self.last_solved_ms = NONE
        self.spells = [0] * 6  # requester, agent wait, on hold: calendar, business ms
        self.final = False
        self.touched_ms = created_ms
        self.event_ids: list[str] = []
        self.targets: dict[str, sla.Target] = {}
        self.stored = False

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES and not self.final

    def to_list(self) -> list[Any]:
        return [self.queue, self.channel, self.priority, self.category, self.created_ms,
                self.status, self.status_ms, self.clock_ms, self.run_ms, self.replied,
                self.agent_replies, self.reopened, self.first_solved_ms, self.last_solved_ms,
                [*self.spells, int(self.final)], self.touched_ms, self.event_ids,
                {name: t.to_list() for name, t in self.targets.items()}]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Ticket:
        ticket = cls(str(raw[0]), str(raw[1]), str(raw[2]), str(raw[3]), int(raw[4]))
        ticket.status, ticket.status_ms = str(raw[5]), int(raw[6])
        ticket.clock_ms, ticket.run_ms = int(raw[7]), int(raw[8])
        ticket.replied, ticket.agent_replies = bool(raw[9]), int(raw[10])
        ticket.reopened = bool(raw[11])
        ticket.first_solved_ms, ticket.last_solved_ms = int(raw[12]), int(raw[13])
        *spells, final = (int(v) for v in raw[14])
        ticket.spells, ticket.final = spells, bool(final)
        ticket.touched_ms = int(raw[15])
        ticket.event_ids = [str(i) for i in raw[16]]
        ticket.targets = {str(name): sla.Target.from_list(t) for name, t in raw[17].items()}
        return ticket


class TicketTracker:
    def __init__(self, ctx: Context, config: TicketConfig,
                 calendars: Mapping[str, BusinessCalendar], limits: Limits) -> None:
        self.ctx = ctx
        self.windows = ctx.windows
        self.histograms = ctx.histograms
        self.config = config
        self.calendars = calendars
        self.max_tickets = config.max_tickets
        self.family = f.ticket_family(config.days).name
        self.categories = LabelGuard(limits, "categories", config.max_categories)
        self.tickets: dict[str, Ticket] = {}
        # ticket ids in the order of the instant each stage's retention counts from
        self._open: dict[str, int] = {}  # last touched
        self._solved: dict[str, int] = {}  # last solved
        self._final: dict[str, int] = {}  # made final
        self.backlog = Backlog(config.bands_ms, self.calendar_of)
        self.due = sla.DueIndex()
        self._sla_live: dict[tuple[str, str, str], list[int]] = {}  # -> [at risk, breached]
        self._sla_dirty: set[tuple[str, str, str]] = set()
        self.dirty: set[str] = set()
        self.dropped: set[str] = set()

    # -- clocks ---------------------------------------------------------------------------
    def calendar_of(self, queue: str) -> BusinessCalendar | None:
        name = self.config.queue_calendars.get(queue, "site")
        return self.calendars.get(name)

    def business_ms(self, queue: str, start_ms: int, end_ms: int) -> int:
        """Open time of the queue's calendar in [start, end); all of it without one."""
        return sla.elapsed_ms(self.calendar_of(queue), start_ms, end_ms)

    # -- applying ---------------------------------------------------------------------------
    def apply(self, event: TicketEvent) -> str:
        tid = event.ticket_id
        ticket = self.tickets.get(tid)
        if ticket is not None and event.event_id in ticket.event_ids:
            return DUPLICATE
        if event.kind == CREATED:
            if ticket is not None:
                return "ticket_exists"
            return self._create(event)
        if ticket is None:
            return "not_created"
        window = self.config.reopen_window_ms
        if ticket.status == SOLVED and not ticket.final \
                and event.ts_ms >= ticket.last_solved_ms + window:
            # final already, whether or not time moved since (the same in every replay)
            self._unlist(tid, ticket)
            self._finalize(tid, ticket, ticket.last_solved_ms + window)
            self._list(tid, ticket)
        if ticket.final:
            self._remember(tid, ticket, event)
            return APPLIED  # after its final resolution, a ticket's events change nothing
        self._unlist(tid, ticket)
        outcome = self._change(tid, ticket, event)
        if not ticket.final:
            self._run_targets(tid, ticket, event.ts_ms)
        self._remember(tid, ticket, event)
        self._list(tid, ticket)
        return outcome

    def _create(self, event: TicketEvent) -> str:
        if len(self.tickets) >= self.max_tickets:
            return "entity_limit"
        queue = self.ctx.queues.queue(event.queue or "")
        if queue is None:
            return "queue_not_allowed"
        category = self.categories.queue(event.category or "none") or "other"
        ts = event.ts_ms
        ticket = Ticket(queue, event.channel, event.priority or "normal", category, ts)
        tid = event.ticket_id
        self.tickets[tid] = ticket
        self._values(ticket, ts)[f.CREATED] += 1
        self._category(ticket, ts)[f.CATEGORY_CREATED] += 1
        if not event.opened_by_agent:
            ticket.clock_ms = ts
        self._set_targets(ticket)
        self._run_targets(tid, ticket, ts)
        self._remember(tid, ticket, event)
        self._list(tid, ticket)
        return APPLIED

    def _change(self, tid: str, ticket: Ticket, event: TicketEvent) -> str:
        kind, ts = event.kind, event.ts_ms
        if kind == REPLIED:
            self._reply(tid, ticket, event)
        elif kind == REOPENED:
            self._status(tid, ticket, OPEN if ticket.status in (SOLVED, CLOSED) else
                         ticket.status, ts)
        elif kind == ASSIGNED:
            if event.queue:
                queue = self.ctx.queues.queue(event.queue)
                if queue is None:
                    return "queue_not_allowed"
                self._pause_all(ticket, ts)  # the new queue's policy and calendar from now
                ticket.queue = queue
                self._set_targets(ticket)
        elif kind == PRIORITY_CHANGED:
            self._pause_all(ticket, ts)
            ticket.priority = event.priority or ticket.priority
            self._set_targets(ticket)
        elif kind == CATEGORY_CHANGED:
            ticket.category = self.categories.queue(event.category or "none") or "other"
        else:
            self._status(tid, ticket, event.status, ts)
        return APPLIED

    def _reply(self, tid: str, ticket: Ticket, event: TicketEvent) -> None:
        ts = event.ts_ms
        values = self._values(ticket, ts)
        if not event.public:
            values[f.INTERNAL_NOTES] += 1
            return
        if event.author == BOT:
            values[f.BOT_REPLIES] += 1
        elif event.author == CUSTOMER:
            values[f.CUSTOMER_REPLIES] += 1
            if ticket.status in (SOLVED, CLOSED):
                return  # answered when (if) the ticket reopens
            if not ticket.replied:
                if ticket.clock_ms == NONE:  # a ticket an agent opened: the clock starts
                    ticket.clock_ms = ts
            elif ticket.run_ms == NONE:
                ticket.run_ms = ts
                target = ticket.targets.get(sla.NEXT_REPLY)
                if target is not None:  # each run has a budget of its own
                    target.used_ms, target.stage = 0, sla.IDLE
        elif event.author == AGENT:
            values[f.AGENT_REPLIES] += 1
            ticket.agent_replies += 1
            if ticket.status in (SOLVED, CLOSED):
                return
            if not ticket.replied:
                if ticket.clock_ms != NONE:
                    self._credit_reply(ticket, values, f.FIRST_REPLY, ticket.clock_ms, ts)
                    ticket.replied = True
                    ticket.clock_ms = ticket.run_ms = NONE
                    self._stop(ticket, sla.FIRST_REPLY, ts)
            elif ticket.run_ms != NONE:
                self._credit_reply(ticket, values, f.NEXT_REPLY, ticket.run_ms, ts)
                ticket.run_ms = NONE
                self._stop(ticket, sla.NEXT_REPLY, ts)

    def _credit_reply(self, ticket: Ticket, values: list[int], histogram: str, start_ms: int,
                      ts: int) -> None:
        first = histogram == f.FIRST_REPLY
        calendar_ms = max(0, ts - start_ms)
        business = self.business_ms(ticket.queue, start_ms, ts)
        values[f.FIRST_REPLIES if first else f.NEXT_REPLIES] += 1
        values[f.FIRST_REPLY_MS if first else f.NEXT_REPLY_MS] += calendar_ms
        values[f.FIRST_REPLY_BMS if first else f.NEXT_REPLY_BMS] += business
        self._observe(ticket, histogram, calendar_ms, business)

    def _observe(self, ticket: Ticket, histogram: str, calendar_ms: int, business: int) -> None:
        key = (histogram, ticket.queue, ticket.channel, ticket.priority)
        self.histograms.observe(canonical((*key, f.CALENDAR)), calendar_ms)
        self.histograms.observe(canonical((*key, f.BUSINESS)), business)

    def _status(self, tid: str, ticket: Ticket, status: str, ts: int) -> None:
        """A new status: the spell of the old one ends; a solve or reopen is counted."""
        old = ticket.status
        if status == old:
            return
        self._close_spell(ticket, ts)
        ticket.status, ticket.status_ms = status, max(ts, ticket.status_ms)
        if old in (SOLVED, CLOSED) and status in OPEN_STATUSES:
            ticket.reopened = True
            self._values(ticket, ts)[f.REOPENED] += 1
            self._solved.pop(tid, None)
        if status in (SOLVED, CLOSED) and old not in (SOLVED, CLOSED):
            self._solve(tid, ticket, ts)
        if status == CLOSED:
            self._finalize(tid, ticket, ts)

    def _close_spell(self, ticket: Ticket, ts: int) -> None:
        """Time in the status being left, added to the spells a solve will credit."""
        start = ticket.status_ms
        if ts <= start or ticket.status not in OPEN_STATUSES:
            return
        calendar_ms = ts - start
        business = self.business_ms(ticket.queue, start, ts)
        spells = ticket.spells
        status = ticket.status
        waits = [REQUESTER] if status in (NEW, OPEN) else \
            [REQUESTER, HOLD] if status == ON_HOLD else [AGENT_WAIT]
        for which in waits:
            spells[2 * which] += calendar_ms
            spells[2 * which + 1] += business

    def _solve(self, tid: str, ticket: Ticket, ts: int) -> None:
        values = self._values(ticket, ts)
        values[f.SOLVED] += 1
        self._category(ticket, ts)[f.CATEGORY_SOLVED] += 1
        if ticket.first_solved_ms == NONE:
            ticket.first_solved_ms = ts
            values[f.FIRST_RESOLUTIONS] += 1
            values[f.FIRST_RESOLUTION_MS] += max(0, ts - ticket.created_ms)
            values[f.FIRST_RESOLUTION_BMS] += self.business_ms(ticket.queue, ticket.created_ms,
                                                               ts)
        ticket.last_solved_ms = ts
        for i, (calendar_field, business_field) in enumerate(SPELLS):
            values[calendar_field] += ticket.spells[2 * i]
            values[business_field] += ticket.spells[2 * i + 1]
        ticket.spells = [0] * 6
        ticket.clock_ms = ticket.run_ms = NONE
        self._pause_all(ticket, ts)  # the reply targets end unmet; the others may resume
        self._solved[tid] = ts

    def _finalize(self, tid: str, ticket: Ticket, at_ms: int) -> None:
        """Resolved for good: full resolution and one-touch are credited at ``at_ms``."""
        ticket.final = True
        values = self._values(ticket, at_ms)
        values[f.FINALS] += 1
        solved = ticket.last_solved_ms if ticket.last_solved_ms != NONE else at_ms
        full = max(0, solved - ticket.created_ms)
        business = self.business_ms(ticket.queue, ticket.created_ms, solved)
        values[f.FULL_RESOLUTION_MS] += full
        values[f.FULL_RESOLUTION_BMS] += business
        self._observe(ticket, f.RESOLUTION, full, business)
        if ticket.agent_replies <= 1 and not ticket.reopened:
            values[f.ONE_TOUCH] += 1
        self._pause_all(ticket, at_ms)
        for name in (sla.REQUESTER_WAIT, sla.RESOLUTION):  # met for good, unless breached
            target = ticket.targets.get(name)
            if target is not None and sla.RUNNING <= target.stage < sla.BREACHED:
                self._sla_values(ticket, name, at_ms)[f.SLA_MET] += 1
        self._solved.pop(tid, None)
        self._open.pop(tid, None)
        self._final[tid] = at_ms
        self.dirty.add(tid)

    # -- SLA targets --------------------------------------------------------------------------
    def _set_targets(self, ticket: Ticket) -> None:
        """Budgets from the policy of the ticket's queue and priority (kept: time used)."""
        policy = self.config.sla.for_ticket(ticket.queue, ticket.priority)
        targets = policy.targets if policy is not None else {}
        for name in list(ticket.targets):
            if name not in targets:
                self.due.cancel(ticket.targets.pop(name))
        for name, budget in targets.items():
            target = ticket.targets.get(name)
            if target is None:
                ticket.targets[name] = sla.Target(budget)
            else:  # a breach stays a breach; the risk is judged again
                target.budget_ms = budget
                if target.stage == sla.AT_RISK:
                    target.stage = sla.RUNNING

    def _policy_clock(self, ticket: Ticket) -> tuple[BusinessCalendar | None, int]:
        policy = self.config.sla.for_ticket(ticket.queue, ticket.priority)
        if policy is None:
            return None, 0
        return (self.calendar_of(ticket.queue) if policy.business else None), policy.lead_ms

    def _run_targets(self, tid: str, ticket: Ticket, ts: int) -> None:
        """Start or pause every target for the ticket as it is now: reply targets run
        while their clock or run does, the others in the statuses of ``RUNS_IN``. A
        target that runs on keeps its place in the index (a change of budget pauses it
        first, and it is placed again as it resumes)."""
        for name, target in ticket.targets.items():
            runs_in = RUNS_IN.get(name)
            if runs_in is None:
                start = ticket.clock_ms if name == sla.FIRST_REPLY else ticket.run_ms
                running = start != NONE
            else:
                start = ts
                running = ticket.status in runs_in
            if running:
                if target.since_ms == NONE:  # new: from its start; resumed: from now
                    fresh = target.stage == sla.IDLE and target.used_ms == 0
                    target.since_ms = start if fresh else ts
                if target.stage == sla.IDLE:
                    target.stage = sla.RUNNING
                if not target.scheduled:
                    self._schedule(tid, ticket, name, target)
            elif target.since_ms != NONE:
                self._pause(ticket, name, target, ts)

    def _schedule(self, tid: str, ticket: Ticket, name: str, target: sla.Target) -> None:
        calendar, lead = self._policy_clock(ticket)
        self.due.schedule(tid, name, target, calendar, lead)

    def _pause(self, ticket: Ticket, name: str, target: sla.Target, ts: int) -> None:
        """Stop the clock of a running target at ``ts``; past its budget by then, it is
        breached (at the instant it went past), whether or not time moved since."""
        calendar, _ = self._policy_clock(ticket)
        used = target.used_ms + sla.elapsed_ms(calendar, target.since_ms, ts)
        if used > target.budget_ms and target.stage < sla.BREACHED:
            target.stage = sla.BREACHED
            at = min(sla.due_ms(target, calendar, 1), ts)
            self._sla_values(ticket, name, at)[f.SLA_BREACHED] += 1
        elif target.stage == sla.AT_RISK:
            target.stage = sla.RUNNING  # judged again when it runs again
        target.used_ms = used
        target.since_ms = NONE
        self.due.cancel(target)

    def _pause_all(self, ticket: Ticket, ts: int) -> None:
        for name, target in ticket.targets.items():
            if target.since_ms != NONE:
                self._pause(ticket, name, target, ts)

    def _stop(self, ticket: Ticket, name: str, ts: int) -> None:
        """A reply target reached: met unless already breached."""
        target = ticket.targets.get(name)
        if target is None or target.since_ms == NONE:
            return
        self._pause(ticket, name, target, ts)
        if target.stage != sla.BREACHED:
            self._sla_values(ticket, name, ts)[f.SLA_MET] += 1

    def _due(self, now_ms: int) -> None:
        """Targets whose risk or breach instant has come."""
        for at, stage, tid, name, generation in self.due.due(now_ms):
            ticket = self.tickets.get(tid)
            target = ticket.targets.get(name) if ticket is not None else None
            if ticket is None or target is None or target.generation != generation \
                    or target.stage >= stage:
                continue
            self._count_sla(ticket, -1)  # only the SLA counts change, not the backlog
            target.stage = stage
            if stage == sla.BREACHED:
                self._sla_values(ticket, name, at)[f.SLA_BREACHED] += 1
            self._count_sla(ticket, 1)
            self.dirty.add(tid)

    # -- credits ------------------------------------------------------------------------------
    def _values(self, ticket: Ticket, ts_ms: int) -> list[int]:
        return self.windows.slot(
            canonical((self.family, ticket.queue, ticket.channel, ticket.priority)), ts_ms)

    def _category(self, ticket: Ticket, ts_ms: int) -> list[int]:
        return self.windows.slot(canonical((f.CATEGORY_FAMILY, ticket.queue, ticket.category)),
                                 ts_ms)

    def _sla_values(self, ticket: Ticket, target: str, ts_ms: int) -> list[int]:
        return self.windows.slot(
            canonical((f.SLA_FAMILY, ticket.queue, ticket.priority, target)), ts_ms)

    # -- live entries -------------------------------------------------------------------------
    def _unlist(self, tid: str, ticket: Ticket) -> None:
        if ticket.open:
            self.backlog.remove((ticket.queue, ticket.status, ticket.priority),
                                ticket.created_ms)
        self._count_sla(ticket, -1)

    def _list(self, tid: str, ticket: Ticket) -> None:
        if ticket.open:
            self.backlog.add((ticket.queue, ticket.status, ticket.priority), ticket.created_ms)
        self._count_sla(ticket, 1)

    def _count_sla(self, ticket: Ticket, sign: int) -> None:
        for name, target in ticket.targets.items():
            if target.since_ms == NONE or target.stage < sla.AT_RISK or ticket.final:
                continue
            key = (ticket.queue, ticket.priority, name)
            counts = self._sla_live.setdefault(key, [0, 0])
            counts[target.stage - sla.AT_RISK] += sign
            self._sla_dirty.add(key)

    def live_changes(self) -> dict[LiveKey, Any]:
        out: dict[LiveKey, Any] = {(BACKLOG, *key): entry for key, entry
                                   in self.backlog.entries(self.backlog.dirty).items()}
        self.backlog.dirty = set()
        for key in self._sla_dirty:
            counts = self._sla_live.get(key)
            if counts is not None and not any(counts):
                del self._sla_live[key]
                counts = None
            out[(SLA, *key)] = counts
        self._sla_dirty = set()
        return out

    def live_all(self) -> dict[LiveKey, Any]:
        self.backlog.dirty = set()
        self._sla_dirty = set()
        out: dict[LiveKey, Any] = {(BACKLOG, *key): entry for key, entry
                                   in self.backlog.entries(list(self.backlog.created)).items()}
        out.update({(SLA, *key): counts for key, counts in self._sla_live.items()
                    if any(counts)})
        return out

    # -- time and persistence -------------------------------------------------------------
    def _remember(self, tid: str, ticket: Ticket, event: TicketEvent) -> None:
        if event.ts_ms > ticket.touched_ms:
            ticket.touched_ms = event.ts_ms
        ids = ticket.event_ids
        ids.append(event.event_id)
        if len(ids) > KEPT_EVENT_IDS:
            del ids[0]
        if not ticket.final:
            self._open.pop(tid, None)
            self._open[tid] = ticket.touched_ms
        self.dirty.add(tid)

    def advance(self, now_ms: int) -> None:
        """Risks and breaches whose time came; solved tickets not reopened within the
        reopen window become final; final ones are forgotten after a day, open ones
        untouched for ``max_open_ms`` too (counted as ``expired_tickets``)."""
        self.backlog.advance(now_ms)
        self._due(now_ms)
        window = self.config.reopen_window_ms
        for tid, solved_ms in list(self._solved.items()):
            if solved_ms + window > now_ms:
                break
            ticket = self.tickets[tid]
            self._unlist(tid, ticket)
            self._finalize(tid, ticket, solved_ms + window)
            self._list(tid, ticket)
        for order, keep_ms, expired in ((self._final, self.config.forget_final_ms, False),
                                        (self._open, self.config.max_open_ms, True)):
            gone = []
            for tid, since_ms in order.items():
                if since_ms + keep_ms > now_ms:
                    break
                gone.append(tid)
            for tid in gone:
                self._forget(tid, expired)

    def _forget(self, tid: str, expired: bool) -> None:
        ticket = self.tickets.pop(tid)
        self._unlist(tid, ticket)
        for target in ticket.targets.values():
            self.due.cancel(target)
        for order in (self._open, self._solved, self._final):
            order.pop(tid, None)
        if expired:
            self.ctx.count("expired_tickets")
        self.dirty.discard(tid)
        if ticket.stored:
            self.dropped.add(tid)

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        name = f.TICKET_RECORDS.name
        out: dict[RecordKey, list[Any] | None] = {(name, tid): None for tid in self.dropped}
        for tid in self.dirty:
            ticket = self.tickets.get(tid)
            if ticket is not None:
                ticket.stored = True
                out[(name, tid)] = ticket.to_list()
        out.update(self.categories.record_changes())
        self.dirty.clear()
        self.dropped.clear()
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        self.categories.restore(records)
        loaded = sorted(((tid, Ticket.from_list(raw)) for tid, raw
                         in records.get(f.TICKET_RECORDS.name, {}).items()),
                        key=lambda item: item[1].touched_ms)
        for tid, ticket in loaded:
            ticket.stored = True
            self.tickets[tid] = ticket
            if ticket.final:
                self._final[tid] = ticket.touched_ms
                continue
            self._open[tid] = ticket.touched_ms
            for name, target in ticket.targets.items():
                if target.since_ms != NONE:
                    self._schedule(tid, ticket, name, target)
            self._list(tid, ticket)
        for tid, ticket in sorted(((tid, t) for tid, t in self.tickets.items()
                                   if t.status == SOLVED and not t.final),
                                  key=lambda item: item[1].last_solved_ms):
            self._solved[tid] = ticket.last_solved_ms
        self.backlog.dirty = set()
        self._sla_dirty = set()
