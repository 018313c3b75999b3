#!/usr/bin/env bash
# Create .venv and install ccpulse with the given extras (default: embedded).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-embedded}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
if ! .venv/bin/python -c "import ccpulse" 2>/dev/null || [ pyproject.toml -nt .venv/.installed-"$extras" ]; then
  echo "setup: installing ccpulse[$extras] (first run takes a minute)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$extras]"
  touch .venv/.installed-"$extras"
fi
