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
from slo_helpers import SLO_INVENTORY, needs_amtool, render, rendered_alerts

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
    (["alertname=UpsBatteryRuntimeLow", "severity=critical", "site=sc"], "page-sc"),
    (["alertname=UpsOnBattery", "severity=warning", "site=ate"], "ticket-ate"),
    (["alertname=HostRebooted", "severity=warning", "site=sc"], "ticket-sc"),
])
def test_routes_by_severity_and_site(mtpe_render, labels, receiver):
    res = amtool("config", "routes", "test", f"--config.file={mtpe_render / 'alertmanager.yml'}", *labels)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == receiver


def test_alerts_at_two_severities_mute_their_own_warning(mtpe_render):
    """An alert written as a warning and a critical rule under one name has an inhibit rule
    muting the warning while the critical fires, and only those alerts have one."""
    severities: dict[str, set] = {}
    for alert in rendered_alerts(mtpe_render):
        severities.setdefault(alert["alert"], set()).add(alert["labels"]["severity"])
    two = {name for name, found in severities.items() if len(found) > 1}
    assert two == {"UpsOverloaded", "DevicePowerSupplyFailed", "HostFilesystemAlmostFull"}
    assert all(severities[name] == {"warning", "critical"} for name in two)
    config = yaml.safe_load((mtpe_render / "alertmanager.yml").read_text())
    muting = {rule["source_matchers"][0].split('"')[1] for rule in config["inhibit_rules"]
              if 'severity="critical"' in rule["source_matchers"]
              and rule["target_matchers"] == [rule["source_matchers"][0], 'severity="warning"']
              and "instance" in rule["equal"]}
    assert muting == two


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


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory, mtpe_render):
    """A real Alertmanager on 127.0.0.1 with the MTPE config; its base URL. Stopped after the module."""
    if ALERTMANAGER is None:
        pytest.skip("prometheus-alertmanager missing")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={mtpe_render / 'alertmanager.yml'}",
         f"--storage.path={tmp_path_factory.mktemp('alertmanager')}",
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
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        proc.stderr.close()


def _post_and_read(base: str, alerts: list[dict], key, muted: set) -> dict:
    """Post `alerts` (label dicts) firing for an hour; {key(labels): status} of those alerts once all
    are listed and the muted ones are `muted`, or as they stand after 10 s (the caller's assertion
    then fails). Alertmanager's inhibitor learns of a new source alert asynchronously, so the first
    listing can show a target not yet muted; the Alertmanager is shared by the module's tests, so it
    may hold other alerts too."""
    now = datetime.now(timezone.utc)
    ends = (now + timedelta(hours=1)).isoformat()
    _api(base, "/api/v2/alerts", [{"labels": labels, "annotations": {}, "startsAt": now.isoformat(), "endsAt": ends}
                                  for labels in alerts])
    wanted = {key(labels) for labels in alerts}
    status: dict = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = {k: v for k, v in ((key(a["labels"]), a["status"]) for a in _api(base, "/api/v2/alerts"))
                  if k in wanted}
        if set(status) == wanted and {k for k, v in status.items() if v["inhibitedBy"]} == muted:
            break
        time.sleep(0.1)
    assert wanted <= set(status), sorted(wanted - set(status))
    return status


@pytest.mark.slow
def test_group_down_inhibits_degraded_and_below_capacity_of_the_same_group(alertmanager):
    def alert(name, group, severity, requirement):
        return {"alertname": name, "redundancy_group": group, "requirement": requirement, "severity": severity,
                "site": "sc"}

    expected = {("RedundancyGroupDegraded", "rg-core"), ("RedundancyGroupDegraded", "rg-san-fabric")}
    status = _post_and_read(alertmanager, [
        alert("RedundancyGroupDown", "rg-core", "critical", "2N"),
        alert("RedundancyGroupDegraded", "rg-core", "warning", "2N"),
        alert("RedundancyGroupBelowCapacity", "rg-san-fabric", "critical", "2N"),
        alert("RedundancyGroupDegraded", "rg-san-fabric", "warning", "2N"),
        alert("RedundancyGroupDegraded", "rg-fw-external", "warning", "N+1"),
    ], key=lambda labels: (labels["alertname"], labels.get("redundancy_group")), muted=expected)
    muted = {key for key, s in status.items() if s["inhibitedBy"]}
    assert muted == expected
    assert status[("RedundancyGroupDown", "rg-core")]["state"] == "active"
    assert status[("RedundancyGroupDegraded", "rg-fw-external")]["state"] == "active", "another group's alert"


@pytest.mark.slow
def test_critical_mutes_the_warning_of_the_same_device_only(alertmanager):
    """UpsOverloaded critical mutes its own warning on the same UPS, not on another; a UPS
    running out of battery mutes its on-battery warning; a filesystem's critical mutes its
    warning and its forecast, not another filesystem's."""
    def alert(name, severity, instance, **labels):
        return {"alertname": name, "severity": severity, "instance": instance, "site": "sc", **labels}

    expected = {("UpsOverloaded", "warning", "sc-ups-01", None), ("UpsOnBattery", "warning", "sc-ups-03", None),
                ("HostFilesystemAlmostFull", "warning", "sc-srv-01", "/var"),
                ("HostFilesystemFillingUp", "warning", "sc-srv-01", "/var")}
    status = _post_and_read(alertmanager, [
        alert("UpsOverloaded", "critical", "sc-ups-01"),
        alert("UpsOverloaded", "warning", "sc-ups-01"),
        alert("UpsOverloaded", "warning", "sc-ups-02"),
        alert("UpsBatteryRuntimeLow", "critical", "sc-ups-03"),
        alert("UpsOnBattery", "warning", "sc-ups-03"),
        alert("UpsOnBattery", "warning", "sc-ups-04"),
        alert("HostFilesystemAlmostFull", "critical", "sc-srv-01", mountpoint="/var"),
        alert("HostFilesystemAlmostFull", "warning", "sc-srv-01", mountpoint="/var"),
        alert("HostFilesystemFillingUp", "warning", "sc-srv-01", mountpoint="/var"),
        alert("HostFilesystemAlmostFull", "warning", "sc-srv-01", mountpoint="/"),
    ], key=lambda labels: (labels["alertname"], labels["severity"], labels.get("instance"), labels.get("mountpoint")),
        muted=expected)
    muted = {key for key, s in status.items() if s["inhibitedBy"]}
    assert muted == expected
