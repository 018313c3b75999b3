"""The ``outcome`` family (per queue and channel): contacts by outcome, first contacts,
first-contact resolutions decided, repeats; the customer records."""

from __future__ import annotations

from typing import Final

from ccpulse.windows.families import FamilySpec, RecordSpec
from ccpulse.windows.timeframes import CONTACT_WINDOWS

FIELDS: Final = ("contacts", "agent_contacts", "resolved", "self_served", "first_contacts",
                 "decided", "fcr", "repeats")
CONTACTS: Final = 0
AGENT_CONTACTS: Final = 1  # resolved or unresolved: reached an agent
RESOLVED: Final = 2  # resolved, by an agent or by self-service
SELF_SERVED: Final = 3
FIRST_CONTACTS: Final = 4  # the first contact on a matter (no contact on it within the window)
DECIDED: Final = 5  # first contacts whose outcome is known: a repeat came, or the window ended
FCR: Final = 6  # decided first contacts that resolved the matter with no repeat
REPEATS: Final = 7  # contacts within the window after a contact on the same matter
assert FIELDS.index("repeats") == REPEATS

WINDOWS: Final[tuple[str, ...]] = tuple(w.name for w in CONTACT_WINDOWS)
OUTCOME: Final[FamilySpec] = FamilySpec("outcome", 1, FIELDS, ("queue", "channel"), WINDOWS)
CUSTOMER_RECORDS: Final[RecordSpec] = RecordSpec("customer", 1,
                                                 ("matters", "touched_ms", "event_ids"))
