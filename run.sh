#!/usr/bin/env bash
# The main job on the embedded default (the MTPE data center), in lab mode: sets up, checks
# the inventory, then runs the whole toolchain against the simulated data center.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
.venv/bin/dcops inventory validate
exec .venv/bin/dcops lab run "$@"
