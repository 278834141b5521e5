"""Constants and helpers for the lab SSH tests (conftest.py holds only fixtures)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE_INVENTORY = REPO / "tests" / "fixtures" / "ansible" / "inventory"
DEVICES = ["sc-core-01", "sc-dist-01", "sc-edge-01", "sc-fw-01"]


def clean_env(**extra: str) -> dict[str, str]:
    """The venv's tools first, lab-only mode on, nothing inherited from DCOPS_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCOPS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DCOPS_LAB_ONLY"] = "1"
    env.update(extra)
    return env
