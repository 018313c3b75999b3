"""setup.py compiles exactly the modules ccpulse.native reports on."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest

from ccpulse.native import MODULES, compiled_modules, describe

ROOT = Path(__file__).resolve().parent.parent


def test_setup_compiles_the_listed_modules() -> None:
    tree = ast.parse((ROOT / "setup.py").read_text())
    listed = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets))
    paths = ast.literal_eval(listed)
    assert sorted(p.removesuffix(".py").replace("/", ".") for p in paths) == sorted(MODULES)


@pytest.mark.skipif(os.environ.get("CCPULSE_PURE_PYTHON", "") not in ("", "0")
                    or not (shutil.which("cc") or shutil.which("gcc")),
                    reason="built as plain Python on purpose, or no C compiler here")
def test_with_a_compiler_the_per_event_path_is_compiled() -> None:
    assert compiled_modules() == list(MODULES), describe()
