#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up, checks the code statically
# (scripts/lint.sh), then runs pytest. `./test.sh --fast` runs only the quick
# tests (no simulators, Prometheus or SSH servers) and skips the static checks.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest -m "not slow" "$@"
fi
scripts/lint.sh
exec .venv/bin/python -m pytest "$@"
