"""`dcops slo rules`: the goals with their budgets and burn-rate factors."""

from __future__ import annotations

import json
import subprocess
import sys

from slo_helpers import SLO_INVENTORY


def slo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dcops", "slo", "rules", *args], capture_output=True, text=True,
                          timeout=120)


def test_json_lists_each_goal_with_its_factors():
    res = slo("-i", str(SLO_INVENTORY), "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["goal"]: r for r in json.loads(res.stdout)}
    assert sorted(rows) == ["core-2n", "site-tier2", "svc-critical"]
    assert rows["svc-critical"]["subjects"] == ["portal"]  # the service points at the goal
    assert rows["site-tier2"]["subjects"] == ["branch", "hq"]
    assert (rows["site-tier2"]["error_budget"], rows["site-tier2"]["budget_minutes"]) == ("0.00259", 1361.3)
    assert [(b["long_window"], b["factor"], b["error_ratio"]) for b in rows["site-tier2"]["burn"]] == [
        ("1h", "175.2", "0.453768"), ("6h", "73", "0.18907"), ("1d", "36.5", "0.094535"),
        ("3d", "12.1667", "0.031511753")]
    assert [b["factor"] for b in rows["svc-critical"]["burn"]] == ["14.4", "6", "3", "1"]


def test_table_is_the_default():
    res = slo("-i", str(SLO_INVENTORY))
    assert res.returncode == 0, res.stderr
    assert "page 1h/5m" in res.stdout and "175.2x" in res.stdout and "12.1667x" in res.stdout


def test_bad_format_and_missing_inventory_exit_2(tmp_path):
    res = slo("--format", "yaml")
    assert res.returncode == 2 and "--format must be one of table, json, got 'yaml'" in res.stderr
    res = slo("-i", str(tmp_path / "nowhere"))
    assert res.returncode == 2 and "nowhere" in res.stderr
