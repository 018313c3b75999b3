"""Paired rounds: which builds, in which order, and how their runs are summed up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ccpulse.devtools.paired import Build, build_of, builds_of, by_step, in_turn, summary
from ccpulse.errors import CcpulseError


def checkout(root: Path) -> Path:
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    return root


def test_a_checkout_runs_its_own_venv_and_an_interpreter_runs_as_given(tmp_path: Path) -> None:
    root = checkout(tmp_path / "before")
    assert build_of(str(root)) == Build(str(root), root / ".venv" / "bin" / "python", root)
    python = root / ".venv" / "bin" / "python"
    assert build_of(str(python)).python == python


def test_a_checkout_not_set_up_or_a_missing_path_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(CcpulseError, match=r"scripts/setup\.sh"):
        build_of(str(tmp_path))
    missing = tmp_path / "nowhere"
    with pytest.raises(CcpulseError, match="neither a checkout nor a Python interpreter"):
        build_of(str(missing))
    plain = tmp_path / "notes.txt"
    plain.write_text("")
    os.chmod(plain, 0o644)
    with pytest.raises(CcpulseError, match="neither"):
        build_of(str(plain))


def test_the_same_build_twice_gets_two_labels(tmp_path: Path) -> None:
    root = str(checkout(tmp_path / "a"))
    assert [b.label for b in builds_of([root, root, root])] == [root, f"{root}#2", f"{root}#3"]


def test_builds_take_turns_going_first() -> None:
    a, b, c = (Build(name, Path(name), Path(".")) for name in "abc")
    assert in_turn([a, b, c], 0) == [a, b, c]
    assert in_turn([a, b, c], 1) == [c, b, a]
    assert in_turn([a, b, c], 2) == [a, b, c]


def test_the_summary_gives_medians_and_the_rounds_each_build_won() -> None:
    runs = [
        {"round": 0, "build": "a", "ratio": 0.40, "cpu_us_per_event": 7.0},
        {"round": 0, "build": "b", "ratio": 0.50, "cpu_us_per_event": 6.0},
        {"round": 1, "build": "b", "ratio": 0.45, "cpu_us_per_event": 6.5},
        {"round": 1, "build": "a", "ratio": 0.47, "cpu_us_per_event": 6.8},
        {"round": 2, "build": "a", "ratio": 0.42, "cpu_us_per_event": 7.2},
        {"round": 2, "build": "b", "ratio": 0.55, "cpu_us_per_event": 5.5},
    ]
    result = summary(runs, ["a", "b"])
    assert result["a"] == {"runs": 3, "median_ratio": 0.42, "median_cpu_us_per_event": 7.0,
                           "rounds_won": 1}
    assert result["b"] == {"runs": 3, "median_ratio": 0.50, "median_cpu_us_per_event": 6.0,
                           "rounds_won": 2}


def test_a_run_says_its_cpu_by_step_when_its_workers_count_it() -> None:
    figures = {"cpu_fold_us": 4.0, "cpu_publish_us": 1.0, "cpu_save_us": 0.5,
               "cpu_other_us": 2.5}
    assert by_step(figures) == " (fold 4.00, publish 1.00, save 0.50, other 2.50)"
    older = {**figures, "cpu_fold_us": 0.0, "cpu_publish_us": 0.0, "cpu_save_us": 0.0}
    assert by_step(older) == ""  # a build from before the count
