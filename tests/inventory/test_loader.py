"""Loader behaviour a user notices: all problems at once, directories, strict types."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcops_inventory import InventoryError, load_inventory

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal.yaml"


def test_reports_every_problem_not_only_the_first(tmp_path):
    text = MINIMAL.read_text().replace("vid: 10", "vid: 0").replace("position: 11", "position: 10")
    text = text.replace("10.0.0.12/24", "10.9.0.12/24")
    (tmp_path / "inv.yaml").write_text(text)
    with pytest.raises(InventoryError) as exc:
        load_inventory(tmp_path)
    fields = sorted(p.field for p in exc.value.problems)
    assert fields == ["devices[hq-core-02].mgmt_ip", "devices[hq-core-02].position", "vlans[hq-mgmt].vid"]


def test_records_may_be_split_across_files(tmp_path):
    text = MINIMAL.read_text()
    head, devices_and_rest = text.split("devices:\n", 1)
    devices, rest = devices_and_rest.split("vrfs:\n", 1)
    (tmp_path / "a.yaml").write_text(head + "vrfs:\n" + rest)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "devices.yaml").write_text("devices:\n" + devices)
    inv = load_inventory(tmp_path)
    assert [d.name for d in inv.devices] == ["hq-core-01", "hq-core-02"]
    assert inv.source_of("devices", "hq-core-02").file.endswith("devices.yaml")


def test_interfaces_expand_from_the_device_type(tmp_path):
    inv = load_inventory(MINIMAL)
    names = [i.name for i in inv.device_interfaces(inv.device("hq-core-01"))]
    assert names == ["Gi1", "Gi2", "Gi3", "Gi4"]


def test_missing_inventory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such inventory"):
        load_inventory(tmp_path / "nope")
