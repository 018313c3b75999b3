"""What the tickets domain is configured with, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ccpulse.windows.tickets.sla import SlaBook

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True)
class TicketConfig:
    days: int = 7  # the multi-day window (``7d``)
    bands_ms: tuple[int, ...] = (4 * HOUR_MS, DAY_MS, 3 * DAY_MS)  # backlog age edges
    sla: SlaBook = field(default_factory=SlaBook)
    reopen_window_ms: int = 4 * DAY_MS  # solved and not reopened this long: final
    forget_final_ms: int = DAY_MS  # final tickets kept this long, for dropping repeats
    max_open_ms: int = 90 * DAY_MS  # open and untouched this long: forgotten (expired)
    max_tickets: int = 2_000_000  # per partition
    max_categories: int = 200  # per partition; more count as "other"
    queue_calendars: Mapping[str, str] = field(default_factory=dict)  # queue -> calendar

    def __post_init__(self) -> None:
        if list(self.bands_ms) != sorted(set(self.bands_ms)) or not self.bands_ms:
            raise ValueError("backlog age bands must be distinct and ascending")
