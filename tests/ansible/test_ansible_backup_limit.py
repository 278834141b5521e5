"""Backups never lose a change: a run limited to some devices commits what it fetched, and
what an interrupted run left uncommitted is committed by the next run, whatever its limit.

Each case starts from a copy of one full backup of the lab (made once for the module),
changes a device, runs the playbook (or `dcops ansible backup`) limited to a site group, a
role group or one device, then runs it over every device: that run must change nothing,
and the change must be in the repository's history.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_testlib import FIXTURE_INVENTORY, LAB_DEVICES, REPO, base_env, playbook, recap

RECOVERED = "recovered uncommitted changes from an interrupted run"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def args(repo: Path, metrics: Path) -> list[str]:
    return ["-e", f"config_backup_repo={repo}", "-e", f"config_backup_metrics={metrics}"]


def added_in_last_commit(repo: Path, device: str) -> list[str]:
    diff = git(repo, "log", "-1", "-p", "--format=", "--", f"{device}.cfg")
    return [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]


def last_change(metrics: Path, device: str) -> float:
    m = re.search(rf'^dcops_config_backup_last_change_timestamp_seconds{{device="{device}"}} (\S+)$',
                  metrics.read_text(), re.M)
    assert m, f"no last-change metric for {device}"
    return float(m.group(1))


@pytest.fixture(scope="module")
def full_backup(lab, lab_secrets, tmp_path_factory) -> Path:
    """One full backup of the lab; each test works on a copy."""
    env = base_env(DCOPS_ADDRESS_MAP=str(lab.address_map_path), DCOPS_INVENTORY=str(FIXTURE_INVENTORY),
                   **lab_secrets)
    root = tmp_path_factory.mktemp("full-backup")
    run = playbook("backup_configs.yml", env, *args(root / "repo", root / "metrics.prom"))
    assert run.returncode == 0, run.stdout[-3000:]
    assert git(root / "repo", "status", "--porcelain") == ""
    return root / "repo"


@pytest.fixture()
def repo(full_backup, tmp_path) -> Path:
    shutil.copytree(full_backup, tmp_path / "repo")
    return tmp_path / "repo"


def change(push, device: str) -> str:
    """Give `device` a config change (undone at teardown); returns the line to look for."""
    if device == "sc-fw-01":
        push(device, ["config system global", "set pre-login-banner disable", "end"],
             revert=["config system global", "set pre-login-banner enable", "end"])
        return "set pre-login-banner disable"
    push(device, ["logging host 10.10.0.199"], revert=["no logging host 10.10.0.199"])
    return "logging host 10.10.0.199"


def full_run_changes_nothing(env: dict[str, str], repo: Path, metrics: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    run = playbook("backup_configs.yml", env, *args(repo, metrics))
    assert run.returncode == 0, run.stdout[-3000:]
    hosts = recap(run.stdout)
    assert sorted(hosts) == sorted(LAB_DEVICES) and all(r["changed"] == 0 for r in hosts.values()), run.stdout[-2000:]
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == ""


LIMITS = [  # (--limit, the hosts it selects, the device changed)
    ("site_sc", sorted(set(LAB_DEVICES) - {"ate-edge-01"}), "sc-dist-01"),
    ("role_edge_switch", ["ate-edge-01", "sc-edge-01"], "ate-edge-01"),
    ("sc-fw-01", ["sc-fw-01"], "sc-fw-01"),
]


@pytest.mark.slow
@pytest.mark.parametrize("limit,selected,device", LIMITS, ids=["site", "role", "device"])
def test_a_limited_run_commits_its_change_and_a_full_run_then_changes_nothing(
        lab_env, repo, tmp_path, push, limit, selected, device):
    metrics = tmp_path / "metrics.prom"
    line = change(push, device)

    run = playbook("backup_configs.yml", lab_env, *args(repo, metrics), "--limit", limit)
    assert run.returncode == 0, run.stdout[-3000:]
    assert sorted(recap(run.stdout)) == selected
    assert "skipping: no hosts matched" not in run.stdout
    assert git(repo, "log", "-1", "--format=%s").strip() == f"backup: 1 device(s) changed: {device}"
    assert line in (repo / f"{device}.cfg").read_text()
    assert git(repo, "status", "--porcelain") == ""
    other = next(d for d in selected + ["sc-core-01"] if d != device)
    assert last_change(metrics, device) > last_change(metrics, other)

    full_run_changes_nothing(lab_env, repo, metrics)
    assert f"backup: 1 device(s) changed: {device}" in git(repo, "log", "--format=%s").splitlines()
    assert line in added_in_last_commit(repo, device)


def interrupted_backup(inv, lab, repo: Path, device: str) -> None:
    """What a run that stopped after writing `device`'s file, before its commit, leaves."""
    from dcops_ansible.backup import backup_device
    from dcops_ansible.backup_store import BackupStore
    from dcops_ansible.mask_key import mask_key

    assert backup_device(inv, device, BackupStore(repo), lab.address_map(), key=mask_key(inv).key).changed
    assert git(repo, "status", "--porcelain").strip() == f"M {device}.cfg"


@pytest.mark.slow
def test_the_next_run_commits_what_an_interrupted_run_left_whatever_its_limit(lab, lab_env, inv, repo, tmp_path,
                                                                              push):
    metrics = tmp_path / "metrics.prom"
    line = change(push, "sc-poe-01")
    interrupted_backup(inv, lab, repo, "sc-poe-01")
    head = git(repo, "rev-parse", "HEAD")

    checked = playbook("backup_configs.yml", lab_env, *args(repo, metrics), "--limit", "sc-rtr-01", "--check")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert f"[WARNING]: would commit, {RECOVERED}: sc-poe-01" in checked.stderr
    assert git(repo, "rev-parse", "HEAD") == head and not metrics.exists()

    run = playbook("backup_configs.yml", lab_env, *args(repo, metrics), "--limit", "sc-rtr-01")
    assert run.returncode == 0, run.stdout[-3000:]
    assert sorted(recap(run.stdout)) == ["sc-rtr-01"]
    assert f"[WARNING]: {RECOVERED}: sc-poe-01 (commit " in run.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == f"backup: {RECOVERED}: sc-poe-01"
    assert line in added_in_last_commit(repo, "sc-poe-01")
    assert git(repo, "status", "--porcelain") == ""

    full_run_changes_nothing(lab_env, repo, metrics)


@pytest.mark.slow
def test_dcops_ansible_backup_of_one_device_commits_what_an_interrupted_run_left(lab, lab_env, inv, repo, tmp_path,
                                                                                 push):
    line = change(push, "sc-dist-01")
    interrupted_backup(inv, lab, repo, "sc-dist-01")
    cli = ["dcops", "ansible", "backup", "--address-map", lab_env["DCOPS_ADDRESS_MAP"], "-i",
           lab_env["DCOPS_INVENTORY"], "--repo", str(repo), "--metrics", str(tmp_path / "m.prom")]

    one = subprocess.run(cli + ["-d", "sc-core-01"], cwd=REPO, env=lab_env, capture_output=True, text=True,
                         timeout=120)
    assert one.returncode == 0, one.stdout + one.stderr
    assert re.search(rf"^{RECOVERED} \(commit [0-9a-f]{{10}}\): sc-dist-01$", one.stdout, re.M), one.stdout
    assert "backup of 1 devices in" in one.stdout and re.search(r"^  changed +0$", one.stdout, re.M)
    assert git(repo, "log", "-1", "--format=%s").strip() == f"backup: {RECOVERED}: sc-dist-01"
    assert line in git(repo, "show", "HEAD:sc-dist-01.cfg")
    assert "secret change detection is off" not in one.stderr

    every = subprocess.run(cli, cwd=REPO, env=lab_env, capture_output=True, text=True, timeout=120)
    assert every.returncode == 0, every.stdout + every.stderr
    assert f"backup of {len(LAB_DEVICES)} devices in" in every.stdout
    assert re.search(r"^  changed +0$", every.stdout, re.M) and re.search(r"^  failed +0$", every.stdout, re.M)
    assert RECOVERED not in every.stdout and git(repo, "status", "--porcelain") == ""
