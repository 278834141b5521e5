"""The compliance playbook and CLI against the lab: drift is reported line by line."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from ansible_testlib import REPO, playbook, recap


@pytest.mark.slow
def test_compliance_reports_missing_and_extra_lines(lab_env, tmp_path, push):
    push("sc-edge-01", ["no logging host 10.10.0.102", "ntp server 10.10.0.99", "vlan 99", "name rogue"],
         revert=["no ntp server 10.10.0.99", "no vlan 99", "logging host 10.10.0.102"])
    push("sc-fw-01", ["config system snmp user", 'delete "dcops-mon"', "end"],
         revert=["config system snmp user", 'edit "dcops-mon"', "set security-level auth-priv",
                 "set auth-proto sha", "set priv-proto aes", "next", "end"])
    report, metrics = tmp_path / "report.json", tmp_path / "compliance.prom"
    args = ["-e", f"compliance_report={report}", "-e", f"compliance_metrics={metrics}"]

    checked = playbook("compliance.yml", lab_env, *args, "--check", "--diff")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert all(r["changed"] == 0 for r in recap(checked.stdout).values())
    shown = checked.stdout.split("TASK [compliance : Show drift]")[1]
    assert '"missing": [\n            "logging host 10.10.0.102"' in shown, shown[:2000]
    assert "skipping: [sc-core-01]" in shown.split("TASK [compliance : Write the drift report")[0]
    assert not report.exists() and not metrics.exists()

    run = playbook("compliance.yml", lab_env, *args)
    assert run.returncode == 0
    data = json.loads(report.read_text())
    edge = data["devices"]["sc-edge-01"]
    assert edge["missing"] == ["logging host 10.10.0.102"]
    assert edge["extra"] == ["ntp server 10.10.0.99", "vlan 99", "vlan 99 > name rogue"]
    fw = data["devices"]["sc-fw-01"]
    assert 'config system snmp user > edit "dcops-mon"' in fw["missing"] and fw["extra"] == []
    assert data["devices"]["sc-core-01"]["compliant"] is True
    assert data["non_compliant"] == ["sc-edge-01", "sc-fw-01"]
    text = metrics.read_text()
    assert 'dcops_config_compliance_extra_lines{device="sc-edge-01"} 3.0' in text
    assert 'dcops_config_compliance_compliant{device="sc-core-02"} 1.0' in text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    # Limited to the edge switches: their entries are this run's, every other device keeps its own.
    push("ate-edge-01", ["ntp server 10.20.0.99"], revert=["no ntp server 10.20.0.99"])
    limited = playbook("compliance.yml", lab_env, *args, "--limit", "role_edge_switch")
    assert limited.returncode == 0, limited.stdout[-3000:]
    assert sorted(recap(limited.stdout)) == ["ate-edge-01", "sc-edge-01"]
    after = json.loads(report.read_text())
    assert after["checked"] == ["ate-edge-01", "sc-edge-01"] and sorted(after["devices"]) == sorted(data["devices"])
    assert after["devices"]["ate-edge-01"]["extra"] == ["ntp server 10.20.0.99"]
    assert after["devices"]["sc-fw-01"] == data["devices"]["sc-fw-01"]
    assert after["non_compliant"] == ["ate-edge-01", "sc-edge-01", "sc-fw-01"]
    text = metrics.read_text()
    assert 'dcops_config_compliance_compliant{device="ate-edge-01"} 0.0' in text
    assert 'dcops_config_compliance_compliant{device="sc-core-02"} 1.0' in text


@pytest.mark.slow
def test_cli_compliance_and_backup_check_write_nothing(lab_env, tmp_path, push):
    push("sc-core-02", ["no ntp server 10.10.0.102"], revert=["ntp server 10.10.0.102"])
    cmd = ["dcops", "ansible", "compliance", "--address-map", lab_env["DCOPS_ADDRESS_MAP"],
           "-i", lab_env["DCOPS_INVENTORY"], "--check", "--report", str(tmp_path / "r.json")]
    proc = subprocess.run(cmd, cwd=REPO, env=lab_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "--- sc-core-02 (running)" in proc.stdout and "\n+ntp server 10.10.0.102\n" in proc.stdout
    assert re.search(r"^  drift +1  sc-core-02$", proc.stdout, re.M), proc.stdout
    assert not (tmp_path / "r.json").exists()

    backup = subprocess.run(["dcops", "ansible", "backup", "--address-map", lab_env["DCOPS_ADDRESS_MAP"],
                             "-i", lab_env["DCOPS_INVENTORY"], "--check", "--repo", str(tmp_path / "repo")],
                            cwd=REPO, env=lab_env, capture_output=True, text=True, timeout=120)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert "backup check (nothing written) of 8 devices" in backup.stdout
    assert re.search(r"^  would change +8  ", backup.stdout, re.M), backup.stdout
    assert not (tmp_path / "repo").exists()


def test_intended_config_follows_the_inventory(inv):
    from dcops_ansible.compliance import intended_paths

    paths = intended_paths(inv, "sc-dist-01")
    assert "hostname sc-dist-01" in paths
    assert "ntp server 10.10.0.102" in paths and "logging host 10.10.0.102" in paths
    assert "snmp-server user dcops-mon dcops-ro v3 auth sha priv aes" in paths
    assert "vlan 30 > name users" in paths and "vlan 20 > name servers" in paths
    router = intended_paths(inv, "sc-rtr-01")
    assert not any(p.startswith("vlan") for p in router)
    assert "snmp-server community <secret> RO" in router  # a v2c profile: community, value never shown
    assert not any(p.startswith("snmp-server user") for p in router)


def test_secret_values_are_one_token_in_compliance():
    from dcops_ansible.compliance import compare

    running = "hostname r1\nusername dcops privilege 15 secret 9 $9$realhash\nsnmp-server community s3cr3t RO\n"
    drift = compare("cisco_ios", "r1", ["hostname r1", "username dcops privilege 15 secret 9 <secret>",
                                        "snmp-server community <secret> RO"], running)
    assert drift.compliant, drift
