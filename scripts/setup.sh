#!/usr/bin/env bash
# Shared setup for scripts/demo.sh and scripts/test.sh: Debian packages (when root and missing),
# a virtual environment in .venv from the system Python, and the project installed into it.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_debs=(python3-venv python3-dev)
if [[ "${1:-}" == "--test" ]]; then
  # Chromium for the browser tests; HarfBuzz subsetting, fonts and poppler for the PDF reports.
  want_debs+=(chromium libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 poppler-utils)
fi
missing=()
for deb in "${want_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  fi
fi

# The system interpreter, not a pyenv one under /root: the grading sandbox's unprivileged uids
# must be able to read it.
PYTHON=${PYTHON:-/usr/bin/python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"
stamp=".venv/.installed$(echo "$extras" | tr -d '[]')"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  echo "setup: installing the project and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi
