"""Shared by the availability rule tests (imported by name: every test folder has a conftest)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
SLO_INVENTORY = HERE / "fixtures" / "inventory"
RULES_TESTS = HERE / "rules_tests"
REPO = HERE.parents[1]

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
needs_amtool = pytest.mark.skipif(shutil.which("amtool") is None,
                                  reason="amtool (Debian prometheus-alertmanager) missing")


def render(out: Path, *args: str, inventory: Path | None = None) -> subprocess.CompletedProcess:
    """`dcops prometheus render` as a user runs it."""
    cmd = [sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(out), *args]
    if inventory is not None:
        cmd += ["--inventory", str(inventory)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def rendered_groups(out: Path) -> dict[str, dict]:
    """rules/dcops-*.yml -> its single group."""
    groups = {}
    for path in sorted((out / "rules").glob("dcops-*.yml")):
        doc = yaml.safe_load(path.read_text())
        assert len(doc["groups"]) == 1, f"{path.name}: one group per file"
        groups[path.name] = doc["groups"][0]
    return groups


def rendered_alerts(out: Path) -> list[dict]:
    return [rule for group in rendered_groups(out).values() for rule in group["rules"] if "alert" in rule]
