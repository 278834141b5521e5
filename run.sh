#!/usr/bin/env bash
# The main job on the embedded default (the MTPE data center): sets up, then runs it.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/dcops inventory summary "$@"
