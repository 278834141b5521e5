"""`dcops report compute`: cluster capacity, overcommit and N+1 headroom.

The headroom fixture's figures are worked out by hand in
tests/reports/fixtures/headroom/virtualization.yaml."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dcops_reports.compute import compute_report

runner = CliRunner()


def by_cluster(report_set, section):
    return {r["cluster"]: r for r in report_set.sections[section].as_dicts()}


def test_overcommit_per_cluster(headroom_inv):
    cl = by_cluster(compute_report(headroom_inv), "clusters")
    c1, c2, c3 = cl["cl1"], cl["cl2"], cl["cl3"]
    # cl1: h4 is decommissioning, vm4 is offline
    assert (c1["hosts"], c1["cores"], c1["memory_gb"], c1["vms"], c1["vcpus"], c1["vram_gb"]) == (3, 40, 320, 4, 32, 120)
    assert (c1["vcpu_per_core"], c1["memory_percent"], c1["basis"]) == (0.8, 37.5, "today")
    assert (c2["hosts"], c2["hosts_without_capacity"], c2["cores"], c2["vcpu_per_core"]) == (2, 1, 12, 3.33)
    # cl3 is planned: cl1's VMs it absorbs (not the decommissioning vm5) plus vm6 placed there
    assert (c3["basis"], c3["vms"], c3["vcpus"], c3["vram_gb"]) == ("planned", 4, 68, 176)
    assert (c3["reserved_vcpus"], c3["reserved_memory_gb"], c3["memory_percent"]) == (8, 32, 40.6)
    assert c3["capacity_source"] == "assumption"


def test_n_plus_one_loses_the_largest_host(headroom_inv):
    n1 = by_cluster(compute_report(headroom_inv), "n_plus_one")
    assert (n1["cl1"]["largest_host"], n1["cl1"]["cores_left"], n1["cl1"]["memory_left_gb"]) == ("dc1-h2", 24, 192)
    assert (n1["cl1"]["vcpu_limit"], n1["cl1"]["vcpu_headroom"], n1["cl1"]["memory_headroom_gb"]) == (96, 64, 72)
    assert (n1["cl1"]["target_source"], n1["cl1"]["verdict"]) == ("default", "OK")
    assert n1["cl2"]["verdict"] == "FAIL (vCPU, RAM) (lower bound: 1 host(s) without capacity)"
    c3 = n1["cl3"]
    assert (c3["vcpu_per_core_target"], c3["target_source"], c3["vcpu_limit"], c3["vcpus_needed"]) == (3, "cluster_plans", 72, 76)
    assert (c3["vcpu_headroom"], c3["memory_needed_gb"], c3["memory_headroom_gb"], c3["verdict"]) == (-4, 208, 48, "FAIL (vCPU)")


def test_default_ratio_applies_only_without_a_plan(headroom_inv):
    n1 = by_cluster(compute_report(headroom_inv, default_ratio=2), "n_plus_one")
    assert (n1["cl1"]["vcpu_limit"], n1["cl3"]["vcpu_limit"]) == (48, 72)


def test_hosts_carry_their_provenance_and_placed_vms(headroom_inv):
    hosts = {r["host"]: r for r in compute_report(headroom_inv).sections["hosts"].as_dicts()}
    assert "dc1-h4" not in hosts  # decommissioning
    assert (hosts["dc1-h1"]["vms"], hosts["dc1-h1"]["vcpus"], hosts["dc1-h1"]["vcpu_per_core"]) == (2, 12, 0.75)
    assert (hosts["dc1-h5"]["cores"], hosts["dc1-h5"]["provenance"]) == (None, None)
    assert hosts["dc1-h6"]["provenance"] == "assumption: test host"


def test_mtpe_production_cluster_has_capacity_marked_as_assumption(mtpe_inv):
    """Every host of sc-vmw-01 has a capacity record; the figures are recomputed here."""
    hosts = [d for d in mtpe_inv.devices if d.cluster == "sc-vmw-01"]
    caps = {c.host: c for c in mtpe_inv.host_capacities}
    assert len(hosts) == 15 and all(h.name in caps for h in hosts)
    assert all(caps[h.name].provenance.startswith("assumption: ") for h in hosts)
    vms = [v for v in mtpe_inv.vms if v.cluster == "sc-vmw-01" and v.status != "offline"]
    cores = sum(caps[h.name].cpu_cores for h in hosts)
    memory = sum(caps[h.name].memory_gb for h in hosts)
    largest = max((caps[h.name] for h in hosts), key=lambda c: (c.memory_gb, c.cpu_cores, c.host))
    report = compute_report(mtpe_inv, "sc")
    row = by_cluster(report, "clusters")["sc-vmw-01"]
    assert (row["hosts"], row["cores"], row["memory_gb"], row["vms"]) == (15, cores, memory, len(vms))
    assert row["vcpu_per_core"] == round(sum(v.vcpus for v in vms) / cores, 2)
    n1 = by_cluster(report, "n_plus_one")["sc-vmw-01"]
    assert (n1["cores_left"], n1["memory_left_gb"]) == (cores - largest.cpu_cores, memory - largest.memory_gb)
    assert n1["memory_needed_gb"] == sum(v.memory_gb for v in vms)
    assert any(n.startswith("sc-vmw-01: the capacity of 15 of 15 host(s) is an assumption") for n in report.notes)


def test_cli_compute(cli_app, headroom_dir):
    res = runner.invoke(cli_app, ["compute", "--inventory", str(headroom_dir), "--site", "dc2", "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [r["cluster"] for r in doc["clusters"]] == ["cl3"] and doc["title"] == "Compute headroom at site dc2"
    res = runner.invoke(cli_app, ["compute", "--inventory", str(headroom_dir), "--only", "n_plus_one"])
    assert res.exit_code == 0 and "FAIL (vCPU)" in res.stdout and "Clusters:" not in res.stdout
    res = runner.invoke(cli_app, ["compute", "--inventory", str(headroom_dir), "--vcpu-per-core", "0"])
    assert res.exit_code == 2
