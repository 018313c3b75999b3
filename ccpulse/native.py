"""Which modules run compiled (mypyc C extensions built by ``setup.py``): the one list.

``setup.py`` compiles these, ``scripts/setup.sh`` rebuilds when one of them
changes, and the tests refuse to run against a stale build. Run this file to
print their source paths.
"""

from __future__ import annotations

import importlib
from importlib.machinery import EXTENSION_SUFFIXES

# the per-event path, by module name (ccpulse.windows is the folder windows/, and so on)
MODULES = (
    "ccpulse.windows.business",
    "ccpulse.windows.clock",
    "ccpulse.windows.config",
    "ccpulse.windows.daily",
    "ccpulse.windows.domain",
    "ccpulse.windows.engine",
    "ccpulse.windows.events",
    "ccpulse.windows.families",
    "ccpulse.windows.fields",
    "ccpulse.windows.histograms",
    "ccpulse.windows.labels",
    "ccpulse.windows.partition",
    "ccpulse.windows.policy",
    "ccpulse.windows.registry",
    "ccpulse.windows.timeframes",
    "ccpulse.windows.agents.domain",
    "ccpulse.windows.agents.family",
    "ccpulse.windows.agents.roster",
    "ccpulse.windows.agents.work",
    "ccpulse.windows.chats.domain",
    "ccpulse.windows.chats.event",
    "ccpulse.windows.chats.family",
    "ccpulse.windows.chats.responses",
    "ccpulse.windows.contacts.event",
    "ccpulse.windows.contacts.family",
    "ccpulse.windows.contacts.kpis",
    "ccpulse.windows.contacts.tracker",
    "ccpulse.windows.contacts.voice",
    "ccpulse.windows.outcomes.customers",
    "ccpulse.windows.outcomes.domain",
    "ccpulse.windows.outcomes.event",
    "ccpulse.windows.outcomes.family",
    "ccpulse.windows.quality.criteria",
    "ccpulse.windows.quality.domain",
    "ccpulse.windows.quality.event",
    "ccpulse.windows.quality.family",
    "ccpulse.windows.quality.reviews",
    "ccpulse.windows.surveys.domain",
    "ccpulse.windows.surveys.event",
    "ccpulse.windows.surveys.family",
    "ccpulse.windows.surveys.tracker",
    "ccpulse.windows.tickets.backlog",
    "ccpulse.windows.tickets.config",
    "ccpulse.windows.tickets.domain",
    "ccpulse.windows.tickets.event",
    "ccpulse.windows.tickets.family",
    "ccpulse.windows.tickets.lifecycle",
    "ccpulse.windows.tickets.sla",
    "ccpulse.state.codec",
    "ccpulse.stream.batches",
    "ccpulse.stream.codec",
    "ccpulse.stream.processor",
)


def source_paths() -> list[str]:
    """Each module's source, relative to the repository (through the ``ccpulse/`` links)."""
    return [name.replace(".", "/") + ".py" for name in MODULES]


def compiled_modules() -> list[str]:
    """The modules above that were imported from a C extension."""
    return [name for name in MODULES
            if str(importlib.import_module(name).__file__).endswith(tuple(EXTENSION_SUFFIXES))]


def describe() -> str:
    compiled = compiled_modules()
    if len(compiled) == len(MODULES):
        return "compiled (mypyc)"
    if not compiled:
        return "plain Python (not compiled)"
    return f"partly compiled ({len(compiled)} of {len(MODULES)} modules)"


if __name__ == "__main__":
    print("\n".join(source_paths()))
