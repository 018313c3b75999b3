"""Which per-event modules run compiled (mypyc C extensions, see ``setup.py``)."""

from __future__ import annotations

import importlib
from importlib.machinery import EXTENSION_SUFFIXES

# the modules setup.py compiles, by module name
MODULES = (
    "windows.aggregate",
    "windows.agents",
    "windows.clock",
    "windows.contacts",
    "windows.engine",
    "windows.event",
    "windows.partition",
    "windows.policy",
    "windows.store",
    "windows.timeframes",
    "stream.events",
    "stream.processor",
)


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
