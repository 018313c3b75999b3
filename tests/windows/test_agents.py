from __future__ import annotations

from windows.agents import LOGIN, LOGOUT, PAUSE, UNPAUSE, AgentRoster, staffing


def roster_after(steps: list[tuple[str, str, str]]) -> AgentRoster:
    roster = AgentRoster()
    for kind, agent, queue in steps:
        roster.apply(kind, agent, queue)
    return roster


def counts(roster: AgentRoster) -> dict[str, tuple[int, int]]:
    return staffing(state.to_list() for state in roster.agents.values())


def test_login_pause_and_logout_per_queue() -> None:
    roster = roster_after([
        (LOGIN, "ann", "sales"), (LOGIN, "ann", "support"), (LOGIN, "bob", "sales"),
        (PAUSE, "bob", "sales"),
    ])
    assert counts(roster) == {"sales": (2, 1), "support": (1, 0)}
    roster.apply(UNPAUSE, "bob", "sales")
    roster.apply(LOGOUT, "ann", "support")
    assert counts(roster) == {"sales": (2, 0)}


def test_star_means_every_queue_the_agent_is_in() -> None:
    roster = roster_after([(LOGIN, "ann", "sales"), (LOGIN, "ann", "support"),
                           (PAUSE, "ann", "*")])
    assert counts(roster) == {"sales": (1, 1), "support": (1, 1)}
    roster.apply(LOGOUT, "ann", "*")
    assert counts(roster) == {} and "ann" not in roster.agents
    assert roster.drain() == {"ann": None}
