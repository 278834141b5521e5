#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
