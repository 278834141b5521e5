"""What the exporter knows about a target, precomputed once from the inventory.

Interface labels (description, role, peer) and the circuits a device terminates come from
here, so a scrape never walks ifAlias/ifDescr to learn them; credentials are resolved
from the inventory's secret references at probe time and live only in the SNMP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dcops_exporters.snmp import SnmpAuth
from dcops_inventory import AddressMap, Endpoint, Inventory, resolve_endpoint
from dcops_inventory.models import Circuit, Device
from dcops_inventory.secrets import resolve_secret

# Circuit kinds that carry data traffic; PRI voice trunks are measured in calls, not octets.
DATA_CIRCUIT_KINDS = ("internet", "wan", "mpls", "dark_fiber")


@dataclass(frozen=True)
class InterfaceFacts:
    description: str
    role: str
    peer: str


@dataclass
class InventoryIndex:
    """Per-device lookups the modules need, built once per loaded inventory."""

    inv: Inventory
    interfaces: dict[str, dict[str, InterfaceFacts]] = field(default_factory=dict)
    circuits: dict[str, list[Circuit]] = field(default_factory=dict)

    @classmethod
    def build(cls, inv: Inventory) -> "InventoryIndex":
        peers: dict[tuple[str, str], str] = {}
        for cable in inv.cables:
            peers[(cable.a.device, cable.a.interface)] = f"{cable.b.device}:{cable.b.interface}"
            peers[(cable.b.device, cable.b.interface)] = f"{cable.a.device}:{cable.a.interface}"
        index = cls(inv)
        for dev in inv.devices:
            if not dev.snmp_profile:
                continue
            index.interfaces[dev.name] = {
                i.name: InterfaceFacts(i.description or "", i.role or "", peers.get((dev.name, i.name), ""))
                for i in inv.device_interfaces(dev)
            }
        for circuit in sorted(inv.circuits, key=lambda c: c.name):
            if circuit.device and circuit.interface and circuit.kind in DATA_CIRCUIT_KINDS and circuit.status == "active":
                index.circuits.setdefault(circuit.device, []).append(circuit)
        return index


def snmp_endpoint(inv: Inventory, device: Device, address_map: AddressMap | None) -> Endpoint:
    """Lab address map first; the inventory address only outside the lab (see endpoints.py)."""
    return resolve_endpoint(device.name, inv.mgmt_address(device, "primary"), "snmp", address_map)


def snmp_auth(inv: Inventory, device: Device, vault_vars: Mapping[str, str] | None = None) -> SnmpAuth:
    """The device's SNMP credentials from its profile's secret references."""
    profile = inv.get("snmp_profiles", device.snmp_profile)
    if profile.version == "v2c":
        return SnmpAuth("v2c", community=resolve_secret(inv, profile.community_secret, vault_vars))
    return SnmpAuth(
        "v3", user=profile.user, auth_protocol=profile.auth_protocol,
        auth_key=resolve_secret(inv, profile.auth_secret, vault_vars),
        priv_protocol=profile.priv_protocol,
        priv_key=resolve_secret(inv, profile.priv_secret, vault_vars) if profile.priv_secret else None,
    )
