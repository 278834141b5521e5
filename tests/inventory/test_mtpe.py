"""The embedded MTPE inventory: valid, and faithful to the plan's tables."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import DEFAULT_INVENTORY, load_inventory

runner = CliRunner()


@pytest.fixture(scope="module")
def inv():
    return load_inventory()


def test_validate_mtpe_exits_zero_with_one_line():
    result = runner.invoke(app, ["inventory", "validate"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mtpe: valid") and "292 devices" in lines[0]  # 285 today + 7 planned hosts (mtpe/planned)


def test_summary_json_matches_every_seed_row():
    result = runner.invoke(app, ["inventory", "summary", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    tables = Counter(r["table"] for r in data["rows"])
    assert tables == {"cuadro1": 23, "cuadro8": 35, "cuadro9": 75, "cuadro10": 6, "cuadro11": 16}
    for row in data["rows"]:
        assert set(row) >= {"table", "item", "seed_count", "inventory_count"}
        assert row["seed_count"] == row["inventory_count"], row
    by_name = {d["name"]: d for d in data["discrepancies"]}
    assert {(n, tuple(f["value"] for f in d["figures"])) for n, d in by_name.items()} == {
        ("physical-servers", (43, 45)), ("virtual-servers", (43, 51)), ("external-storage", (6, 3))}
    assert by_name["virtual-servers"]["inventory_count"] == 43


def test_summary_flags_a_row_the_inventory_no_longer_matches(tmp_path):
    copy = tmp_path / "mtpe"
    shutil.copytree(DEFAULT_INVENTORY, copy)
    campus = copy / "devices" / "campus.yaml"
    text = campus.read_text()
    start = text.index("- name: sc-ap-01")
    end = text.index("- name:", start + 1)
    campus.write_text(text[:start] + text[end:])  # one access point fewer than Cuadro 10 says
    cables = copy / "cabling.yaml"
    kept = [block for block in cables.read_text().split("\n- ") if "sc-ap-01" not in block]
    cables.write_text("\n- ".join(kept))
    result = runner.invoke(app, ["inventory", "summary", "--format", "json", "-i", str(copy)])
    assert result.exit_code == 1, result.output
    row = next(r for r in json.loads(result.output)["rows"] if r["table"] == "cuadro10" and r["row"] == 6)
    assert (row["seed_count"], row["inventory_count"]) == (30, 29)


def test_counts_follow_the_tables(inv):
    roles = Counter(d.role for d in inv.devices if d.status != "planned")  # the tables count today's estate
    assert roles["edge_switch"] == 115 and roles["distribution_switch"] == 37 and roles["core_switch"] == 2
    assert roles["poe_switch"] == 12 and roles["san_switch"] == 6 and roles["access_point"] == 30
    assert roles["server"] == 43 and roles["storage"] == 6 and roles["firewall"] == 4
    assert len([vm for vm in inv.vms if vm.status != "planned"]) == 43
    assert sum(1 for d in inv.devices if d.role == "ups") == 14
    rented = {d.role for d in inv.devices if d.ownership == "rented"}
    assert {"poe_switch", "pbx", "media_gateway", "ups"} <= rented


def test_operating_system_installs_match_cuadro9(inv):
    installs = Counter(d.os for d in inv.devices if d.os) + Counter(vm.os for vm in inv.vms if vm.status != "planned")
    for sw in inv.software:
        if sw.name in installs:
            assert installs[sw.name] <= sw.install_count, sw.name
    assert installs["rhel-7"] == 32 and installs["centos-7"] == 25


def test_every_record_has_provenance_and_planned_sites_exist(inv):
    sites = {s.name: s for s in inv.sites}
    assert sites["dcp"].status == "planned" and sites["dcp"].role == "primary_dc"
    assert sites["dca"].status == "planned" and sites["dca"].role == "alternate_dc"
    assert next(c for c in inv.circuits if c.kind == "internet").commit_rate_mbps == 200


def test_no_secret_values_in_the_inventory(inv):
    text = "\n".join(p.read_text() for p in DEFAULT_INVENTORY.rglob("*.yaml"))
    assert "password:" not in text and "community:" not in text
    assert all(s.kind in ("env", "vault") for s in inv.secrets)
