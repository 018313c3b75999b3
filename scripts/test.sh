#!/usr/bin/env bash
# Set up if needed, then run the checks: ruff, mypy and the whole test suite
# (unit, property and integration tests against a real broker and Redis server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
echo "test: ruff"
.venv/bin/ruff check .
echo "test: mypy"
.venv/bin/mypy
echo "test: pytest"
exec .venv/bin/python -m pytest "$@"
