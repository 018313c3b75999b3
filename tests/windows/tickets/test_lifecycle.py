"""Ticket figures against a brute-force reading of the README's rules, on random ticket
histories: replies by customers, agents and bots, internal notes, pending and on-hold
spells, solves, reopens, closes, priority changes; in calendar and business time (London
hours across the spring DST change, and a holiday), with SLA targets on both clocks.
Every duration of the reference is counted minute by minute with its own opening-hours
test, and the SLA budgets are spent minute by minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.business import BusinessCalendar
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import PartitionState, StoredPartition
from ccpulse.windows.registry import build_registry
from ccpulse.windows.tickets import family as f
from ccpulse.windows.tickets.config import TicketConfig
from ccpulse.windows.tickets.lifecycle import BACKLOG, SLA
from ccpulse.windows.tickets.sla import ANY, TARGETS, SlaBook, SlaPolicy

MIN = 60_000
T0 = 1_711_324_800_000  # Monday 2024-03-25 00:00 in London; clocks go forward on the 31st
ZONE = ZoneInfo("Europe/London")
HOLIDAY = date(2024, 3, 29)  # Good Friday
CALENDAR = BusinessCalendar.from_hours("site", "Europe/London", dict.fromkeys(
    ("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-17:00"),
    [HOLIDAY.isoformat()])
WINDOW_MS = 2 * 24 * 60 * MIN  # the reopen window
LEAD_MS = 30 * MIN
POLICIES = {  # (queue, priority) -> (targets in minutes, business clock)
    (ANY, ANY): ({"first_reply": 120, "next_reply": 60, "requester_wait": 240,
                  "resolution": 480}, True),
    ("sales", "urgent"): ({"first_reply": 30, "next_reply": 20, "requester_wait": 90,
                           "resolution": 120}, False),
}
BOOK = SlaBook({key: SlaPolicy({name: m * MIN for name, m in targets.items()}, business,
                               LEAD_MS) for key, (targets, business) in POLICIES.items()})
CONFIG = TicketConfig(sla=BOOK, reopen_window_ms=WINDOW_MS, forget_final_ms=60 * 24 * 60 * MIN)
REGISTRY = build_registry(EngineConfig(calendars={"site": CALENDAR}, tickets=CONFIG,
                                       derive_agent_activity=False))
OPEN_STATUSES = ("new", "open", "pending", "on_hold")
BANDS = CONFIG.bands_ms


def is_open(minute_ms: int) -> bool:
    """The test's own reading of the opening hours (Monday to Friday 9-17, London time)."""
    moment = datetime.fromtimestamp(minute_ms / 1000, ZONE)
    return moment.weekday() < 5 and 9 <= moment.hour < 17 and moment.date() != HOLIDAY


def minutes(start: int, end: int) -> range:
    return range(start, end, MIN)


def business(start: int, end: int) -> int:
    return sum(MIN for m in minutes(start, end) if is_open(m))


# -- random histories --------------------------------------------------------------------------
STEP = st.one_of(
    st.builds(lambda author, internal: {"type": "ticket.replied", "author": author,
                                        "visibility": "internal" if internal else "public"},
              st.sampled_from(["customer", "customer", "agent", "agent", "bot"]),
              st.sampled_from([False, False, False, True])),
    st.builds(lambda status: {"type": "ticket.status_changed", "status": status},
              st.sampled_from(["open", "pending", "pending", "on_hold", "solved", "solved",
                               "new", "closed"])),
    st.just({"type": "ticket.reopened"}),
    st.builds(lambda priority: {"type": "ticket.priority_changed", "priority": priority},
              st.sampled_from(["normal", "urgent"])),
)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs = []
    for n in range(draw(st.integers(1, 4))):
        ts = T0 + draw(st.integers(0, 5 * 24 * 60)) * MIN
        docs.append({"type": "ticket.created", "ts": ts,
                     "queue": draw(st.sampled_from(["sales", "support"])),
                     "priority": draw(st.sampled_from(["normal", "urgent"])),
                     "opened_by": draw(st.sampled_from(["customer"] * 4 + ["agent"])),
                     "category": draw(st.sampled_from(["refund", "login"])),
                     "event_id": f"t{n}-0", "ticket_id": f"t{n}"})
        for i, step in enumerate(draw(st.lists(STEP, max_size=12)), start=1):
            ts += draw(st.sampled_from([0, 1, 5, 30, 90, 240, 600, 1500, 3000])) * MIN
            docs.append({**step, "ts": ts, "event_id": f"t{n}-{i}", "ticket_id": f"t{n}",
                         "agent_id": "ann" if step.get("author") == "agent" else None})
    return sorted(docs, key=lambda d: d["ts"])  # stable: one ticket keeps its order


# -- the reference -----------------------------------------------------------------------------
@dataclass
class Budget:
    """One SLA target of one ticket, spent minute by minute."""

    used: int = 0  # ms, in the clock of the policy of each minute
    running: bool = False
    started: bool = False
    breached: bool = False


@dataclass
class Expected:
    totals: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    sla: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # met, breached
    backlog: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    live_sla: dict[tuple[str, ...], list[int]] = field(default_factory=dict)

    def vec(self, key: tuple[str, ...]) -> list[int]:
        return self.totals.setdefault(key, [0] * len(f.TICKET_FIELDS))

    def sla_vec(self, key: tuple[str, ...]) -> list[int]:
        return self.sla.setdefault(key, [0, 0])


def policy_of(queue: str, priority: str) -> tuple[dict[str, int], bool]:
    return POLICIES.get((queue, priority), POLICIES[(ANY, ANY)])


class Reference:
    """One ticket, event by event, as the README says; time in whole minutes."""

    def __init__(self, doc: dict[str, Any], out: Expected) -> None:
        self.out = out
        self.queue, self.priority = doc["queue"], doc["priority"]
        self.created = self.now = doc["ts"]
        self.status = "new"
        self.clock: int | None = None if doc["opened_by"] == "agent" else doc["ts"]
        self.run: int | None = None
        self.replied = False
        self.agent_replies = 0
        self.reopened = False
        self.first_solved: int | None = None
        self.last_solved: int | None = None
        self.final = False
        self.spell_start = doc["ts"]
        self.spells = [0] * 6
        self.budgets = {name: Budget() for name in TARGETS}
        self.vec()[f.CREATED] += 1
        self.run_budgets()

    def vec(self) -> list[int]:
        return self.out.vec((self.queue, "email", self.priority))

    def sla(self, name: str) -> list[int]:
        return self.out.sla_vec((self.queue, self.priority, name))

    # time passing, minute by minute
    def pass_to(self, ts: int) -> None:
        targets, on_business = policy_of(self.queue, self.priority)
        for m in minutes(self.now, ts):
            for name, budget in self.budgets.items():
                if budget.running and (not on_business or is_open(m)):
                    budget.used += MIN
                    self.judge(name, budget, targets)
        for name, budget in self.budgets.items():  # over a stricter target at once
            self.judge(name, budget, targets)
        self.now = max(self.now, ts)

    def judge(self, name: str, budget: Budget, targets: dict[str, int]) -> None:
        if budget.running and budget.used > targets[name] * MIN and not budget.breached:
            budget.breached = True
            self.sla(name)[1] += 1

    def run_budgets(self) -> None:
        if self.final:
            for budget in self.budgets.values():
                budget.running = False
            return
        running = {"first_reply": self.clock is not None, "next_reply": self.run is not None,
                   "requester_wait": self.status in ("new", "open", "on_hold"),
                   "resolution": self.status in ("new", "open")}
        for name, budget in self.budgets.items():
            budget.running = running[name]
            budget.started |= running[name]

    def stop_reply(self, name: str, met: bool) -> None:
        budget = self.budgets[name]
        if budget.running and met and not budget.breached:
            self.sla(name)[0] += 1
        budget.running = False

    def spell_to(self, ts: int) -> None:
        if self.status in OPEN_STATUSES and ts > self.spell_start:
            for m in minutes(self.spell_start, ts):
                which = [0] if self.status in ("new", "open") else \
                    [0, 2] if self.status == "on_hold" else [1]
                for w in which:
                    self.spells[2 * w] += MIN
                    self.spells[2 * w + 1] += MIN if is_open(m) else 0
        self.spell_start = ts

    def apply(self, doc: dict[str, Any]) -> None:
        ts = doc["ts"]
        if self.status == "solved" and not self.final and self.last_solved is not None \
                and ts >= self.last_solved + WINDOW_MS:
            self.pass_to(self.last_solved + WINDOW_MS)
            self.finalize(self.last_solved + WINDOW_MS)
        self.pass_to(ts)
        if self.final:
            return
        kind = doc["type"]
        vec = self.vec()
        if kind == "ticket.replied":
            author, public = doc["author"], doc["visibility"] == "public"
            if not public:
                vec[f.INTERNAL_NOTES] += 1
            elif author == "bot":
                vec[f.BOT_REPLIES] += 1
            elif author == "customer":
                vec[f.CUSTOMER_REPLIES] += 1
                if self.status not in ("solved", "closed"):
                    if not self.replied:
                        if self.clock is None:
                            self.clock = ts
                    elif self.run is None:
                        self.run = ts
                        self.budgets["next_reply"] = Budget()  # a budget per run
            else:
                vec[f.AGENT_REPLIES] += 1
                self.agent_replies += 1
                if self.status not in ("solved", "closed"):
                    if not self.replied and self.clock is not None:
                        self.credit_reply(f.FIRST_REPLIES, self.clock, ts)
                        self.replied = True
                        self.clock = self.run = None
                        self.stop_reply("first_reply", met=True)
                    elif self.replied and self.run is not None:
                        self.credit_reply(f.NEXT_REPLIES, self.run, ts)
                        self.run = None
                        self.stop_reply("next_reply", met=True)
        elif kind == "ticket.priority_changed":
            self.priority = doc["priority"]
        elif kind == "ticket.reopened":
            if self.status in ("solved", "closed"):
                self.change_status("open", ts)
        else:
            self.change_status(doc["status"], ts)
        self.run_budgets()

    def credit_reply(self, count: int, start: int, ts: int) -> None:
        vec = self.vec()
        vec[count] += 1
        vec[count + 1] += ts - start
        vec[count + 2] += business(start, ts)

    def change_status(self, status: str, ts: int) -> None:
        if status == self.status:
            return
        self.spell_to(ts)
        old, self.status = self.status, status
        vec = self.vec()
        if old in ("solved", "closed") and status in OPEN_STATUSES:
            self.reopened = True
            vec[f.REOPENED] += 1
        if status in ("solved", "closed") and old not in ("solved", "closed"):
            vec[f.SOLVED] += 1
            if self.first_solved is None:
                self.first_solved = ts
                vec[f.FIRST_RESOLUTIONS] += 1
                vec[f.FIRST_RESOLUTION_MS] += ts - self.created
                vec[f.FIRST_RESOLUTION_BMS] += business(self.created, ts)
            self.last_solved = ts
            for i, index in enumerate((f.REQUESTER_WAIT_MS, f.REQUESTER_WAIT_BMS,
                                       f.AGENT_WAIT_MS, f.AGENT_WAIT_BMS, f.ON_HOLD_MS,
                                       f.ON_HOLD_BMS)):
                vec[index] += self.spells[i]
            self.spells = [0] * 6
            self.clock = self.run = None
            for name in ("first_reply", "next_reply"):
                self.stop_reply(name, met=False)
        if status == "closed":
            self.finalize(ts)

    def finalize(self, at: int) -> None:
        self.final = True
        vec = self.vec()
        vec[f.FINALS] += 1
        solved = self.last_solved if self.last_solved is not None else at
        vec[f.FULL_RESOLUTION_MS] += solved - self.created
        vec[f.FULL_RESOLUTION_BMS] += business(self.created, solved)
        vec[f.ONE_TOUCH] += self.agent_replies <= 1 and not self.reopened
        for name in ("requester_wait", "resolution"):
            budget = self.budgets[name]
            if budget.started and not budget.breached:
                self.sla(name)[0] += 1
        self.run_budgets()

    def end(self, now: int) -> None:
        """Time moves to ``now``: the reopen window, the budgets, the live figures."""
        if self.status == "solved" and not self.final and self.last_solved is not None \
                and now >= self.last_solved + WINDOW_MS:
            self.pass_to(self.last_solved + WINDOW_MS)
            self.finalize(self.last_solved + WINDOW_MS)
        self.pass_to(now)
        if self.final or self.status not in OPEN_STATUSES:
            return
        age, open_age = now - self.created, business(self.created, now)
        entry = self.out.backlog.setdefault((self.queue, self.status, self.priority),
                                            [0] * (2 * len(BANDS) + 1))
        entry[0] += 1
        for i, band in enumerate(BANDS):
            entry[i + 1] += age >= band
            entry[len(BANDS) + i + 1] += open_age >= band
        targets, on_business = policy_of(self.queue, self.priority)
        for name, budget in self.budgets.items():
            if not budget.running:
                continue
            live = self.out.live_sla.setdefault((self.queue, self.priority, name), [0, 0])
            if budget.breached:
                live[1] += 1
                continue
            left = targets[name] * MIN - budget.used  # the instant it runs out: minute walk
            m = now
            while left > 0:
                if not on_business or is_open(m):
                    left -= MIN
                m += MIN
            live[0] += m - LEAD_MS <= now


def reference(docs: list[dict[str, Any]], now: int) -> Expected:
    out = Expected()
    tickets: dict[str, Reference] = {}
    for doc in docs:
        tid = doc["ticket_id"]
        if doc["type"] == "ticket.created":
            tickets[tid] = Reference(doc, out)
        else:
            tickets[tid].apply(doc)
    for ticket in tickets.values():
        ticket.end(now)
    return out


# -- the test ---------------------------------------------------------------------------------
def fold(docs: list[dict[str, Any]], now: int, one_by_one: bool) -> PartitionState:
    state = PartitionState(REGISTRY, T0)
    events = [REGISTRY.decode({k: v for k, v in doc.items() if v is not None}, now, 0)
              for doc in docs]
    batches = [[e] for e in events] if one_by_one else [events]
    for batch in batches:  # as a worker: the windows move, the batch, then the domains
        state.advance(batch[-1].ts_ms if one_by_one else now)
        rejected = state.apply(batch)
        assert rejected == [], rejected
        state.expire()
    state.advance(now)
    state.expire()
    state.windows.fold()
    return state


def observed(state: PartitionState, family: str) -> dict[tuple[str, ...], list[int]]:
    return {series[1:]: values for series, values in state.windows.totals["total"].items()
            if series[0] == family and any(values)}


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories(), st.booleans())
def test_ticket_figures_are_what_the_rules_say(docs: list[dict[str, Any]],
                                               one_by_one: bool) -> None:
    now = max(d["ts"] for d in docs) + 7 * 60 * MIN
    expected = reference(docs, now)
    state = fold(docs, now, one_by_one)
    assert observed(state, f.ticket_family(CONFIG.days).name) == \
        {k: v for k, v in expected.totals.items() if any(v)}
    assert observed(state, f.SLA_FAMILY) == {k: v for k, v in expected.sla.items() if any(v)}
    live = state.publish().live
    backlog = {key[1:]: value[:-1] for key, value in live.items()
               if key[0] == BACKLOG and value}
    assert backlog == expected.backlog
    at_risk_or_breached = {key[1:]: value for key, value in live.items()
                           if key[0] == SLA and value}
    assert at_risk_or_breached == {k: v for k, v in expected.live_sla.items() if any(v)}


def totals_of(state: PartitionState) -> dict[tuple[str, ...], list[int]]:
    return {series: list(values) for series, values in state.windows.totals["total"].items()
            if series[0] in (f.ticket_family(CONFIG.days).name, f.SLA_FAMILY)}


def restarted(state: PartitionState) -> PartitionState:
    """A new state from what a checkpoint keeps of ``state``'s records (its counts start
    again at zero: the test adds the two parts up)."""
    records: dict[str, dict[str, list[Any]]] = {}
    for (spec, entity), raw in state.checkpoint().records.items():
        if raw is not None:
            records.setdefault(spec, {})[entity] = orjson.loads(orjson.dumps(raw))
    return PartitionState(REGISTRY, state.now_ms,
                          StoredPartition(now_ms=state.now_ms, records=records))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories(), st.floats(0, 1))
def test_a_restart_from_the_checkpointed_records_changes_nothing(
        docs: list[dict[str, Any]], cut: float) -> None:
    now = max(d["ts"] for d in docs) + 7 * 60 * MIN
    whole = fold(docs, now, one_by_one=True)
    split = round(cut * len(docs))
    first = fold(docs[:split], docs[split - 1]["ts"] if split else T0, one_by_one=True) \
        if split else PartitionState(REGISTRY, T0)
    second = restarted(first)
    events = [REGISTRY.decode({k: v for k, v in doc.items() if v is not None}, now, 0)
              for doc in docs[split:]]
    for event in events:
        second.advance(event.ts_ms)
        assert second.apply([event]) == []
        second.expire()
    second.advance(now)
    second.expire()
    second.windows.fold()
    summed = totals_of(first)
    for series, values in totals_of(second).items():
        summed[series] = [a + b for a, b in zip(summed.get(series, [0] * len(values)), values,
                                                strict=True)]
    assert {k: v for k, v in summed.items() if any(v)} == \
        {k: v for k, v in totals_of(whole).items() if any(v)}
    live = {k: v for k, v in second.publish().live.items() if v and k[0] in (BACKLOG, SLA)}
    assert live == {k: v for k, v in whole.publish().live.items()
                    if v and k[0] in (BACKLOG, SLA)}
