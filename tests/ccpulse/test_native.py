"""The one list of compiled modules: it names real sources, and a build with a compiler
compiles every one of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ccpulse.native import MODULES, compiled_modules, describe, source_paths

ROOT = Path(__file__).resolve().parents[2]


def test_every_listed_module_has_a_source_and_setup_compiles_the_list() -> None:
    for path in source_paths():
        assert (ROOT / path).is_file(), path
    printed = subprocess.run([sys.executable, "ccpulse/native.py"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    assert printed == source_paths()
    assert 'NATIVE["source_paths"]()' in (ROOT / "setup.py").read_text()


@pytest.mark.skipif(os.environ.get("CCPULSE_PURE_PYTHON", "") not in ("", "0")
                    or not (shutil.which("cc") or shutil.which("gcc")),
                    reason="built as plain Python on purpose, or no C compiler here")
def test_with_a_compiler_the_per_event_path_is_compiled() -> None:
    assert compiled_modules() == list(MODULES), describe()
