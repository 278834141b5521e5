"""`dcops inventory import-device-types`: NetBox device-type library files become dcops
device types, with the vendor's power, height and ports, appended atomically and only once.

Fixtures (tests/fixtures/netbox_devicetypes/) follow the library's schema/devicetype.json:
a Cisco C9300-48P (48 PoE ports listed one by one, two 1100 W supplies at 450 W allocated,
stack ports of a type dcops has no word for), an Arista 7050SX3 (48 x 25G then 8 x 100G
named `Ethernet49/1`..`Ethernet56/1`), an APC UPS (outlets, no allocated draw) and a bad file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dcops_inventory import load_inventory
from dcops_inventory.cli import app
from dcops_inventory.devicetype_import import ImportProblems, compress_interfaces, convert
from dcops_inventory.models import DeviceType

FIXTURES = Path(__file__).parents[1] / "fixtures" / "netbox_devicetypes"
CISCO = FIXTURES / "cisco-c9300-48p.yaml"
ARISTA = FIXTURES / "arista-dcs-7050sx3-48yc8.yaml"
APC = FIXTURES / "apc-srt5krmxli.yaml"
BAD = FIXTURES / "bad-negative-draw.yaml"
GOOD = [CISCO, ARISTA, APC]
MTPE = Path(__file__).parents[2] / "inventory" / "mtpe"

runner = CliRunner()


def _library_ports(path: Path, types: set[str]) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    return [i["name"] for i in doc.get("interfaces", []) if i["type"] in types]


def test_cisco_maps_power_height_and_compresses_listed_ports():
    imp = convert(CISCO)
    assert imp.record == {
        "name": "cisco-c9300-48p", "manufacturer": "Cisco", "model": "C9300-48P", "u_height": 1,
        "typical_power_w": 450, "max_power_w": 1100,
        "interfaces": [
            {"name": "GigabitEthernet1/0/{n}", "count": 48, "type": "1000base-t", "speed_mbps": 1000},
            {"name": "GigabitEthernet0/0", "type": "1000base-t", "speed_mbps": 1000, "mgmt_only": True},
        ],
        "provenance": "assumption: NetBox device-type library, Cisco/cisco-c9300-48p.yaml",
    }
    text = "\n".join(imp.warnings)
    assert "'cisco-stackwise-480' has no dcops interface type; left out: StackSub-St1-1, StackSub-St1-2" in text
    assert "2 ports taken as redundant supplies" in text
    assert ("not imported, the dcops device type has no field for: part_number, is_full_depth, airflow, weight, "
            "weight_unit, comments, console-ports, module-bays") in text


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_templates_expand_to_exactly_the_library_ports(path):
    """No port is invented or lost: the model's expansion is the library's list, in order."""
    dt = DeviceType.model_validate(convert(path).record)
    known = {"1000base-t", "25gbase-x-sfp28", "100gbase-x-qsfp28"}
    assert dt.interface_names() == _library_ports(path, known)


def test_middle_number_becomes_the_template():
    rec = convert(ARISTA).record
    assert rec["interfaces"][2] == {"name": "Ethernet{n}/1", "count": 8, "start": 49, "type": "100gbase-x-qsfp28",
                                    "speed_mbps": 100000}
    assert (rec["typical_power_w"], rec["max_power_w"]) == (213, 405)


def test_sum_power_ports_adds_the_supplies():
    rec = convert(CISCO, sum_power_ports=True).record
    assert (rec["typical_power_w"], rec["max_power_w"]) == (900, 2200)


def test_ups_without_allocated_draw_counts_maximum_as_typical():
    imp = convert(APC, provenance="assumption: vendor data sheet")
    assert (imp.record["u_height"], imp.record["typical_power_w"], imp.record["max_power_w"]) == (3, 5000, 5000)
    assert "interfaces" not in imp.record  # its one port is 100base-tx, which dcops has no type for
    assert imp.record["provenance"] == "assumption: vendor data sheet"
    assert any("apc-srt5krmxli.yaml:14: power-ports[0]: no allocated_draw" in w for w in imp.warnings)
    assert any("power-outlets" in w for w in imp.warnings)


def test_compress_keeps_leading_zeros_gaps_and_type_changes_apart():
    ports = [{"name": n, "type": t, "mgmt_only": False} for n, t in [
        ("Eth01", "1000base-t"), ("Eth02", "1000base-t"), ("ge-0/0/0", "1000base-t"), ("ge-0/0/1", "1000base-t"),
        ("ge-0/0/3", "1000base-t"), ("ge-0/0/4", "10gbase-t")]]
    assert [(p["name"], p.get("count"), p.get("start")) for p in compress_interfaces(ports)] == [
        ("Eth01", None, None), ("Eth02", None, None), ("ge-0/0/{n}", 2, 0), ("ge-0/0/3", None, None),
        ("ge-0/0/4", None, None)]


def test_bad_file_names_file_line_field_and_reason():
    with pytest.raises(ImportProblems) as exc:
        convert(BAD)
    assert [str(p) for p in exc.value.problems] == [
        f"{BAD}:7: slug: 'Juniper_EX2300-24T' is not a dcops name (lower-case letters, digits, '.', '_', '-', "
        "starting with a letter or digit, at most 64 characters)",
        f"{BAD}:8: u_height: expected rack units, a multiple of 0.5 and >= 0, got 1.3",
        f"{BAD}:11: power-ports[0].maximum_draw: expected watts, a number >= 0, got -80",
        f"{BAD}:15: interfaces[0].type: required, a NetBox interface type such as 1000base-t",
    ]


def test_half_unit_rounds_up_and_missing_required_fields(tmp_path):
    half = tmp_path / "half.yaml"
    half.write_text("manufacturer: X\nmodel: Y\nslug: x-y\nu_height: 0.5\nis_full_depth: false\n")
    imp = convert(half)
    assert imp.record["u_height"] == 1
    assert f"{half}:4: u_height: 0.5 rounded up to 1 (dcops counts whole rack units)" in imp.warnings
    empty = tmp_path / "empty.yaml"
    empty.write_text("model: Y\n")
    with pytest.raises(ImportProblems) as exc:
        convert(empty)
    assert [p.field for p in exc.value.problems] == ["manufacturer", "slug", "u_height", "is_full_depth"]


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "device_types.yaml"
    res = runner.invoke(app, ["import-device-types", str(CISCO), str(BAD), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert f"{BAD}:11: power-ports[0].maximum_draw" in res.output
    assert "4 error(s); nothing written." in res.output
    assert not out.exists()


def test_cli_appends_to_an_inventory_once_and_it_still_validates(tmp_path):
    inv = tmp_path / "mtpe"
    shutil.copytree(MTPE, inv)
    target = inv / "device_types.yaml"
    before = target.read_text()
    args = ["import-device-types", *map(str, GOOD), "-i", str(inv)]
    check = runner.invoke(app, [*args, "--check"])
    assert check.exit_code == 1 and "would add 3 device type(s)" in check.output
    assert target.read_text() == before
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "added 3 device type(s) (cisco-c9300-48p, arista-dcs-7050sx3-48yc8, apc-srt5krmxli)" in res.output
    after = target.read_text()
    assert after.startswith(before)  # comments and records kept, the new ones appended
    loaded = load_inventory(inv)
    assert loaded.get("device_types", "cisco-c9300-48p").max_power_w == 1100
    mtime = target.stat().st_mtime_ns
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "added 0 device type(s) (none); 3 already there" in again.output
    assert target.read_text() == after and target.stat().st_mtime_ns == mtime
    assert runner.invoke(app, [*args, "--check"]).exit_code == 0


def test_cli_never_overwrites_a_record_with_other_values(tmp_path):
    out = tmp_path / "device_types.yaml"
    assert runner.invoke(app, ["import-device-types", str(CISCO), "--out", str(out)]).exit_code == 0
    edited = out.read_text().replace("typical_power_w: 450", "typical_power_w: 500")
    out.write_text(edited)
    res = runner.invoke(app, ["import-device-types", str(CISCO), "--out", str(out)])
    assert res.exit_code == 2
    assert (f"{out}:2: device_types[cisco-c9300-48p]: already present with other values than {CISCO}; remove or "
            "rename it to import again (a hand-edited record is never overwritten)") in res.output
    assert out.read_text() == edited


def test_cli_refuses_a_file_it_cannot_append_to(tmp_path):
    out = tmp_path / "mixed.yaml"
    out.write_text("device_types: []\n")
    res = runner.invoke(app, ["import-device-types", str(CISCO), "--out", str(out)])
    assert res.exit_code == 2 and "cannot append records" in res.output
    assert out.read_text() == "device_types: []\n"


def test_cli_refuses_a_name_another_file_of_the_inventory_holds(tmp_path):
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "switches.yaml").write_text("device_types:\n- name: other\n- name: cisco-c9300-48p\n")
    res = runner.invoke(app, ["import-device-types", str(CISCO), str(ARISTA), "-i", str(inv)])
    assert res.exit_code == 2
    assert (f"{CISCO}:1: slug: 'cisco-c9300-48p' is already a device type of the inventory, at "
            f"{inv / 'switches.yaml'}:3") in res.output
    assert not (inv / "device_types.yaml").exists()
