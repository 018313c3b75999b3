"""The agents of one partition: state, queues, capacity, contacts in service, and the time
they spend in each state.

Time is credited by series, not by agent: each ``agent_time`` series (and the site's)
holds the sum of the per-millisecond rates of the agents in it, and that sum is
credited minute by minute up to the minute of each change and, after each batch or
tick, up to "now". So moving time on costs one credit per series, however many agents
there are. An agent's change adds to the sums the fields its rates change (a change of
state moves a few of the nine fields, and a contact taken or let go one or two), and
corrects what its own minute is credited before it. A change dated before what is
already credited (it arrived after time passed it) also corrects the credit: the
difference is credited from its date on. So the figures are those of the events' own
times, whatever their arrival, except between two late events of one agent that
arrive in reverse order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ccpulse.windows.agents import family as f
from ccpulse.windows.domain import Context, LiveKey, RecordKey
from ccpulse.windows.families import SeriesKey, canonical
from ccpulse.windows.timeframes import BUCKET_MS

AVAILABLE: Final = "available"
BUSY: Final = "busy"
AFTER_CONTACT_WORK: Final = "after_contact_work"
AWAY: Final = "away"
OFFLINE: Final = "offline"
STATES: Final = (AVAILABLE, BUSY, AFTER_CONTACT_WORK, AWAY, OFFLINE)
MAX_CONTACTS_PER_AGENT: Final = 100
LIVE: Final = "agent"
SITE_SERIES: Final = canonical((f.AGENT_SITE.name,))
# read per event: as names of this module, compiled to constants, not attributes of ``f``
TIME_FIELDS: Final = f.AGENT_TIME.size
TIME_FAMILY: Final = f.AGENT_TIME.name
RECORDS: Final = f.AGENT_RECORDS.name
CLOCK_ENTITY: Final = "roster"

Profile = list[tuple[SeriesKey, list[int]]]  # (series, ms credited per ms of time)
RatesKey = int  # what rates depend on: state, capacity, contacts in service (rates_key)
Change = list[tuple[int, int]]  # the fields whose rate changes: (field, ms per ms gained)
Changes = list[tuple[SeriesKey, Change]]


class Agent:
    __slots__ = ("accrued_ms", "capacity", "contacts", "last_event", "paused", "profile",
                 "profile_keys", "queues", "reason", "released", "since_ms", "state")

    def __init__(self, capacity: dict[str, int], accrued_ms: int, queues: set[str] | None = None,
                 paused: set[str] | None = None, state: str = OFFLINE, reason: str = "",
                 since_ms: int = 0, contacts: dict[str, list[Any]] | None = None,
                 last_event: str = "", released: dict[str, list[Any]] | None = None) -> None:
        self.queues = queues if queues is not None else set()
        self.paused = paused if paused is not None else set()  # queues paused in
        self.state = state
        self.reason = reason
        self.since_ms = since_ms  # in its site state since
        self.capacity = capacity  # channel -> contacts at once
        # id -> [channel, since, id of the event that assigned it]
        self.contacts = contacts if contacts is not None else {}
        # contacts let go lately: id -> [id of the event that assigned it, released at], so
        # that a copy of that event sent again is recognised
        self.released = released if released is not None else {}
        self.accrued_ms = accrued_ms  # its time is credited up to here (when last saved)
        self.last_event = last_event
        self.profile: Profile | None = None  # cached; None: to be computed
        self.profile_keys: list[RatesKey] = []  # what each of its entries' rates depend on

    def site_state(self) -> str:
        if self.state not in (OFFLINE, AWAY) and self.queues and self.paused >= self.queues:
            return AWAY  # paused in every queue
        return self.state

    def queue_state(self, queue: str) -> str:
        return AWAY if queue in self.paused and self.state != OFFLINE else self.state

    def total_capacity(self) -> int:
        total = 0
        for slots in self.capacity.values():
            total += slots
        return total

    def in_service(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for entry in self.contacts.values():
            channel = entry[0]
            out[channel] = out.get(channel, 0) + 1
        return out

    def to_list(self) -> list[Any]:
        """Its stored record (sharing its dicts: a store encodes or copies a record as it
        takes it, see ``PartitionStore.prepare``)."""
        return [_sorted(self.queues), _sorted(self.paused), self.state, self.reason,
                self.since_ms, self.capacity, self.contacts, self.accrued_ms, self.last_event,
                self.released]

    @classmethod
    def from_list(cls, raw: list[Any]) -> Agent:
        """An agent from its stored record (one saved before ``released`` existed reads it
        as ``None``, and its contacts without the assigning event's id)."""
        queues, paused, state, reason, since, capacity, contacts, accrued, last, released = raw
        return cls({str(k): int(v) for k, v in capacity.items()}, int(accrued),
                   set(queues), set(paused), str(state), str(reason), int(since),
                   {str(k): [str(v[0]), int(v[1]), str(v[2]) if len(v) > 2 else ""]
                    for k, v in contacts.items()}, str(last),
                   {str(k): [str(v[0]), int(v[1])] for k, v in (released or {}).items()})

    def live(self) -> dict[str, Any]:
        return {"q": _sorted(self.queues), "p": _sorted(self.paused), "s": self.state,
                "r": self.reason, "t": self.since_ms, "c": self.capacity,
                "n": self.in_service()}


# What an agent's rates depend on (state, capacity, contacts in service), packed in one
# int: the caches below look rates and their changes up per event, and an int key costs a
# fraction of a tuple's hashing and comparing.
STATE_INDEX: Final = {state: i for i, state in enumerate(STATES)}
CONTACT_BITS: Final = 8  # contacts in service (at most MAX_CONTACTS_PER_AGENT)
STATE_SHIFT: Final = 28  # capacity in the 20 bits below the state, above the contacts
KEY_BITS: Final = 31  # a change of key packs two keys in one int below 2 ** 62
MAX_CAPACITY: Final = (1 << (STATE_SHIFT - CONTACT_BITS)) - 1
CONTACTS_MASK: Final = (1 << CONTACT_BITS) - 1
OFFLINE_KEY_STATE: Final = STATES.index(OFFLINE)


def rates_key(state: str, capacity: int, contacts: int) -> RatesKey:
    if not (0 <= capacity <= MAX_CAPACITY and 0 <= contacts <= CONTACTS_MASK):
        raise ValueError(f"{capacity} slots and {contacts} contacts in service are out of range")
    return (STATE_INDEX[state] << STATE_SHIFT) | (capacity << CONTACT_BITS) | contacts


_RATES: dict[RatesKey, list[int]] = {}


def rates(state: str, capacity: int, contacts: int) -> list[int] | None:
    """Milliseconds credited to each ``agent_time`` field per millisecond in ``state``
    (shared between agents: never to be changed in place)."""
    return rates_of(rates_key(state, capacity, contacts))


def rates_of(key: RatesKey) -> list[int] | None:
    """The rates of a :func:`rates_key` (None: offline)."""
    if key >> STATE_SHIFT == OFFLINE_KEY_STATE:
        return None
    known = _RATES.get(key)
    if known is not None:
        return known
    state = STATES[key >> STATE_SHIFT]
    capacity = (key >> CONTACT_BITS) & MAX_CAPACITY
    contacts = key & CONTACTS_MASK
    out = [0] * TIME_FIELDS
    out[f.STAFFED] = 1
    out[f.STATE_FIELD[state]] = 1
    if state != AWAY:
        out[f.READY] = 1
        out[f.OCCUPIED] = 1 if contacts or state != AVAILABLE else 0
        out[f.SLOT] = capacity
        out[f.USED_SLOT] = contacts
    if len(_RATES) < 4096:
        _RATES[key] = out
    return out


_CHANGES: dict[int, Change] = {}


def change_of(before: RatesKey, after: RatesKey) -> Change:
    """The fields whose rate differs from ``before`` to ``after``, and by how much (shared,
    never to be changed in place)."""
    key = (before << KEY_BITS) | after
    known = _CHANGES.get(key)
    if known is not None:
        return known
    old, new = rates_of(before), rates_of(after)
    out: Change = []
    for i in range(TIME_FIELDS):
        difference = (0 if new is None else new[i]) - (0 if old is None else old[i])
        if difference:
            out.append((i, difference))
    if len(_CHANGES) < 4096:
        _CHANGES[key] = out
    return out


_RECOUNTS: dict[int, tuple[list[int], Change]] = {}


def recount(before: RatesKey, contacts: int) -> tuple[list[int], Change]:
    """The rates of ``before`` with ``contacts`` in service instead, and what they gain
    over those of ``before`` (one lookup for the most frequent change: a contact taken or
    let go; shared, never to be changed in place)."""
    key = (before << CONTACT_BITS) | contacts
    known = _RECOUNTS.get(key)
    if known is not None:
        return known
    after = (before & ~CONTACTS_MASK) | contacts
    per_ms = rates_of(after)
    assert per_ms is not None  # a profile holds no offline state
    out = (per_ms, change_of(before, after))
    if len(_RECOUNTS) < 4096:
        _RECOUNTS[key] = out
    return out


def profile_of(agent: Agent) -> Profile:
    if agent.profile is None:
        capacity = agent.total_capacity()
        contacts = len(agent.contacts)
        out: Profile = []
        keys: list[RatesKey] = []
        site_key = rates_key(agent.site_state(), capacity, contacts)
        site = rates_of(site_key)
        if site is not None:
            out.append((SITE_SERIES, site))
            keys.append(site_key)
            for queue in _sorted(agent.queues):
                key = rates_key(agent.queue_state(queue), capacity, contacts)
                per_queue = rates_of(key)
                if per_queue is not None:
                    out.append((canonical((TIME_FAMILY, queue)), per_queue))
                    keys.append(key)
        agent.profile = out
        agent.profile_keys = keys
    return agent.profile


class Roster:
    def __init__(self, ctx: Context, capacity: Mapping[str, int], max_agents: int,
                 max_wait_ms: int, dedupe_ms: int) -> None:
        self.ctx = ctx
        self.windows = ctx.windows
        self.default_capacity = dict(capacity)
        self.max_agents = max_agents
        self.max_wait_ms = max_wait_ms
        self.dedupe_ms = dedupe_ms  # how long a contact let go is remembered
        self.agents: dict[str, Agent] = {}
        self.rates: dict[SeriesKey, list[int]] = {}  # per series, the sum of its agents' rates
        self.accrued_ms = -1  # every agent's time is credited up to here (-1: none yet)
        self.dirty: set[str] = set()
        self.live_dirty: set[str] = set()
        self._expiry_minute = 0
        self._behind: list[tuple[Profile, int, int]] = []  # see ``restore``
        # what changes owe the windows (see ``_owe`` and ``_owe_within``)
        self._owed_pieces: dict[int, dict[SeriesKey, list[int]]] = {}  # bucket -> series -> ms
        self._owed_from: dict[SeriesKey, dict[int, list[int]]] = {}  # from a minute on: rates

    def agent(self, agent_id: str, ts_ms: int) -> Agent | None:
        agent = self.agents.get(agent_id)
        if agent is None:
            if len(self.agents) >= self.max_agents:
                return None
            agent = self.agents[agent_id] = Agent(dict(self.default_capacity), ts_ms)
        return agent

    def changed(self, agent_id: str, agent: Agent, before: Profile, ts_ms: int) -> None:
        """``agent`` changed at ``ts_ms`` (it did ``before`` until then): add what its rates
        change to the sums, correct what was credited since ``ts_ms`` if that is in the past, and
        forget the agent once it is offline with nothing in service."""
        before_keys = agent.profile_keys
        agent.profile = None
        after = profile_of(agent)
        changes = _changes(before, before_keys, after, agent.profile_keys)
        if changes:
            self._shift(changes, ts_ms)
        self._touched(agent_id, agent)

    def restated(self, agent_id: str, agent: Agent, before: Profile, ts_ms: int) -> None:
        """Only ``agent``'s state or reason changed at ``ts_ms`` (not its queues, pauses,
        capacity or contacts): unless it goes offline or comes back, its series are those
        of ``before``, so only their rates are looked up again."""
        if not before or agent.state == OFFLINE:
            self.changed(agent_id, agent, before, ts_ms)
            return
        keys = agent.profile_keys
        unchanged = keys[0] & ((1 << STATE_SHIFT) - 1)  # capacity and contacts
        site_state = agent.site_state()
        after: Profile = []
        after_keys: list[RatesKey] = []
        changes: Changes = []
        for j in range(len(before)):
            series = before[j][0]
            state = site_state if j == 0 else agent.queue_state(series[1])
            key = (STATE_INDEX[state] << STATE_SHIFT) | unchanged
            per_ms = rates_of(key)
            assert per_ms is not None  # not offline
            after.append((series, per_ms))
            after_keys.append(key)
            change = change_of(keys[j], key)
            if change:
                changes.append((series, change))
        self._reprofiled(agent_id, agent, after, after_keys, changes, ts_ms)

    def recounted(self, agent_id: str, agent: Agent, ts_ms: int) -> None:
        """Only ``agent``'s number of contacts in service changed at ``ts_ms``: its series
        and states are those of its cached profile (built before the change), so the change
        is taken per series from ``recount``, without building the profile again."""
        profile = profile_of(agent)
        keys = agent.profile_keys
        count = len(agent.contacts)
        after: Profile = []
        after_keys: list[RatesKey] = []
        changes: Changes = []
        for j in range(len(profile)):
            series = profile[j][0]
            per_ms, change = recount(keys[j], count)
            after.append((series, per_ms))
            after_keys.append((keys[j] & ~CONTACTS_MASK) | count)
            if change:
                changes.append((series, change))
        self._reprofiled(agent_id, agent, after, after_keys, changes, ts_ms)

    def _reprofiled(self, agent_id: str, agent: Agent, after: Profile,
                    after_keys: list[RatesKey], changes: Changes, ts_ms: int) -> None:
        """``agent`` now does ``after`` (its series as before), which gains ``changes``."""
        agent.profile = after
        agent.profile_keys = after_keys
        if changes:
            self._shift(changes, ts_ms)
        self._touched(agent_id, agent)

    def _shift(self, changes: Changes, ts_ms: int) -> None:
        """Add ``changes`` to the sums from ``ts_ms`` on."""
        # time is credited up to the minute of each change as the batch goes (as many
        # credits per series and minute as crediting the batch's span at once), so that a
        # change in order only corrects its own minute; a late change (before what is
        # credited already) corrects every minute since its own
        bucket = ts_ms - ts_ms % BUCKET_MS
        if bucket > self.accrued_ms:
            self._accrue(bucket)
        self._change_rates(changes)
        accrued = self.accrued_ms
        if ts_ms > accrued:  # the sums will credit ``changes`` from accrued_ms: too early
            self._owe_within(changes, bucket, accrued - ts_ms)
        elif ts_ms < accrued:  # late: what was credited since ts_ms lacked ``changes``
            self._owe(changes, ts_ms)

    def _owe(self, changes: Changes, ts_ms: int) -> None:
        """Note that ``changes`` are owed over [``ts_ms``, ``accrued_ms``), pieced as
        ``_credit`` pieces it: its first piece as milliseconds in the bucket of ``ts_ms``,
        the rest as rates from the minute after on (from the earliest window's start, for
        a change before it). ``_settle`` credits every change's notes at once, per series
        and minute, rather than each change minute by minute."""
        end = self.accrued_ms
        earliest = self.windows.earliest_start_ms
        rest_from = earliest if ts_ms < earliest else ts_ms - ts_ms % BUCKET_MS + BUCKET_MS
        self._owe_within(changes, ts_ms - ts_ms % BUCKET_MS, min(end, rest_from) - ts_ms)
        if rest_from >= end:
            return
        size = TIME_FIELDS
        for series, change in changes:
            starts = self._owed_from.get(series)
            if starts is None:
                starts = self._owed_from[series] = {}
            rates_from = starts.get(rest_from)
            if rates_from is None:
                rates_from = starts[rest_from] = [0] * size
            for i, rate in change:
                rates_from[i] = rates_from[i] + rate  # (not +=: see families.add_into)

    def _owe_within(self, changes: Changes, bucket: int, amount_ms: int) -> None:
        """Note that ``changes`` are owed for ``amount_ms`` (negative: overpaid) in the
        minute ``bucket``."""
        size = TIME_FIELDS
        pieces = self._owed_pieces.get(bucket)
        if pieces is None:
            pieces = self._owed_pieces[bucket] = {}
        for series, change in changes:
            owed = pieces.get(series)
            if owed is None:
                owed = pieces[series] = [0] * size
            for i, rate in change:
                owed[i] = owed[i] + _times(rate, amount_ms)  # (not +=: see families.add_into)

    def _settle(self) -> None:
        """Credit what ``_owe`` and ``_owe_within`` noted, up to ``accrued_ms``."""
        if not self._owed_pieces:
            return
        slot = self.windows.slot
        for bucket, pieces in self._owed_pieces.items():
            for series, owed in pieces.items():
                values = slot(series, bucket)
                for i, amount in enumerate(owed):
                    if amount:
                        values[i] = values[i] + amount
        end = self.accrued_ms
        for series, starts in self._owed_from.items():
            points = sorted(starts)  # one sweep: each start's rates join the sum once
            running = [0] * TIME_FIELDS
            k = 0
            t = points[0]
            while t < end:
                while k < len(points) and points[k] <= t:
                    for i, rate in enumerate(starts[points[k]]):
                        running[i] = running[i] + rate
                    k += 1
                step_end = min(end, t - t % BUCKET_MS + BUCKET_MS)
                self._add([(series, running)], t, step_end - t)
                t = step_end
        self._owed_pieces.clear()
        self._owed_from.clear()

    def _touched(self, agent_id: str, agent: Agent) -> None:
        self.dirty.add(agent_id)
        self.live_dirty.add(agent_id)
        if agent.state == OFFLINE and not agent.contacts:  # forgotten, but for the contacts
            if agent.released:  # it let go lately
                self.agents[agent_id] = Agent(dict(self.default_capacity), agent.accrued_ms,
                                              released=agent.released)
            else:
                del self.agents[agent_id]

    def _change_rates(self, changes: Changes) -> None:
        """Add ``changes`` into the sums (a series whose sum is zero is dropped)."""
        sums = self.rates
        for series, change in changes:
            total = sums.get(series)
            if total is None:
                total = sums[series] = [0] * TIME_FIELDS
            emptied = False
            for i, rate in change:
                amount = total[i] + rate
                total[i] = amount
                if not amount:
                    emptied = True
            if emptied and _is_zero(total):
                del sums[series]

    def _accrue(self, until_ms: int) -> None:
        """Credit every series' rates up to ``until_ms``."""
        if until_ms <= self.accrued_ms:
            return
        self._settle()  # what is owed is owed up to the time credited so far
        if self.accrued_ms >= 0:
            for profile, start_ms, end_ms in self._behind:
                self._credit(profile, start_ms, end_ms)
            self._behind.clear()
            if self.rates:
                self._credit(list(self.rates.items()), self.accrued_ms, until_ms)
        self.accrued_ms = until_ms

    def _credit(self, profile: Profile, start_ms: int, end_ms: int) -> None:
        """Credit ``profile`` over [start, end) minute by minute where a window can hold it;
        time before every window's start goes to ``total`` in one piece (an event dated
        years back costs one credit, not a credit per minute)."""
        t = start_ms
        before_windows = min(end_ms, self.windows.earliest_start_ms)
        if t < before_windows:
            self._add(profile, t, before_windows - t)
            t = before_windows
        while t < end_ms:
            step_end = min(end_ms, t - t % BUCKET_MS + BUCKET_MS)
            self._add(profile, t, step_end - t)
            t = step_end

    def _add(self, profile: Profile, at_ms: int, amount_ms: int) -> None:
        slot = self.windows.slot
        for series, per_ms in profile:
            values = slot(series, at_ms)
            for i, rate in enumerate(per_ms):
                if rate:
                    values[i] = values[i] + rate * amount_ms

    def advance(self, now_ms: int) -> None:
        self._settle()
        self._accrue(now_ms)
        minute = now_ms // BUCKET_MS
        if minute != self._expiry_minute:  # contacts whose release never came
            self._expiry_minute = minute
            cutoff = now_ms - self.max_wait_ms
            remembered = now_ms - self.dedupe_ms
            for agent_id, agent in list(self.agents.items()):
                if agent.released and self._forget_released(agent, remembered):
                    self._touched(agent_id, agent)
                stale = [cid for cid, entry in agent.contacts.items() if entry[1] < cutoff]
                if stale:
                    before = profile_of(agent)
                    for cid in stale:
                        del agent.contacts[cid]
                    self.ctx.count("expired_assignments", len(stale))
                    self.changed(agent_id, agent, before, now_ms)

    @staticmethod
    def _forget_released(agent: Agent, before_ms: int) -> bool:
        """Forget the contacts ``agent`` let go before ``before_ms``; whether any were."""
        old = [cid for cid, (_, at) in agent.released.items() if at < before_ms]
        for cid in old:
            del agent.released[cid]
        return bool(old)

    # -- live entries and persistence ------------------------------------------------------
    def _live(self, agent_id: str) -> Any:
        agent = self.agents.get(agent_id)
        return None if agent is None or agent.state == OFFLINE else agent.live()

    def live_changes(self) -> dict[LiveKey, Any]:
        out: dict[LiveKey, Any] = {(LIVE, a): self._live(a) for a in self.live_dirty}
        self.live_dirty.clear()
        return out

    def live_all(self) -> dict[LiveKey, Any]:
        self.live_dirty.clear()
        return {(LIVE, a): entry for a in self.agents if (entry := self._live(a)) is not None}

    def record_changes(self) -> dict[RecordKey, list[Any] | None]:
        out: dict[RecordKey, list[Any] | None] = {}
        for agent_id in self.dirty:
            agent = self.agents.get(agent_id)
            if agent is not None:
                agent.accrued_ms = self.accrued_ms
            out[(RECORDS, agent_id)] = None if agent is None else agent.to_list()
        self.dirty.clear()
        if self.agents:  # with none, there is nothing the credit time could be owed to
            out[(f.AGENT_CLOCK.name, CLOCK_ENTITY)] = [self.accrued_ms]
        return out

    def restore(self, records: Mapping[str, Mapping[str, list[Any]]]) -> None:
        for agent_id, raw in records.get(RECORDS, {}).items():
            self.agents[agent_id] = Agent.from_list(raw)
        for agent in self.agents.values():
            self._change_rates([(series, _fields(per_ms)) for series, per_ms in profile_of(agent)])
        clock = records.get(f.AGENT_CLOCK.name, {}).get(CLOCK_ENTITY)
        if clock is not None:
            self.accrued_ms = int(clock[0])
        elif self.agents:  # saved when each agent had its own credit time: catch them up
            self.accrued_ms = max(agent.accrued_ms for agent in self.agents.values())
            self._behind = [(profile_of(agent), agent.accrued_ms, self.accrued_ms)
                            for agent in self.agents.values()
                            if agent.accrued_ms < self.accrued_ms]


def _sorted(names: set[str]) -> list[str]:
    return list(names) if len(names) < 2 else sorted(names)  # most agents serve one queue


def _fields(per_ms: list[int]) -> Change:
    """A vector of rates as the fields it changes."""
    return [(i, rate) for i, rate in enumerate(per_ms) if rate]


def _times(rate: int, amount_ms: int) -> int:
    """``rate * amount_ms``, multiplying non-negative numbers only: the compiled build
    multiplies small non-negative integers in place, and any other through Python
    objects (a change's rates and a correction's time are often negative)."""
    if rate >= 0:
        return rate * amount_ms if amount_ms >= 0 else -(rate * -amount_ms)
    return -(-rate * amount_ms) if amount_ms >= 0 else -rate * -amount_ms


def _is_zero(values: list[int]) -> bool:
    return all(not value for value in values)  # compiled to a loop, unlike any(values)


def _changes(before: Profile, before_keys: list[RatesKey], after: Profile,
             after_keys: list[RatesKey]) -> Changes:
    """Per series, what the rates of ``after`` gain over those of ``before``."""
    aligned = len(before) == len(after)
    if aligned:
        for j in range(len(before)):
            if before[j][0] is not after[j][0]:
                aligned = False
                break
    out: Changes = []
    if aligned:  # the same series (the common case: a change of state only)
        for j in range(len(before)):
            change = change_of(before_keys[j], after_keys[j])
            if change:
                out.append((before[j][0], change))
        return out
    gains: dict[SeriesKey, list[int]] = {}
    for series, per_ms in after:
        gains[series] = list(per_ms)
    for series, per_ms in before:
        gain = gains.get(series)
        if gain is None:
            gains[series] = [-rate for rate in per_ms]
        else:
            for i, rate in enumerate(per_ms):
                gain[i] -= rate
    for series, gain in gains.items():
        change = _fields(gain)
        if change:
            out.append((series, change))
    return out
