"""Agent states, capacity and time in state against a second-by-second brute force, with
events that arrive after time has passed them; and the older login/pause events."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccpulse.windows.agents import family as f
from ccpulse.windows.agents.roster import (
    LIVE,
    Agent,
    _times,
    change_of,
    rates,
    rates_key,
    recount,
)
from ccpulse.windows.config import EngineConfig
from ccpulse.windows.partition import PartitionState, StoredPartition
from ccpulse.windows.registry import build_registry
from tests.windows.restart import add_totals, restart

T0 = 1_700_000_000_000
REGISTRY = build_registry(EngineConfig(capacity={"voice": 1, "chat": 3}))
QUEUES = ("sales", "support")
CHANNELS = ("voice", "chat")


def agent_events(agent: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    state = st.builds(lambda s, qs, cap: {"type": "agent.state", "state": s,
                                          **({"queues": qs} if qs is not None else {}),
                                          **({"capacity": cap} if cap is not None else {})},
                      st.sampled_from(["available", "busy", "after_contact_work", "away",
                                       "offline"]),
                      st.none() | st.lists(st.sampled_from(QUEUES), unique=True),
                      st.none() | st.fixed_dictionaries({"chat": st.integers(0, 4)}))
    queued = st.builds(lambda k, q: {"type": f"agent.{k}", "queue": q, "channel": "voice"},
                       st.sampled_from(["login", "logout", "pause", "unpause"]),
                       st.sampled_from([*QUEUES, "*"]))
    contact = st.builds(lambda k, c, ch: {"type": f"agent.{k}", "contact_id": c,
                                          "queue": "sales", "channel": ch},
                        st.sampled_from(["assigned", "released"]),
                        st.sampled_from(["c1", "c2", "c3"]), st.sampled_from(CHANNELS))
    one = st.tuples(st.integers(0, 150), st.one_of(state, queued, contact))
    return st.lists(one, min_size=1, max_size=8).map(lambda steps: _timed(agent, steps))


def _timed(agent: str, steps: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    ts, out = T0, []
    for i, (gap_s, doc) in enumerate(steps):
        ts += gap_s * 1000
        out.append({"event_id": f"{agent}-{i}", "ts": ts, "agent_id": agent, **doc})
    return out


# -- the brute force -----------------------------------------------------------------------
def statuses(events: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The agent's status after each of its events, read from the README's rules."""
    fresh = {"queues": set(), "paused": set(), "state": "offline",
             "capacity": {"voice": 1, "chat": 3}, "contacts": {}}
    status: dict[str, Any] = {k: (v.copy() if hasattr(v, "copy") else v)
                              for k, v in fresh.items()}
    out = []
    for doc in events:
        kind = doc["type"].removeprefix("agent.")
        queue = doc.get("queue")
        targets = set(status["queues"]) if queue == "*" else {queue}
        if kind == "state":
            status["state"] = doc["state"]
            if "queues" in doc:
                status["queues"] = set(doc["queues"])
                status["paused"] &= status["queues"]
            if "capacity" in doc:
                status["capacity"] = dict(doc["capacity"])
        elif kind == "login":
            status["queues"] |= targets
            if status["state"] == "offline":
                status["state"] = "available"
        elif kind == "logout":
            status["queues"] -= targets
            status["paused"] -= targets
            if not status["queues"]:
                status["state"] = "offline"
        elif kind == "pause":
            status["paused"] |= (targets & status["queues"]) if queue == "*" else targets
        elif kind == "unpause":
            status["paused"] -= targets
        elif kind == "assigned":
            status["contacts"].setdefault(doc["contact_id"], doc["channel"])
        else:
            status["contacts"].pop(doc["contact_id"], None)
        if status["state"] == "offline" and not status["contacts"]:
            status = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in fresh.items()}
        out.append((doc["ts"], {k: (v.copy() if hasattr(v, "copy") else v)
                                for k, v in status.items()}))
    return out


def seconds_credited(events: list[dict[str, Any]], now_ms: int, since_ms: int
                     ) -> dict[tuple[str, ...], list[int]]:
    """Per series, every ``agent_time`` field summed second by second from ``since_ms``."""
    out: dict[tuple[str, ...], list[int]] = {}
    timeline = statuses(events)
    for second in range(since_ms, now_ms, 1000):
        status = None
        for ts, s in timeline:
            if ts <= second:
                status = s
        if status is None or status["state"] == "offline":
            continue
        capacity = sum(status["capacity"].values())
        contacts = len(status["contacts"])
        queues, paused = status["queues"], status["paused"]
        site_state = "away" if queues and paused >= queues and status["state"] != "away" \
            else status["state"]
        parts = [(("agent_site",), site_state)] + [
            (("agent_time", q), "away" if q in paused else status["state"]) for q in queues]
        for series, state in parts:
            per_ms = rates(state, capacity, contacts)
            assert per_ms is not None
            vec = out.setdefault(series, [0] * f.AGENT_TIME.size)
            for i, rate in enumerate(per_ms):
                vec[i] += rate * 1000
    return out


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int], int]:
    """Three agents' events, each agent's in order, interleaved in any order (so that one
    agent's events can arrive after another's moved time past them), cut into batches,
    and after which batch the partition restarts from its checkpoint (-1: never)."""
    streams = [draw(agent_events(name)) for name in ("ann", "bob", "cy")]
    rng = random.Random(draw(st.integers(0, 2**32)))
    order: list[dict[str, Any]] = []
    while any(streams):
        stream = rng.choice([s for s in streams if s])
        order.append(stream.pop(0))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=4)))
    return order, cuts, draw(st.integers(-1, len(cuts)))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(arrivals())
def test_time_in_state_is_that_of_the_events_own_times(
        arrival: tuple[list[dict[str, Any]], list[int], int]) -> None:
    order, cuts, restart_after = arrival
    state = PartitionState(REGISTRY, T0)
    before_restart: dict[tuple[str, ...], list[int]] = {}
    for i, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(order)], strict=True)):
        batch = order[start:end]
        if batch:
            state.advance(max(state.now_ms, max(d["ts"] for d in batch)))
            assert state.apply([REGISTRY.decode(d, state.now_ms, 0) for d in batch]) == []
            state.expire()
        if i == restart_after:
            state, before_restart = restart(REGISTRY, state)
    now = state.now_ms + 30_000
    state.advance(now)
    state.expire()
    totals = add_totals(before_restart, state)
    by_agent: dict[str, list[dict[str, Any]]] = {}
    for doc in order:
        by_agent.setdefault(doc["agent_id"], []).append(doc)
    expected: dict[tuple[str, ...], list[int]] = {}
    for events in by_agent.values():
        for series, vec in seconds_credited(events, now, T0).items():
            total = expected.setdefault(series, [0] * f.AGENT_TIME.size)
            for i, v in enumerate(vec):
                total[i] += v
    got = {series: values for series, values in totals.items()
           if series[0] in ("agent_time", "agent_site") and any(values)}
    assert got == {k: v for k, v in expected.items() if any(v)}
    if restart_after >= 0:
        return  # the 5-minute window starts again empty in the restarted test partition
    five = {series: values for series, values in state.windows.totals["5m"].items()
            if series[0] in ("agent_time", "agent_site") and any(values)}
    start = state.windows.starts["5m"]
    expected_five: dict[tuple[str, ...], list[int]] = {}
    for events in by_agent.values():
        for series, vec in seconds_credited(events, now, start).items():
            total = expected_five.setdefault(series, [0] * f.AGENT_TIME.size)
            for i, v in enumerate(vec):
                total[i] += v
    assert five == {k: v for k, v in expected_five.items() if any(v)}


def run(docs: list[dict[str, Any]]) -> PartitionState:
    state = PartitionState(REGISTRY, T0)
    full = [{"event_id": f"e{i}", "ts": T0 + i * 1000, **doc} for i, doc in enumerate(docs)]
    state.advance(full[-1]["ts"])
    state.apply([REGISTRY.decode(d, state.now_ms, 0) for d in full])
    return state


def live(state: PartitionState) -> dict[str, Any]:
    return {key[1]: value for key, value in state.publish().live.items() if key[0] == LIVE}


def test_login_pause_and_logout_per_queue() -> None:
    state = run([
        {"type": "agent.login", "agent_id": "ann", "queue": "sales", "channel": "voice"},
        {"type": "agent.login", "agent_id": "ann", "queue": "support", "channel": "voice"},
        {"type": "agent.pause", "agent_id": "ann", "queue": "sales", "channel": "voice"},
        {"type": "agent.login", "agent_id": "bob", "queue": "sales", "channel": "voice"},
        {"type": "agent.logout", "agent_id": "bob", "queue": "*", "channel": "voice"}])
    agents = live(state)
    assert set(agents) == {"ann"}
    assert (agents["ann"]["q"], agents["ann"]["p"], agents["ann"]["s"]) == (
        ["sales", "support"], ["sales"], "available")


def test_a_state_that_repeats_the_queues_and_capacity_changes_only_the_state() -> None:
    """Platforms send the agent's queues and capacity with every state: as they stand,
    only the state changes; a pause in a queue the agent does not serve still goes."""
    common = [
        {"type": "agent.state", "agent_id": "ann", "state": "available",
         "queues": ["sales"], "capacity": {"chat": 2}},
        {"type": "agent.pause", "agent_id": "ann", "queue": "support", "channel": "voice"}]
    repeated = run([*common, {"type": "agent.state", "agent_id": "ann", "state": "busy",
                              "queues": ["sales"], "capacity": {"chat": 2}}])
    bare = run([*common, {"type": "agent.state", "agent_id": "ann", "state": "busy"}])
    seen_repeated, seen_bare = live(repeated)["ann"], live(bare)["ann"]
    assert seen_bare["p"] == ["support"]
    assert seen_repeated == {**seen_bare, "p": []}
    repeated.advance(T0 + 60_000)
    repeated.expire()
    bare.advance(T0 + 60_000)
    bare.expire()
    assert repeated.windows.totals == bare.windows.totals


def test_an_agent_in_two_queues_is_one_record_with_its_contacts() -> None:
    state = run([
        {"type": "agent.state", "agent_id": "ann", "state": "available",
         "queues": ["sales", "support"], "capacity": {"chat": 2}},
        {"type": "agent.assigned", "agent_id": "ann", "contact_id": "k1", "queue": "sales",
         "channel": "chat"},
        {"type": "agent.assigned", "agent_id": "ann", "contact_id": "k1", "queue": "sales",
         "channel": "chat"},
        {"type": "agent.assigned", "agent_id": "ann", "contact_id": "k2", "queue": "support",
         "channel": "chat"}])
    assert live(state)["ann"]["n"] == {"chat": 2}
    assert state.counters["duplicates"] == 1


def test_a_state_saved_with_a_credit_time_per_agent_catches_each_agent_up() -> None:
    """States saved before the roster had one credit time held one per agent record: an
    agent credited less far than the others is credited up to them, once."""
    state = PartitionState(REGISTRY, T0)
    state.advance(T0)
    docs = [{"event_id": f"e-{a}", "type": "agent.state", "ts": T0, "agent_id": a,
             "state": "available"} for a in ("ann", "bob")]
    assert state.apply([REGISTRY.decode(d, T0, 0) for d in docs]) == []
    records: dict[str, dict[str, list[Any]]] = {}
    for (spec, entity), raw in state.checkpoint().records.items():
        if raw is not None and spec != f.AGENT_CLOCK.name:
            records.setdefault(spec, {})[entity] = raw
    accrued = f.AGENT_RECORDS.fields.index("accrued_ms")
    records[f.AGENT_RECORDS.name]["ann"][accrued] = T0 + 30_000
    records[f.AGENT_RECORDS.name]["bob"][accrued] = T0 + 60_000
    again = PartitionState(REGISTRY, T0 + 60_000,
                           StoredPartition(now_ms=T0 + 60_000, records=records))
    again.advance(T0 + 120_000)
    again.expire()
    again.windows.fold()
    staffed = again.windows.totals["total"][("agent_site",)][f.STAFFED]
    assert staffed == 90_000 + 60_000


K1_ASSIGNED = {"event_id": "k1-answered~assigned", "type": "agent.assigned", "ts": T0 + 10_000,
               "agent_id": "ann", "contact_id": "k1", "queue": "sales", "channel": "chat"}


def _contact_script(copies: bool, last_state: str = "available") -> PartitionState:
    """An agent takes a chat and lets it go; with ``copies``, both derived events arrive
    again minutes later (a source partition folded again after a crash sends them again)."""
    state = PartitionState(REGISTRY, T0)
    docs = [
        {"event_id": "s", "type": "agent.state", "ts": T0, "agent_id": "ann",
         "state": "available", "queues": ["sales"]},
        K1_ASSIGNED,
        {"event_id": "k1-ended~released", "type": "agent.released", "ts": T0 + 130_000,
         "agent_id": "ann", "contact_id": "k1", "queue": "sales", "channel": "chat"},
        {"event_id": "n", "type": "agent.state", "ts": T0 + 300_000, "agent_id": "ann",
         "state": last_state}]
    if copies:
        docs += [dict(docs[1]), dict(docs[2])]
    for doc in docs:
        state.advance(max(state.now_ms, doc["ts"]))
        state.apply([REGISTRY.decode(doc, state.now_ms, 0)])
        state.expire()
    state.advance(T0 + 400_000)
    state.expire()
    state.windows.fold()
    return state


def test_derived_contact_events_sent_again_after_their_release_change_nothing() -> None:
    once, again = _contact_script(copies=False), _contact_script(copies=True)
    assert again.windows.totals["total"] == once.windows.totals["total"]
    assert live(again)["ann"]["n"] == {}
    assert again.counters["duplicates"] == 2


def test_an_agent_remembers_the_contacts_it_let_go_across_a_restart() -> None:
    state = _contact_script(copies=False)
    again, _ = restart(REGISTRY, state)
    assert again.apply([REGISTRY.decode(K1_ASSIGNED, again.now_ms, 0)]) == []
    assert again.counters["duplicates"] == 1
    assert live(again)["ann"]["n"] == {}


def test_an_agent_saved_before_it_remembered_released_contacts_loads() -> None:
    """A record of the older shape: no ``released`` (read as None) and contacts without the
    assigning event's id (read as empty)."""
    old = [["sales"], [], "busy", "", T0, {"voice": 1}, {"c1": ["voice", T0]}, T0, "e1", None]
    agent = Agent.from_list(old)
    assert (agent.contacts, agent.released) == ({"c1": ["voice", T0, ""]}, {})
    assert Agent.from_list(agent.to_list()).to_list() == agent.to_list()


def test_an_offline_agent_is_forgotten_once_what_it_let_go_is_no_longer_remembered() -> None:
    state = _contact_script(copies=False, last_state="offline")
    kept = state.checkpoint().records[(f.AGENT_RECORDS.name, "ann")]
    assert kept is not None and kept[-1] == {"k1": ["k1-answered~assigned", T0 + 130_000]}
    assert "ann" not in live(state)
    state.advance(T0 + 130_000 + 15 * 60_000 + 60_000)  # past the dedupe window
    state.expire()
    assert state.checkpoint().records[(f.AGENT_RECORDS.name, "ann")] is None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["available", "busy", "after_contact_work", "away", "offline"]),
       st.sampled_from(["available", "busy", "after_contact_work", "away", "offline"]),
       st.integers(0, 1000), st.integers(0, 100), st.integers(0, 100))
def test_rates_and_their_changes_looked_up_by_packed_keys(
        state: str, other: str, capacity: int, contacts: int, recounted: int) -> None:
    """The rates of (state, capacity, contacts) field by field, as the README defines them,
    and the changes between two of them, whatever the caches hold."""
    def expected(state: str, contacts: int) -> list[int] | None:
        if state == "offline":
            return None
        out = [0] * f.AGENT_TIME.size
        out[f.STAFFED] = out[f.STATE_FIELD[state]] = 1
        if state != "away":
            out[f.READY] = 1
            out[f.OCCUPIED] = int(bool(contacts) or state != "available")
            out[f.SLOT], out[f.USED_SLOT] = capacity, contacts
        return out

    def gain(before: list[int] | None, after: list[int] | None) -> list[tuple[int, int]]:
        old, new = before or [0] * f.AGENT_TIME.size, after or [0] * f.AGENT_TIME.size
        return [(i, b - a) for i, (a, b) in enumerate(zip(old, new, strict=True)) if b != a]

    key, other_key = rates_key(state, capacity, contacts), rates_key(other, capacity, contacts)
    assert rates(state, capacity, contacts) == expected(state, contacts)
    assert change_of(key, other_key) == gain(expected(state, contacts),
                                              expected(other, contacts))
    if state != "offline":
        per_ms, change = recount(key, recounted)
        assert per_ms == expected(state, recounted)
        assert change == gain(expected(state, contacts), expected(state, recounted))


@given(st.integers(), st.integers())
def test_times_is_the_product_whatever_the_signs_and_sizes(rate: int, amount_ms: int) -> None:
    assert _times(rate, amount_ms) == rate * amount_ms
