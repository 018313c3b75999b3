#!/usr/bin/env bash
# Set up if needed, then run the checks: ruff, mypy, the import contract and the whole
# test suite (unit, property and integration tests against a real broker, Redis servers
# and Prometheus).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# Prometheus (promtool) and Alertmanager (amtool) for the deployment tests
missing=""
command -v promtool >/dev/null || missing="$missing prometheus"
command -v amtool >/dev/null || missing="$missing prometheus-alertmanager"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "test: missing$missing (apt-get install$missing); those tests will be skipped"
  fi
fi
echo "test: ruff"
.venv/bin/ruff check .
echo "test: mypy"
.venv/bin/mypy
echo "test: import contract"
.venv/bin/lint-imports --no-cache
echo "test: pytest"
exec .venv/bin/python -m pytest "$@"
