"""`dcops capacity whatif add`: each constraint against the hand-worked room of
fixtures/whatif/inventory.yaml (figures in its comments), and runs on MTPE and the
second inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_reports.dr import CapacityError
from dcops_reports.whatif import whatif_add

WHATIF = Path(__file__).parent / "fixtures" / "whatif"
ACME = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "acme-hospital"
runner = CliRunner()


@pytest.fixture(scope="module")
def room():
    return load_inventory(WHATIF)


def test_three_servers_two_placed_then_why_not(room):
    report = whatif_add(room, "srv", 3, ports=1)
    assert report.sections["plan"].rows == [
        ("new-1", "w1-r01", "U3-U4", ["w1-sw-01:Gi3"], "10.9.0.3"),
        ("new-2", "w1-r02", "U1-U2", ["w1-sw-01:Gi4"], "10.9.0.4"),
    ]
    why = {row["rack"]: row for row in report.sections["constraints"].as_dicts()}
    assert why["w1-r01"]["power"] == "FAIL: rack FAIL at max: 1600 W typical / 2600 W max against 2400 W usable"
    assert why["w1-r02"]["power"] == "OK: A/B: w1-feed-a, w1-feed-b carry it, each alone too"
    assert why["w1-r03"]["power"] == "FAIL: no feed recorded: A/B redundancy cannot be checked"
    for rack in why.values():
        assert rack["cooling"] == ("FAIL: room w1-hall: 2100 W of heat; with w1-crac-02 lost the other 1 unit(s) "
                                   "remove 2000 W")
        assert rack["ports"] == "FAIL: needs 1; no switch with a free port in the rack or row"
        assert rack["addresses"] == "OK: 10.9.0.5 in 10.9.0.0/29"
        assert rack["verdict"] == "no"
    assert why["w1-r01"]["space"] == "OK: U5-U6" and why["w1-r02"]["space"] == "OK: U3-U4"
    assert report.notes[0].startswith("CANNOT PLACE 1 of 3 srv")


def test_one_server_fits_the_first_rack(room):
    report = whatif_add(room, "srv", 1, ports=1)
    assert [r[:3] for r in report.sections["plan"].rows] == [("new-1", "w1-r01", "U3-U4")]
    assert report.notes[0] == "PLACED 1 srv"
    why = {row["rack"]: row for row in report.sections["constraints"].as_dicts()}
    # the second device would see the first one's watts: r01 at 1600/2600 W, over 2400 W at max
    assert why["w1-r01"]["power"].startswith("FAIL: rack FAIL at max")
    assert why["w1-r02"]["cooling"] == "OK: room w1-hall: 1600 W within 2000 W (N+1)"
    assert why["w1-r02"]["ports"] == "OK: row: w1-sw-01:Gi4"


def test_ports_and_addresses_run_out(room):
    # two ports each: the first server takes Gi3 and Gi4; the second finds none
    report = whatif_add(room, "srv", 2, ports=2)
    assert [r[3] for r in report.sections["plan"].rows] == [["w1-sw-01:Gi3", "w1-sw-01:Gi4"]]
    # no port needed: space, power and cooling decide, and addresses .3 and .4 go in turn
    report = whatif_add(room, "srv", 3, ports=0)
    assert [(r[1], r[4]) for r in report.sections["plan"].rows] == [("w1-r01", "10.9.0.3"), ("w1-r02", "10.9.0.4")]


def test_space_needs_a_contiguous_block(room):
    report = whatif_add(room, "array5", 1, ports=0)
    assert report.sections["plan"].rows[0][:3] == ("new-1", "w1-r01", "U3-U7")
    why = {row["rack"]: row for row in report.sections["constraints"].as_dicts()}
    assert why["w1-r02"]["space"] == "FAIL: needs 5U contiguous; largest free block is 4U"
    assert why["w1-r01"]["space"] == "OK: U8-U12"


def test_unknown_type_or_site_is_an_error_listing_the_valid_ones(room):
    with pytest.raises(CapacityError, match=r"--type 'nope' is not a device type of this inventory; valid: array5, crac, "):
        whatif_add(room, "nope", 1)
    result = runner.invoke(app, ["capacity", "whatif", "add", "-t", "srv", "--site", "mars", "-i", str(WHATIF)])
    assert result.exit_code == 2
    assert "error: --site 'mars' is not a site of this inventory; valid: w1" in result.stderr


def test_cli_exit_code_when_not_everything_fits():
    args = ["capacity", "whatif", "add", "-t", "srv", "-n", "3", "--ports", "1", "-i", str(WHATIF)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, [*args, "--exit-code", "--format", "json"])
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["plan"]) == 2
    result = runner.invoke(app, [*args, "--format", "csv", "--only", "plan"])
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "device,rack,position,ports,mgmt_ip"


def test_mtpe_explains_every_rack():
    result = runner.invoke(app, ["capacity", "whatif", "add", "-t", "hpe-dl380-gen10", "-n", "2", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    why = {row["rack"]: row for row in doc["constraints"]}
    # the data hall's feed B cannot carry it at max draw even before a failure; the new sites record no feed
    assert why["sc-dh-r01"]["power"].startswith("FAIL: in normal running, sc-dh-feed-b carries")
    assert why["dcp-dh-r01"]["power"] == "FAIL: no feed recorded: A/B redundancy cannot be checked"
    assert why["dcp-dh-r01"]["addresses"] == "FAIL: no management prefix (VRF mgmt, role mgmt) at site dcp"
    assert why["sc-dh-r01"]["cooling"].startswith("OK: room sc-dh")
    assert all(set(row) == {"rack", "site", "space", "power", "cooling", "ports", "addresses", "verdict"}
               for row in doc["constraints"])


def test_the_second_inventory_runs():
    inv = load_inventory(ACME)
    server = next(d.device_type for d in inv.devices if d.role == "server")
    result = runner.invoke(app, ["capacity", "whatif", "add", "-t", server, "-i", str(ACME), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {row["rack"] for row in doc["constraints"]} == {r.name for r in inv.racks}


def test_a_zero_u_device_takes_no_u(room):
    report = whatif_add(room, "crac", 2, ports=0)
    assert [r[:3] for r in report.sections["plan"].rows] == [("new-1", "w1-r01", "0U"), ("new-2", "w1-r01", "0U")]
    assert {row["space"] for row in report.sections["constraints"].as_dicts()} == {"OK: zero-U device"}
