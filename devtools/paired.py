"""Paired catch-up rounds: a worker of each build against the same raw baseline.

``ccpulse bench`` measures one build. Two bench runs, one per build, compare two
moments of a machine whose speed drifts by a third within minutes: a change worth
10 % can come out either way. This runs every build in each round, on one set of
embedded services, in alternating order (the first build first in even rounds, last
in odd ones), each worker run between two raw runs of its own copy of the mix, as
the bench's rounds do::

    python -m ccpulse.devtools.paired --rounds 8 ../before ../after

Each build is a checkout set up with ``scripts/setup.sh`` (its ``.venv`` runs the
worker, compiled or not as it was set up) or a Python interpreter with ccpulse
installed. It prints a line per worker run and, per build, the median ratio to the
raw baseline, the median CPU per input event and the rounds it won. The same build
given twice (``paired . .``) shows what the machine's drift alone makes of a
comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from ccpulse.devtools.bench import Run, bracketed_round, realistic_mix, steps_of
from ccpulse.devtools.embedded import start_broker, start_redis
from ccpulse.errors import CcpulseError


def say(message: str) -> None:
    print(f"paired: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Build:
    label: str  # as given on the command line
    python: Path
    cwd: Path


def build_of(argument: str, label: str | None = None) -> Build:
    """A checkout (run by its ``.venv``) or a Python interpreter."""
    label = label or argument
    path = Path(argument)
    if path.is_dir():
        python = path / ".venv" / "bin" / "python"
        if not python.exists():
            raise CcpulseError(f"{argument} has no .venv/bin/python: set the checkout up "
                               "with scripts/setup.sh first")
        return Build(label, python, path)
    if path.is_file() and os.access(path, os.X_OK):
        return Build(label, path, Path.cwd())
    raise CcpulseError(f"{argument} is neither a checkout nor a Python interpreter")


def builds_of(arguments: Sequence[str]) -> list[Build]:
    """The builds named, each labelled as given (a repeat with its place: ``.#2``)."""
    return [build_of(argument, argument if argument not in arguments[:i] else
                     f"{argument}#{arguments[:i].count(argument) + 1}")
            for i, argument in enumerate(arguments)]


def in_turn(builds: Sequence[Build], round_index: int) -> list[Build]:
    """The order of the builds in a round: as given in even rounds, reversed in odd ones
    (a build that always ran first would always meet the machine a minute earlier)."""
    return list(builds) if round_index % 2 == 0 else list(reversed(builds))


def summary(runs: Sequence[dict[str, Any]], labels: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per build: median ratio and CPU per event over its runs, and the rounds in which its
    ratio was the highest."""
    out: dict[str, dict[str, Any]] = {}
    for label in labels:
        own = [run for run in runs if run["build"] == label]
        out[label] = {"runs": len(own),
                      "median_ratio": statistics.median(r["ratio"] for r in own),
                      "median_cpu_us_per_event": statistics.median(
                          r["cpu_us_per_event"] for r in own),
                      "rounds_won": 0}
    for index in sorted({run["round"] for run in runs}):
        best = max((run for run in runs if run["round"] == index), key=lambda r: r["ratio"])
        out[best["build"]]["rounds_won"] += 1
    return out


def by_step(figures: dict[str, float]) -> str:
    """The run's CPU per event by step, as said after its total (nothing for a build whose
    workers do not count their steps' CPU)."""
    if not figures["cpu_fold_us"]:
        return ""
    return " (" + ", ".join(f"{step} {us:.2f}" for step, us in steps_of(figures).items()) + ")"


def run_paired(builds: Sequence[Build], events: int, rounds: int,
               batch_size: int | None = None) -> dict[str, Any]:
    settings = {} if batch_size is None else {"CCPULSE_BATCH_SIZE": str(batch_size)}
    logdir = Path(tempfile.mkdtemp(prefix="ccpulse-paired-"))
    say(f"starting embedded broker and Redis; logs in {logdir}")
    run = Run(start_broker(), start_redis(), logdir)
    runs: list[dict[str, Any]] = []
    try:
        docs = realistic_mix(events, time.time() - 2 * 3_600)
        client = redis.Redis.from_url(run.redis_url)
        for index in range(rounds):
            for build in in_turn(builds, index):
                prefix = f"paired{len(runs) + 1}"
                say(f"round {index + 1} of {rounds}: {build.label}")
                figures = bracketed_round(run, client, docs, prefix, settings, build.python,
                                          build.cwd)
                del figures["produce_events_per_s"]
                runs.append({"round": index, "build": build.label, **figures})
                say(f"  ratio {figures['ratio']:.3f}, {figures['cpu_us_per_event']:.2f} us of "
                    f"CPU per event{by_step(figures)}, raw "
                    f"{figures['raw_before_events_per_s']:,.0f} / "
                    f"{figures['raw_after_events_per_s']:,.0f} events/s")
    finally:
        run.stop_all()
        run.kafka.stop()
        run.redis_server.stop()
    return {"events": len(docs), "runs": runs,
            "builds": summary(runs, [build.label for build in builds])}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ccpulse.devtools.paired",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("builds", nargs="+", help="checkouts (set up) or Python interpreters")
    parser.add_argument("--events", type=int, default=200_000, help="events of the mix")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of every build")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="the workers' batch size (default: theirs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        builds = builds_of(args.builds)
    except CcpulseError as exc:
        parser.error(str(exc))
    if args.events < 2_000 or args.rounds < 1:
        parser.error("at least 2,000 events and one round")
    result = run_paired(builds, args.events, args.rounds, args.batch_size)
    if args.json:
        print(json.dumps(result))
        return
    for label, figures in result["builds"].items():
        print(f"{label}: median ratio {figures['median_ratio']:.3f}, "
              f"{figures['median_cpu_us_per_event']:.2f} us of CPU per event, "
              f"won {figures['rounds_won']} of {args.rounds} rounds")


if __name__ == "__main__":
    main()
