"""alertmanager.yml: accepted by amtool, routed by severity and site, and a real
Alertmanager mutes the lesser alerts of a group while RedundancyGroupDown fires."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from slo_helpers import SLO_INVENTORY, needs_amtool, render

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["amtool", *args], capture_output=True, text=True, timeout=60)


@needs_amtool
def test_amtool_accepts_the_mtpe_config(mtpe_render):
    res = amtool("check-config", str(mtpe_render / "alertmanager.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout


@needs_amtool
def test_amtool_accepts_the_config_with_webhooks(tmp_path):
    res = render(tmp_path, "--alert-webhook", "http://127.0.0.1:9/alerts",
                 "--watchdog-webhook", "http://127.0.0.1:9/heartbeat", inventory=SLO_INVENTORY)
    assert res.returncode == 0, res.stderr
    assert amtool("check-config", str(tmp_path / "alertmanager.yml")).returncode == 0
    config = yaml.safe_load((tmp_path / "alertmanager.yml").read_text())
    hooks = {r["name"]: r["webhook_configs"][0]["url"] for r in config["receivers"]}
    assert hooks["watchdog"] == "http://127.0.0.1:9/heartbeat"
    assert hooks["page-hq"] == hooks["ticket"] == "http://127.0.0.1:9/alerts"


def test_without_webhooks_the_file_says_nobody_is_notified(mtpe_render):
    text = (mtpe_render / "alertmanager.yml").read_text()
    assert "# No --alert-webhook was given: page and ticket receivers have no integration and notify nobody." in text
    assert all("webhook_configs" not in r for r in yaml.safe_load(text)["receivers"])


@needs_amtool
@pytest.mark.parametrize("labels, receiver", [
    (["alertname=MonitoringWatchdog", "severity=none"], "watchdog"),
    (["alertname=RedundancyGroupDown", "severity=critical", "site=sc"], "page-sc"),
    (["alertname=SloErrorBudgetBurnFast", "severity=critical", "site=ate"], "page-ate"),
    (["alertname=MonitoringExporterDown", "severity=critical"], "page"),
    (["alertname=ConfigDriftDetected", "severity=warning", "site=sc"], "ticket-sc"),
    (["alertname=ConfigBackupStale", "severity=warning"], "ticket"),
    (["alertname=Unknown", "severity=info"], "ticket"),
])
def test_routes_by_severity_and_site(mtpe_render, labels, receiver):
    res = amtool("config", "routes", "test", f"--config.file={mtpe_render / 'alertmanager.yml'}", *labels)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == receiver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"},
                                 method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


@pytest.mark.slow
@pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager missing")
def test_group_down_inhibits_degraded_and_below_capacity_of_the_same_group(tmp_path, mtpe_render):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={mtpe_render / 'alertmanager.yml'}", f"--storage.path={tmp_path}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, "alertmanager did not become ready"
                time.sleep(0.2)
        now = datetime.now(timezone.utc)
        ends = (now + timedelta(hours=1)).isoformat()

        def alert(name, group, severity, requirement):
            return {"labels": {"alertname": name, "redundancy_group": group, "requirement": requirement,
                               "severity": severity, "site": "sc"},
                    "annotations": {}, "startsAt": now.isoformat(), "endsAt": ends}

        _api(base, "/api/v2/alerts", [
            alert("RedundancyGroupDown", "rg-core", "critical", "2N"),
            alert("RedundancyGroupDegraded", "rg-core", "warning", "2N"),
            alert("RedundancyGroupBelowCapacity", "rg-san-fabric", "critical", "2N"),
            alert("RedundancyGroupDegraded", "rg-san-fabric", "warning", "2N"),
            alert("RedundancyGroupDegraded", "rg-fw-external", "warning", "N+1"),
        ])
        status = {}
        deadline = time.monotonic() + 10
        while len(status) < 5 and time.monotonic() < deadline:
            status = {(a["labels"]["alertname"], a["labels"]["redundancy_group"]): a["status"]
                      for a in _api(base, "/api/v2/alerts")}
            time.sleep(0.1)
        muted = {key for key, s in status.items() if s["inhibitedBy"]}
        assert muted == {("RedundancyGroupDegraded", "rg-core"), ("RedundancyGroupDegraded", "rg-san-fabric")}
        assert status[("RedundancyGroupDown", "rg-core")]["state"] == "active"
        assert status[("RedundancyGroupDegraded", "rg-fw-external")]["state"] == "active", "another group's alert"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        proc.stderr.close()
