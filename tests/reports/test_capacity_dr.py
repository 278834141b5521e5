"""`dcops capacity dr` on the second inventory (tests/fixtures/valid/acme-hospital), worked
by hand, with the regression overlay tests/fixtures/dr/acme-dc-replica-only.yaml, and on MTPE.

acme-hospital, alternate site south (role alternate_dc):
- critical service ehr: rg-ehr-app (vm-ehr-app-01/02, 8 vCPU 32 GB 200 GB each) has the
  replica vm-ehr-app-south-01; rg-ehr-db (vm-ehr-db-01/02, 8 vCPU 64 GB 800 GB each) has
  placeholders (100 %, 50 %). Needed: 32 vCPU, 192 GB, 2000 GB.
- south: south-esx-01/02, 24 cores and 192 GB each, vCPU per core 4 (cluster_plans default)
  -> 192 vCPU, 384 GB; datastores south-ds-01/02, 4096 GB each -> 8192 GB. Its only VM is
  the replica of a critical tier, so nothing is used by the site's own workloads.
With the overlay: pharmacy (critical) adds vm-pharmacy-app-01 (4, 16, 300), uncovered, and
vm-dc-01 (2, 8, 80), covered by the replica vm-dc-south-01 -> 38 vCPU, 216 GB, 2380 GB.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_reports.dr import CapacityError, assess, dr_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACME = FIXTURES / "valid" / "acme-hospital"
GAP = FIXTURES / "dr" / "acme-dc-replica-only.yaml"
runner = CliRunner()


def _acme(tmp_path: Path, *overlays: Path) -> Path:
    root = tmp_path / "acme"
    shutil.copytree(ACME, root)
    for extra in overlays:
        shutil.copy(extra, root / extra.name)
    return root


def _resources(report) -> dict[str, tuple]:
    return {row[0]: row[2:] for row in report.sections["resources"].rows}


def test_acme_is_ready_with_every_figure_by_hand():
    report = dr_report(load_inventory(ACME))
    assert report.title == "DR readiness: can south carry the critical services?"
    assert [(r[0], r[1], r[4], r[5]) for r in report.sections["tiers"].rows] == [
        ("ehr", "rg-ehr-app", "vm-ehr-app-south-01", True),
        ("ehr", "rg-ehr-db", "placeholder vm-ehr-db-01 (100%); placeholder vm-ehr-db-02 (50%)", True)]
    # needed, capacity, used, available, shortfall, verdict
    assert _resources(report) == {
        "vcpu": (32, 192, 0, 192, 0, "OK"), "memory": (192, 384, 0, 384, 0, "OK"),
        "storage": (2000, 8192, 0, 8192, 0, "OK"), "bandwidth": (0, 0, 0, 0, 0, "OK")}
    assert report.notes[-1] == "READY"


def test_the_false_pass_is_a_gap(tmp_path):
    """The old policy passed this: a domain controller's replica counted for the pharmacy service."""
    inv = load_inventory(_acme(tmp_path, GAP))
    a = assess(inv)
    assert [(svc, c.tier.name) for svc, c in a.gaps] == [("pharmacy", "vm-pharmacy-app-01")]
    report = dr_report(inv)
    tiers = {(r[0], r[1]): r for r in report.sections["tiers"].rows}
    assert tiers[("pharmacy", "vm-dc-01")][3:6] == (["directory"], "vm-dc-south-01", True)
    assert tiers[("pharmacy", "vm-pharmacy-app-01")][4:] == ("none", False, 4, 16, 300)
    assert ("GAP: critical service 'pharmacy': tier 'vm-pharmacy-app-01' (vm-pharmacy-app-01) has no counterpart "
            "(replica VM or placeholder reservation) at 'south'; the counterparts of vm-dc-01 do not stand in "
            "for it") in report.notes
    assert _resources(report)["vcpu"] == (38, 192, 0, 192, 0, "OK")
    assert _resources(report)["memory"][0] == 216 and _resources(report)["storage"][0] == 2380
    assert report.notes[-1] == "NOT READY: 1 tier(s) uncovered, 0 resource(s) short"
    result = runner.invoke(app, ["capacity", "dr", "--exit-code", "-i", str(inv_dir := tmp_path / "acme")])
    assert result.exit_code == 1, result.output
    assert "GAP: critical service 'pharmacy'" in result.stdout
    assert runner.invoke(app, ["capacity", "dr", "-i", str(inv_dir)]).exit_code == 0


def test_shortfall_per_resource(tmp_path):
    """south's hosts shrunk to 4 cores / 16 GB: 2 x 4 x 4 = 32 vCPU and 32 GB against 38 and 216;
    a 100 GB datastore pair: 200 GB against 2380; a 50 Mbps internet link against a 200 Mbps one."""
    root = _acme(tmp_path, GAP)
    plan = yaml.safe_load((root / "plan.yaml").read_text())
    for cap in plan["host_capacities"]:
        if cap["host"].startswith("south-"):
            cap.update(cpu_cores=4, memory_gb=16)
    for ds in plan["datastores"]:
        if ds["name"].startswith("south-"):
            ds["capacity_gb"] = 100
    (root / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    (root / "links.yaml").write_text(yaml.safe_dump({
        "circuits": [{"name": "campus-inet", "provider": "isp", "kind": "internet", "site": "campus",
                      "commit_rate_mbps": 200, "provenance": "assumption"},
                     {"name": "south-inet", "provider": "isp", "kind": "internet", "site": "south",
                      "commit_rate_mbps": 50, "provenance": "assumption"},
                     {"name": "south-pri", "provider": "telco", "kind": "pri", "site": "south",
                      "commit_rate_mbps": 2, "provenance": "assumption"}]}))
    svc = yaml.safe_load((root / "services.yaml").read_text())
    svc["services"][0]["runs_on"]["circuits"] = ["campus-inet"]
    (root / "services.yaml").write_text(yaml.safe_dump(svc, sort_keys=False))
    report = dr_report(load_inventory(root))
    assert _resources(report) == {
        "vcpu": (38, 32, 0, 32, 6, "SHORT"), "memory": (216, 32, 0, 32, 184, "SHORT"),
        "storage": (2380, 200, 0, 200, 2180, "SHORT"), "bandwidth": (200, 50, 0, 50, 150, "SHORT")}
    assert ("SHORT: memory: the failover needs 216 GB, south has 32 free (32 - 0 used by its own workloads): "
            "short by 184 GB") in report.notes
    assert report.notes[-1] == "NOT READY: 1 tier(s) uncovered, 4 resource(s) short"


def test_the_sites_own_vms_count_as_used(tmp_path):
    root = _acme(tmp_path)
    (root / "extra.yaml").write_text(yaml.safe_dump({"vms": [
        {"name": "vm-south-print-01", "cluster": "south-vmw", "status": "planned", "vcpus": 4, "memory_gb": 8,
         "disk_gb": 100, "os": "rhel-9", "platform": "linux", "provenance": "assumption"}]}))
    res = _resources(dr_report(load_inventory(root)))
    assert res["vcpu"] == (32, 192, 4, 188, 0, "OK") and res["storage"] == (2000, 8192, 100, 8092, 0, "OK")


def test_site_choice_is_checked():
    inv = load_inventory(ACME)
    with pytest.raises(CapacityError, match="--site 'mars' is not a site of this inventory; valid: campus, north"):
        assess(inv, "mars")
    # asked of north, where the ehr VMs are planned to run: no critical VM runs outside it
    assert assess(inv, "north").coverage.keys() == set()
    result = runner.invoke(app, ["capacity", "dr", "--site", "mars", "-i", str(ACME)])
    assert result.exit_code == 2 and "error: --site 'mars'" in result.stderr


def test_mtpe_covers_every_tier_but_has_no_link_at_dca():
    result = runner.invoke(app, ["capacity", "dr", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert all(row["covered"] for row in doc["tiers"])
    assert {row["service"] for row in doc["tiers"]} == {
        "centro-empleo", "certijoven", "contratos", "multas-bancos", "planillas", "portal", "remype", "sat"}
    res = {row["resource"]: row for row in doc["resources"]}
    assert res["vcpu"]["verdict"] == res["memory"]["verdict"] == res["storage"]["verdict"] == "OK"
    # sc-inet-01 (200 Mbps) carries critical services; dca records no circuit
    assert (res["bandwidth"]["needed"], res["bandwidth"]["capacity"], res["bandwidth"]["shortfall"]) == (200, 0, 200)
