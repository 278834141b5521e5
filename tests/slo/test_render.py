"""`dcops prometheus render` writes the availability rules: deterministic, accepted by
promtool, one group per file, every alert complete, the lab profile kept out of production."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from slo_helpers import REPO, SLO_INVENTORY, needs_promtool, render, rendered_alerts, rendered_groups

from dcops_slo.rules import SEVERITIES
from dcops_slo.runbooks import COMPONENTS, component_of

RUNBOOK_BASE = "https://github.com/dcops/dcops/blob/main/runbooks"
PRODUCTION_HOLDS = {  # alert -> its designed for:, per rule
    "SloErrorBudgetBurnFast": {"2m", "15m"}, "SloErrorBudgetBurnSlow": {"1h", "3h"},
    "RedundancyGroupDegraded": {"5m"}, "RedundancyGroupBelowCapacity": {"2m"}, "RedundancyGroupDown": {"1m"},
    "CircuitUtilisationHigh": {"15m"}, "CircuitSaturated": {"10m"}, "CircuitFullForecast": {"1h"},
    "StoragePoolFillingUp": {"1h"}, "StoragePoolAlmostFull": {"5m"},
    "StorageDiskFailed": {"5m"}, "StorageControllerDown": {"2m"}, "StorageReplicationBroken": {"5m"},
    "StorageReplicationLagHigh": {"15m"},
    "UpsOnBattery": {"1m"}, "UpsBatteryRuntimeLow": {"1m"}, "UpsBatteryReplace": {"15m"},
    "UpsOverloaded": {"5m", "1m"}, "UpsInputOutOfTolerance": {"5m"},
    "CoolingUnitAlarm": {"2m"}, "CoolingUnitNotRunning": {"5m"}, "CoolingSupplyAirTemperatureHigh": {"10m"},
    "CoolingHumidityOutOfRange": {"30m"},
    "DeviceFanFailed": {"5m"}, "DevicePowerSupplyFailed": {"5m", "2m"}, "DeviceTemperatureHigh": {"5m"},
    "DeviceCpuUsageHigh": {"15m"}, "FirewallHaOutOfSync": {"15m"}, "FirewallHaDegraded": {"5m"},
    "HostFilesystemAlmostFull": {"15m", "5m"}, "HostFilesystemFillingUp": {"1h"}, "HostRebooted": {None},
    "ConfigBackupStale": {"1h"}, "ConfigBackupMetricsAbsent": {"1h"}, "ConfigDriftDetected": {"15m"},
    "ConfigComplianceStale": {"1h"}, "MonitoringWatchdog": {None}, "MonitoringExporterDown": {"5m"},
}


def tree(path):
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_mtpe_renders_byte_identical_rules_twice(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert render(a).returncode == 0
    assert render(b).returncode == 0
    files = tree(a)
    assert files == tree(b)
    assert "alertmanager.yml" in files and sum(f.startswith("rules/dcops-") for f in files) == 17
    again = render(a)
    assert "(0 changed, 0 stale removed)" in again.stdout


@needs_promtool
def test_promtool_accepts_the_mtpe_rules_and_config(mtpe_render):
    rules = sorted(str(p) for p in (mtpe_render / "rules").glob("dcops-*.yml"))
    res = subprocess.run(["promtool", "check", "rules", *rules], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("SUCCESS") == len(rules)
    res = subprocess.run(["promtool", "check", "config", str(mtpe_render / "prometheus.yml")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr


def test_one_group_per_file_named_after_it(mtpe_render):
    groups = rendered_groups(mtpe_render)
    assert {f"{g['name']}.yml" for g in groups.values()} == set(groups)
    for name, group in groups.items():
        kinds = {"alert" if "alert" in r else "record" for r in group["rules"]}
        assert len(kinds) <= 1, f"{name} mixes alerts and records"
        assert name.endswith("-alerts.yml") == (kinds == {"alert"}), name


def test_every_alert_is_complete_and_prefixed_by_its_component(mtpe_render):
    alerts = rendered_alerts(mtpe_render)
    assert {a["alert"] for a in alerts} == set(PRODUCTION_HOLDS)
    for alert in alerts:
        name = alert["alert"]
        assert re.fullmatch(r"(?:[A-Z][a-z0-9]+)+", name), name
        component = component_of(name)
        assert name.startswith(COMPONENTS[component])
        assert alert["labels"]["severity"] in SEVERITIES
        assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}, name
        assert alert["annotations"]["runbook_url"] == f"{RUNBOOK_BASE}/{component}/{name}.md"
        assert alert.get("for") in PRODUCTION_HOLDS[name], (name, alert.get("for"))


def test_prometheus_yml_loads_the_rules_and_sends_alerts(tmp_path):
    assert render(tmp_path, "--alertmanager", "am.example:9093").returncode == 0
    config = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    assert config["rule_files"] == ["rules/*.yml"]
    assert config["alerting"] == {"alertmanagers": [{"static_configs": [{"targets": ["am.example:9093"]}]}]}
    assert "dcops_textfile" not in {j["job_name"] for j in config["scrape_configs"]}


def test_shards_leave_rules_to_a_global_ruler(tmp_path):
    assert render(tmp_path, "--shards", "2", "--textfile-exporter", "ansible.example:9100").returncode == 0
    for k in range(2):
        config = yaml.safe_load((tmp_path / f"prometheus-shard-{k}.yml").read_text())
        assert "rule_files" not in config and "alerting" not in config
        jobs = {j["job_name"] for j in config["scrape_configs"]}
        assert ("dcops_textfile" in jobs) == (k == 0), "one shard reads the textfiles"
    assert sorted((tmp_path / "rules").glob("dcops-*.yml")), "the rules are still written, for the ruler"


def test_textfile_exporter_is_a_job_and_watched(tmp_path):
    assert render(tmp_path, "--textfile-exporter", "ansible.example:9100").returncode == 0
    config = yaml.safe_load((tmp_path / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "dcops_textfile")
    assert job["static_configs"] == [{"targets": ["ansible.example:9100"]}]
    down = next(a for a in rendered_alerts(tmp_path) if a["alert"] == "MonitoringExporterDown")
    assert down["expr"] == 'up{job=~"dcops_exporter|dcops_textfile"} == 0'


def test_lab_profile_is_marked_and_short_production_is_not(tmp_path):
    lab, prod = tmp_path / "lab", tmp_path / "prod"
    assert render(lab, "--rule-profile", "lab", inventory=SLO_INVENTORY).returncode == 0
    assert render(prod, inventory=SLO_INVENTORY).returncode == 0
    for path in sorted((lab / "rules").glob("dcops-*.yml")):
        assert path.read_text().startswith("# LAB RULE PROFILE"), path.name
    lab_groups = rendered_groups(lab)
    assert {g["interval"] for g in lab_groups.values()} == {"5s", "30s"}
    assert {a.get("for") for a in rendered_alerts(lab)} == {"10s", None}
    for path in sorted((prod / "rules").glob("dcops-*.yml")):
        assert "LAB" not in path.read_text(), path.name
    assert {g.get("interval") for g in rendered_groups(prod).values()} == {None, "5m"}
    assert "10s" not in {a.get("for") for a in rendered_alerts(prod)}
    # same thresholds and windows in both
    strip = [(a["alert"], a["expr"]) for a in rendered_alerts(lab)]
    assert strip == [(a["alert"], a["expr"]) for a in rendered_alerts(prod)]


def test_runbook_base_url_is_an_option(tmp_path):
    assert render(tmp_path, "--runbook-base-url", "https://wiki.example/runbooks/", inventory=SLO_INVENTORY).returncode == 0
    urls = {a["annotations"]["runbook_url"] for a in rendered_alerts(tmp_path)}
    assert "https://wiki.example/runbooks/redundancy/RedundancyGroupDown.md" in urls
    assert all(u.startswith("https://wiki.example/runbooks/") for u in urls)


@pytest.mark.parametrize("args, message", [
    (["--alertmanager", "localhost"], "--alertmanager must be HOST:PORT, got 'localhost'"),
    (["--textfile-exporter", "http://x:9100"], "--textfile-exporter must be HOST:PORT"),
    (["--rule-profile", "fast"], "--rule-profile must be one of lab, production, got 'fast'"),
    (["--runbook-base-url", "ftp://x"], "--runbook-base-url must be an http(s) URL, got 'ftp://x'"),
    (["--alert-webhook", "x.example/hook"], "--alert-webhook must be an http(s) URL"),
])
def test_bad_options_exit_2_naming_the_option(tmp_path, args, message):
    res = render(tmp_path, *args, inventory=SLO_INVENTORY)
    assert res.returncode == 2
    assert message in res.stderr
    assert not (tmp_path / "prometheus.yml").exists()


def test_rerender_removes_its_own_stale_rule_files_only(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "dcops-old-alerts.yml").write_text("groups: []\n")
    (tmp_path / "rules" / "site-local.yml").write_text("groups: []\n")
    res = render(tmp_path, inventory=SLO_INVENTORY)
    assert res.returncode == 0 and "1 stale removed" in res.stdout
    assert not (tmp_path / "rules" / "dcops-old-alerts.yml").exists()
    assert (tmp_path / "rules" / "site-local.yml").exists(), "rules someone else keeps there stay"


def test_every_recording_rule_the_docs_use_is_defined(mtpe_render):
    recorded = {r["record"] for g in rendered_groups(mtpe_render).values() for r in g["rules"] if "record" in r}
    used = set()
    for doc in (REPO / "README.md", REPO / "exporters" / "README.md", *sorted((REPO / "runbooks").rglob("*.md"))):
        used |= set(re.findall(r"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b", doc.read_text()))
    assert "circuit:dcops_wan_utilisation:ratio_rate5m" in used
    assert used <= recorded, sorted(used - recorded)


def test_every_sli_says_how_it_is_defined(mtpe_render):
    text = (mtpe_render / "rules" / "dcops-slo-sli.yml").read_text()
    blocks = text.split("\n  - ")
    for before, rule in zip(blocks, blocks[1:]):
        if rule.startswith("record: slo:dcops_sli_good:min"):
            comment = before.rsplit("\n  # SLI of ", 1)
            assert len(comment) == 2 and "time-based" in comment[1] and "Measured:" in comment[1], rule[:200]


def test_mtpe_names_what_it_cannot_measure(mtpe_render):
    sli = (mtpe_render / "rules" / "dcops-slo-sli.yml").read_text()
    # the planned data centers have no active device yet
    assert "#   site dcp (site-tier3): no active infrastructure device at the site" in sli
    assert "#   site dca (site-tier2): no active infrastructure device at the site" in sli
    groups = rendered_groups(mtpe_render)
    subjects = {(r["labels"]["slo"], r["labels"]["subject"]) for r in groups["dcops-slo-sli.yml"]["rules"]
                if r.get("record") == "slo:dcops_sli_good:min"}
    assert ("site-tier2", "sc") in subjects and ("network-core-2n", "rg-core") in subjects
    assert ("svc-critical-monthly", "contratos") in subjects and ("svc-high-monthly", "telephony") in subjects
    header = " ".join(line.lstrip("# ").strip() for line in
                      (mtpe_render / "rules" / "dcops-circuit-records.yml").read_text().splitlines()
                      if line.startswith("#"))
    assert "Measured by the wan module: sc-inet-01 on sc-rtr-01." in header
    assert "ate-wan-01 (wan, 100 Mbps, no terminating device in the inventory)" in header


def test_goals_without_measured_subjects_get_no_burn_alerts(mtpe_render):
    slos = {a["labels"]["slo"] for a in rendered_alerts(mtpe_render) if a["alert"].startswith("SloErrorBudget")}
    assert "site-tier3" not in slos  # its only subject, dcp, is planned
    assert {"site-tier2", "network-core-2n", "svc-critical-monthly"} <= slos


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool missing")
def test_lab_rules_pass_promtool_too(tmp_path):
    assert render(tmp_path, "--rule-profile", "lab").returncode == 0
    rules = sorted(str(p) for p in (tmp_path / "rules").glob("dcops-*.yml"))
    res = subprocess.run(["promtool", "check", "rules", *rules], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
