#!/usr/bin/env bash
# Create .venv and install ccpulse with the given extras (default: embedded), its
# dependencies at the versions uv.lock pins. The per-event modules (ccpulse/native.py
# lists them) are compiled with mypyc in place; they are built again whenever one of
# them, setup.py, pyproject.toml or uv.lock changes. CCPULSE_PURE_PYTHON=1 installs
# plain Python instead.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-embedded}"
python="${PYTHON:-python3}"
uv_version="0.13.9"
marker=".venv/.installed-$extras"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
sources=$("$python" ccpulse/native.py)
stale=""
if [ ! -f "$marker" ] || ! .venv/bin/python -c "import ccpulse.windows" 2>/dev/null; then
  stale="first install"
elif [ -n "$(find pyproject.toml setup.py uv.lock ccpulse/native.py $sources -newer "$marker" 2>/dev/null)" ]; then
  stale="sources changed"
elif [ "$(cat "$marker")" != "pure=${CCPULSE_PURE_PYTHON:-}" ]; then
  stale="CCPULSE_PURE_PYTHON changed"
fi
if [ -n "$stale" ]; then
  echo "setup: installing ccpulse[$extras] ($stale; compiling takes a few minutes)"
  find ccpulse windows state stream exporters sources devtools -name '*.so' -delete
  .venv/bin/python -m pip install --quiet --upgrade pip "uv==$uv_version"
  locked=$(mktemp)
  trap 'rm -f "$locked"' EXIT
  .venv/bin/uv export --quiet --locked --no-emit-project --no-hashes \
    $(printf -- '--extra %s ' ${extras//,/ }) > "$locked"
  .venv/bin/python -m pip install --quiet -r "$locked"
  .venv/bin/python -m pip install --quiet --no-deps -e ".[$extras]"
  echo "pure=${CCPULSE_PURE_PYTHON:-}" > "$marker"
  echo "setup: $(.venv/bin/ccpulse version)"
fi
