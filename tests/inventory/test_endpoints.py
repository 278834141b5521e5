"""The guard that keeps dcops off any network but loopback and the lab's namespaces."""

from __future__ import annotations

import pytest

from dcops_inventory import AddressMap, Endpoint, UnsafeTargetError, load_inventory, resolve_endpoint
from dcops_inventory.secrets import SecretUnavailable, resolve_secret


def test_lab_only_refuses_inventory_addresses():
    with pytest.raises(UnsafeTargetError, match="refusing to contact 10.250.0.11"):
        resolve_endpoint("sc-core-01", "10.250.0.11/24", "ssh")


def test_address_map_wins_and_never_falls_back(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("devices:\n  sc-core-01: {host: 127.0.0.1, ssh: 10022, snmp: 10161}\n")
    amap = AddressMap.load(path)
    assert str(resolve_endpoint("sc-core-01", "10.250.0.11/24", "snmp", amap)) == "127.0.0.1:10161"
    with pytest.raises(UnsafeTargetError, match="no ssh endpoint"):
        resolve_endpoint("sc-core-02", "10.250.0.12/24", "ssh", amap)


def test_address_map_rejects_non_loopback_hosts(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("devices:\n  sc-core-01: {host: 10.250.0.11, ssh: 22}\n")
    with pytest.raises(UnsafeTargetError):
        AddressMap.load(path)


def test_namespace_subnets_are_allowed_when_declared(monkeypatch):
    monkeypatch.setenv("DCOPS_LAB_SUBNETS", "198.18.0.0/24")
    assert resolve_endpoint("x", "198.18.0.5/24", "ssh").host == "198.18.0.5"


def test_merged_maps_keep_both_services():
    a = AddressMap({"d": {"ssh": Endpoint("127.0.0.1", 1)}})
    b = AddressMap({"d": {"snmp": Endpoint("127.0.0.1", 2)}})
    merged = a.merged(b)
    assert merged.endpoint("d", "ssh").port == 1 and merged.endpoint("d", "snmp").port == 2


def test_secret_resolution_names_the_variable_not_a_value(monkeypatch):
    inv = load_inventory()
    monkeypatch.delenv("DCOPS_NET_PASSWORD", raising=False)
    with pytest.raises(SecretUnavailable, match="DCOPS_NET_PASSWORD is not set"):
        resolve_secret(inv, "net-admin-password")
    monkeypatch.setenv("DCOPS_NET_PASSWORD", "s3cret-value")
    assert resolve_secret(inv, "net-admin-password") == "s3cret-value"
