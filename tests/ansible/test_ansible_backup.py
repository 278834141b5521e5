"""The backup playbook against the lab: git commits, masking, metrics, idempotence, check
mode, and a switch that dies mid-run."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
from ansible_testlib import LAB_DEVICES, playbook, recap


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def backup_args(tmp_path: Path) -> list[str]:
    return ["-e", f"config_backup_repo={tmp_path / 'repo'}", "-e", f"config_backup_metrics={tmp_path / 'metrics.prom'}"]


@pytest.mark.slow
def test_backup_commits_masked_configs_then_changes_nothing(lab_env, tmp_path, push):
    first = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path))
    assert first.returncode == 0, first.stdout[-3000:]
    repo = tmp_path / "repo"
    assert sorted(p.stem for p in repo.glob("*.cfg")) == sorted(LAB_DEVICES)
    subject = git(repo, "log", "-1", "--format=%s")
    assert all(name in subject for name in ("sc-core-01", "sc-fw-01")), subject
    ios = (repo / "sc-dist-01.cfg").read_text()
    assert "hostname sc-dist-01" in ios and "! Last configuration change at <masked>" in ios
    assert "#conf_file_ver=<masked>" in (repo / "sc-fw-01.cfg").read_text()
    # Secrets: a keyed digest where the value is stable, the constant where FortiOS re-encrypts.
    assert re.search(r"^snmp-server community <secret:[0-9a-f]{16}> RO$", (repo / "sc-rtr-01.cfg").read_text(), re.M)
    assert "set password ENC <masked>" in (repo / "sc-fw-01.cfg").read_text()
    metrics = (tmp_path / "metrics.prom").read_text()
    assert 'dcops_config_backup_last_success_timestamp_seconds{device="sc-core-01"}' in metrics
    assert 'dcops_config_backup_last_change_timestamp_seconds{device="sc-fw-01"}' in metrics
    assert "dcops_config_backup_secret_digests 1.0" in metrics
    assert "secret change detection is off" not in first.stderr
    lint = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    head = git(repo, "rev-parse", "HEAD")
    second = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path))
    assert second.returncode == 0
    assert all(r["changed"] == 0 for r in recap(second.stdout).values()), second.stdout[-2000:]
    assert git(repo, "rev-parse", "HEAD") == head

    push("sc-edge-01", ["ntp server 10.10.0.250"], revert=["no ntp server 10.10.0.250"])
    before = (repo / "sc-edge-01.cfg").read_text()
    checked = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path), "--check", "--diff")
    assert checked.returncode == 0
    assert recap(checked.stdout)["sc-edge-01"]["changed"] == 1
    assert recap(checked.stdout)["sc-core-01"]["changed"] == 0
    assert "+ntp server 10.10.0.250" in checked.stdout
    assert (repo / "sc-edge-01.cfg").read_text() == before and git(repo, "rev-parse", "HEAD") == head

    applied = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path))
    assert applied.returncode == 0
    assert "ntp server 10.10.0.250" in (repo / "sc-edge-01.cfg").read_text()
    assert git(repo, "log", "-1", "--format=%s").strip() == "backup: 1 device(s) changed: sc-edge-01"


@pytest.mark.slow
def test_switch_stopped_mid_backup_keeps_its_previous_file(lab, lab_env, tmp_path, push):
    first = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path))
    assert first.returncode == 0
    repo = tmp_path / "repo"
    previous = {p.stem: p.read_text() for p in repo.glob("*.cfg")}
    from dcops_devices.access import run_bulk

    def change(name: str) -> None:  # give every device a change, so "backed up" is visible
        if name == "sc-fw-01":
            push(name, ["config system global", "set pre-login-banner disable", "end"],
                 revert=["config system global", "set pre-login-banner enable", "end"])
        else:
            push(name, ["logging host 10.10.0.251"], revert=["no logging host 10.10.0.251"])

    assert all(r.ok for r in run_bulk(LAB_DEVICES, change, workers=8))

    victim = "sc-fw-01"  # last in inventory order: still waiting while the others run
    started = time.time()
    stopped = threading.Event()

    def stop_after_first_write() -> None:
        deadline = time.time() + 120
        while time.time() < deadline:
            if any(p.stat().st_mtime > started for p in repo.glob("*.cfg")):
                lab.stop_device(victim)
                stopped.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=stop_after_first_write)
    watcher.start()
    try:
        run = playbook("backup_configs.yml", lab_env, *backup_args(tmp_path), "--forks", "2")
    finally:
        watcher.join()
        lab.start_device(victim)
    assert stopped.is_set()
    hosts = recap(run.stdout)
    assert run.returncode != 0 and hosts[victim]["failed"] == 1, run.stdout[-3000:]
    assert "previous backup kept" in run.stdout
    assert (repo / f"{victim}.cfg").read_text() == previous[victim]
    for name in LAB_DEVICES:
        if name != victim:
            assert hosts[name]["failed"] == 0
            assert "logging host 10.10.0.251" in (repo / f"{name}.cfg").read_text(), name
    subject = git(repo, "log", "-1", "--format=%s")
    assert victim not in subject and "7 device(s) changed" in subject
    metrics = (tmp_path / "metrics.prom").read_text()
    assert f'dcops_config_backup_success{{device="{victim}"}} 0.0' in metrics
    assert 'dcops_config_backup_success{device="sc-core-01"} 1.0' in metrics


def test_lab_only_mode_refuses_inventory_addresses(inv, monkeypatch):
    """Without an address map, lab-only mode refuses the inventory's address before any
    connection object exists (this test never opens one, whatever happens)."""
    from dcops_devices.access import TargetRefused, target_for

    monkeypatch.setenv("DCOPS_LAB_ONLY", "1")
    monkeypatch.setenv("DCOPS_NET_PASSWORD", "unused")
    with pytest.raises(TargetRefused, match="refusing to contact 10.10.0.1"):
        target_for(inv, "sc-core-01", None)
    with pytest.raises(TargetRefused, match="no ssh endpoint in the lab address map"):
        from dcops_inventory import AddressMap
        target_for(inv, "sc-core-01", AddressMap({}, source="empty"))


@pytest.mark.slow
def test_without_a_mask_key_secrets_get_a_constant_and_the_run_says_so(lab_env, tmp_path):
    env = {k: v for k, v in lab_env.items() if k != "DCOPS_BACKUP_MASK_KEY"}
    run = playbook("backup_configs.yml", env, *backup_args(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    warning = ("secret change detection is off (secrets masked as <masked>): secret 'backup-mask-key': "
               "environment variable DCOPS_BACKUP_MASK_KEY is not set")
    assert run.stderr.count(warning) == 1, run.stderr
    assert "snmp-server community <masked> RO" in (tmp_path / "repo" / "sc-rtr-01.cfg").read_text()
    assert "dcops_config_backup_secret_digests 0.0" in (tmp_path / "metrics.prom").read_text()
