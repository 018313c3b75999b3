from __future__ import annotations

from ccpulse.windows.agents.domain import AgentEvent, Roster, staffing
from ccpulse.windows.config import Limits
from ccpulse.windows.domain import Context
from ccpulse.windows.engine import WindowSet
from ccpulse.windows.histograms import Histograms
from ccpulse.windows.labels import LabelGuard
from ccpulse.windows.timeframes import Calendar


def new_roster() -> Roster:
    return Roster(Context(WindowSet(Calendar(), (), {}, 0), Histograms([]),
                          LabelGuard(Limits())))


def roster_after(steps: list[tuple[str, str, str]], roster: Roster | None = None) -> Roster:
    roster = roster or new_roster()
    for i, (kind, agent, queue) in enumerate(steps):
        roster.apply(AgentEvent(f"{agent}-{i}-{len(roster.agents)}", f"agent.{kind}", kind, i,
                                1, agent, queue))
    return roster


def counts(roster: Roster) -> dict[str, tuple[int, int]]:
    return staffing(state.to_list()[:2] for state in roster.agents.values())


def test_login_pause_and_logout_per_queue() -> None:
    roster = roster_after([
        ("login", "ann", "sales"), ("login", "ann", "support"), ("login", "bob", "sales"),
        ("pause", "bob", "sales"),
    ])
    assert counts(roster) == {"sales": (2, 1), "support": (1, 0)}
    roster_after([("unpause", "bob", "sales"), ("logout", "ann", "support")], roster)
    assert counts(roster) == {"sales": (2, 0)}


def test_star_means_every_queue_the_agent_is_in() -> None:
    roster = roster_after([("login", "ann", "sales"), ("login", "ann", "support"),
                           ("pause", "ann", "*")])
    assert counts(roster) == {"sales": (1, 1), "support": (1, 1)}
    roster.live_changes()
    roster_after([("logout", "ann", "*")], roster)
    assert counts(roster) == {} and "ann" not in roster.agents
    assert roster.live_changes() == {("agent", "ann"): None}


def test_a_repeated_event_changes_nothing() -> None:
    roster = new_roster()
    login = AgentEvent("x", "agent.login", "login", 0, 1, "ann", "sales")
    assert roster.apply(login) == "applied"
    assert roster.apply(login) == "duplicate"


def event(event_id: str, kind: str, queue: str = "sales", agent: str = "ann") -> AgentEvent:
    return AgentEvent(event_id, f"agent.{kind}", kind, 0, 1, agent, queue)


def test_an_older_event_sent_again_is_applied_again_in_arrival_order() -> None:
    roster = new_roster()
    outcomes = [roster.apply(e) for e in (event("1", "login"), event("2", "pause"),
                                          event("3", "unpause"), event("2", "pause"))]
    assert outcomes == ["applied"] * 4  # only a repeat of the last id is a duplicate
    assert counts(roster) == {"sales": (1, 1)}  # the late repeat of the pause undid 3


def test_a_logout_ends_the_pauses_of_its_queues() -> None:
    roster = new_roster()
    for e in (event("1", "login"), event("2", "login", "vip"), event("3", "pause", "*"),
              event("4", "logout", "sales"), event("5", "login", "sales")):
        roster.apply(e)
    assert counts(roster) == {"sales": (1, 0), "vip": (1, 1)}


def test_a_pause_before_the_login_counts_once_the_agent_logs_in() -> None:
    roster = new_roster()
    roster.apply(event("1", "pause"))
    assert counts(roster) == {}
    roster.apply(event("2", "login"))
    assert counts(roster) == {"sales": (1, 1)}
