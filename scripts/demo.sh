#!/usr/bin/env bash
# Set up if needed, then run the demo: embedded broker and Redis, worker, exporter, simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh embedded
exec .venv/bin/ccpulse demo "$@"
