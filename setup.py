"""Builds ccpulse, compiling the per-event path with mypyc.

The modules below are plain, fully typed Python; mypyc turns each into a C
extension that runs the same code several times faster. Set
``CCPULSE_PURE_PYTHON=1`` to skip this; where no C compiler is available the
build falls back to plain Python by itself. ``ccpulse version`` says which runs;
``ccpulse.native.MODULES`` lists the same modules by name.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.extension import Extension

COMPILED = [
    "windows/aggregate.py",
    "windows/agents.py",
    "windows/clock.py",
    "windows/contacts.py",
    "windows/engine.py",
    "windows/event.py",
    "windows/partition.py",
    "windows/policy.py",
    "windows/store.py",
    "windows/timeframes.py",
    "stream/events.py",
    "stream/processor.py",
]


def extensions() -> list[Extension]:
    if os.environ.get("CCPULSE_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("ccpulse: mypyc is not available; building plain Python", file=sys.stderr)
        return []
    modules: list[Extension] = mypycify(COMPILED, opt_level="3",
                                        separate=[(COMPILED, "ccpulse.native")])
    for module in modules:
        module.optional = True  # no compiler: plain Python instead of a failed install
    return modules


setup(ext_modules=extensions())
