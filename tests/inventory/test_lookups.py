"""Typed lookups: every collection has its overloads, and lookups find or name what they miss."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from pathlib import Path

import pytest

from dcops_inventory import Inventory, load_inventory, lookups
from dcops_inventory.models import COLLECTIONS, Credentials, Record

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "minimal.yaml"


def _overloads(method) -> dict[str, object]:
    """Collection name -> declared return type, for each `Literal[...]` overload of method."""
    out: dict[str, object] = {}
    for sig in typing.get_overloads(method):
        hints = typing.get_type_hints(sig, vars(lookups))
        arg = hints["collection"]
        key = typing.get_args(arg)[0] if typing.get_origin(arg) is typing.Literal else arg
        out[key] = hints["return"]
    return out


def test_every_collection_has_a_typed_get_and_index():
    """A collection added to COLLECTIONS without overloads would type-check as a bare Record."""
    assert _overloads(Inventory.get) == {**COLLECTIONS, str: Record}
    index = _overloads(Inventory.index)
    assert index == {**{name: Mapping[str, model] for name, model in COLLECTIONS.items()}, str: Mapping[str, Record]}


def test_every_collection_is_a_list_field_of_the_inventory():
    hints = typing.get_type_hints(Inventory)
    assert {name: hints[name] for name in COLLECTIONS} == {name: list[model] for name, model in COLLECTIONS.items()}


def test_get_returns_the_record_of_its_list():
    inv = load_inventory(MINIMAL)
    creds = inv.get("credentials", "net-admin")
    assert isinstance(creds, Credentials) and creds is inv.credentials[0]
    assert set(inv.index("devices")) == {"hq-core-01", "hq-core-02"}


def test_a_missing_key_or_collection_is_named():
    inv = load_inventory(MINIMAL)
    with pytest.raises(KeyError, match=r"no devices record named 'hq-core-03'"):
        inv.get("devices", "hq-core-03")
    with pytest.raises(KeyError, match=r"unknown collection 'device'; valid: sites, locations, "):
        inv.index("device")


def test_explicit_interfaces_overlay_the_layout(tmp_path):
    """An interface record keeps its own values, takes the layout's for what it leaves out,
    and a record beyond the layout (a LAG) is appended."""
    text = MINIMAL.read_text().replace(
        '      - {name: "Gi{n}", count: 4, type: 1000base-t, speed_mbps: 1000}\n',
        '      - {name: "Gi{n}", count: 2, type: 1000base-t, speed_mbps: 1000}\n'
        '      - {name: mgmt0, type: 1000base-t, mgmt_only: true}\n')
    text += ("interfaces:\n"
             "  - {device: hq-core-01, name: Gi1, role: uplink, speed_mbps: 100, provenance: assumption}\n"
             "  - {device: hq-core-01, name: mgmt0, description: out of band, provenance: assumption}\n"
             "  - {device: hq-core-01, name: Po1, type: lag, provenance: assumption}\n")
    (tmp_path / "inv.yaml").write_text(text)
    inv = load_inventory(tmp_path)
    ports = {i.name: i for i in inv.device_interfaces(inv.device("hq-core-01"))}
    assert list(ports) == ["Gi1", "Gi2", "mgmt0", "Po1"]
    assert (ports["Gi1"].role, ports["Gi1"].speed_mbps, ports["Gi1"].type) == ("uplink", 100, "1000base-t")
    assert (ports["Gi2"].role, ports["Gi2"].provenance) == (None, "assumption")
    assert (ports["mgmt0"].role, ports["mgmt0"].description) == ("mgmt", "out of band")
    assert ports["Po1"].type == "lag"
    assert [i.name for i in inv.device_interfaces(inv.device("hq-core-02"))] == ["Gi1", "Gi2", "mgmt0"]
