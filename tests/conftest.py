"""Refuse to test stale compiled modules: a C extension built from an older source
would shadow the source being tested (``scripts/setup.sh`` rebuilds them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccpulse.native import MODULES


def pytest_configure(config: pytest.Config) -> None:
    root = Path(__file__).resolve().parent.parent
    stale = []
    for name in MODULES:
        source = root.joinpath(*name.split(".")).with_suffix(".py")
        for built in source.parent.glob(f"{source.stem}.*.so"):
            if source.stat().st_mtime > built.stat().st_mtime:
                stale.append(str(source.relative_to(root)))
    if stale:
        raise pytest.UsageError(f"compiled modules older than their source: {', '.join(stale)};"
                                " run scripts/setup.sh (or scripts/test.sh) to rebuild them")
