#!/usr/bin/env bash
# One command: set up on a fresh Debian machine and start the demo (SQLite, demo data, links).
#   bash scripts/demo.sh [--port 5000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/assessment demo "$@"
