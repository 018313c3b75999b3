"""Builds ccpulse, compiling the per-event path with mypyc.

The modules listed in ``ccpulse/native.py`` are plain, fully typed Python; mypyc
turns each into a C extension that runs the same code several times faster. Set
``CCPULSE_PURE_PYTHON=1`` to skip this; where no C compiler is available the
build falls back to plain Python by itself. ``ccpulse version`` says which runs.
"""

from __future__ import annotations

import os
import runpy
import sys

from setuptools import setup
from setuptools.extension import Extension

NATIVE = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ccpulse",
                                     "native.py"))


def extensions() -> list[Extension]:
    if os.environ.get("CCPULSE_PURE_PYTHON", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("ccpulse: mypyc is not available; building plain Python", file=sys.stderr)
        return []
    sources = NATIVE["source_paths"]()
    modules: list[Extension] = mypycify(sources, opt_level="3",
                                        separate=[(sources, "ccpulse.native")])
    for module in modules:
        module.optional = True  # no compiler: plain Python instead of a failed install
    return modules


setup(ext_modules=extensions())
