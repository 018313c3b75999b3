"""The engine's configuration: what every domain needs to know, as plain values.

``ccpulse.wiring`` builds it from the settings; tests build it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ccpulse.windows.business import BusinessCalendar
from ccpulse.windows.policy import PolicyBook
from ccpulse.windows.quality.criteria import Criterion
from ccpulse.windows.tickets.config import TicketConfig
from ccpulse.windows.timeframes import Calendar

DEFAULT_CAPACITY = {"voice": 1, "chat": 3}
STANDARD_WAIT_BOUNDS_S = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)


@dataclass(frozen=True)
class Retention:
    """How long a contact is remembered in each stage."""

    dedupe_ms: int = 15 * 60_000  # finished contacts, for dropping repeated events
    max_wait_ms: int = 4 * 3_600_000  # waiting (or in service) longer: presumed lost


@dataclass(frozen=True)
class Limits:
    """Bounds that no input can push state past."""

    max_contacts: int = 100_000  # contacts tracked per partition and domain
    max_queues: int = 1_000  # distinct queues per partition; more fold into "other"
    queue_allowlist: frozenset[str] = frozenset()  # when not empty: only these queues
    max_agents: int = 5_000  # distinct agents in per-agent series per partition; then "other"


@dataclass(frozen=True)
class EngineConfig:
    policies: PolicyBook = field(default_factory=PolicyBook)
    calendar: Calendar = field(default_factory=Calendar)
    wait_bounds_s: tuple[float, ...] = STANDARD_WAIT_BOUNDS_S
    voice: Retention = field(default_factory=Retention)
    limits: Limits = field(default_factory=Limits)
    # business-hours calendars by name ("site": the site's opening hours)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    per_agent: bool = True  # figures per agent (label ``agent``); off for very large sites
    # contacts of each channel an agent can serve at once, unless its agent.state says
    capacity: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    derive_agent_activity: bool = True  # contact domains tell agents' partitions of work
    tickets: TicketConfig = field(default_factory=TicketConfig)
    survey_retention_ms: int = 30 * 86_400_000  # a survey answered or followed up later
    repeat_window_ms: int = 72 * 3_600_000  # a contact within it after another is a repeat
    # quality review criteria by name (empty: any criterion, weight 1, maximum 5)
    quality_criteria: Mapping[str, Criterion] = field(default_factory=dict)
    # what a staffed agent-hour costs, per queue ("*": any queue); none: no cost figures
    agent_hour_cost: Mapping[str, float] = field(default_factory=dict)

    def response_bounds_ms(self) -> tuple[int, ...]:
        """The response histograms' bounds: the standard ones and every response target."""
        from ccpulse.windows.chats.family import STANDARD_RESPONSE_BOUNDS_S

        standard = {b * 1000 for b in STANDARD_RESPONSE_BOUNDS_S}
        return tuple(sorted(standard | set(self.policies.response_targets_ms())))

    def ticket_bounds_ms(self) -> tuple[int, ...]:
        """The ticket histograms' bounds: the standard ones and every SLA target."""
        from ccpulse.windows.tickets.family import STANDARD_TICKET_BOUNDS_S

        standard = {b * 1000 for b in STANDARD_TICKET_BOUNDS_S}
        return tuple(sorted(standard | self.tickets.sla.targets_ms()))

    def wait_bounds_ms(self) -> tuple[int, ...]:
        """The wait histograms' bounds: the standard ones and every configured threshold."""
        standard = {round(b * 1000) for b in self.wait_bounds_s}
        return tuple(sorted(standard | set(self.policies.thresholds_ms())))
