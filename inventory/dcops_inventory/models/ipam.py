"""Addressing and connectivity: VRFs, prefixes, VLANs, IP addresses, WAN/Internet circuits."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network
from typing import Annotated

from pydantic import Field, StrictInt

from dcops_inventory.choices import CircuitKind, PrefixRole, VlanRole
from dcops_inventory.models.base import Name, PositiveInt, Provenance, Record, Text
from dcops_inventory.models.reliability import Reliability


class Vrf(Record):
    name: Name
    description: Text | None = None
    provenance: Provenance


class Prefix(Record):
    key_field = "ref"
    prefix: IPv4Network
    vrf: Name
    site: Name | None = None
    vlan: Name | None = None
    role: PrefixRole
    description: Text | None = None
    provenance: Provenance

    @property
    def ref(self) -> str:
        return f"{self.vrf}:{self.prefix}"


class Vlan(Record):
    name: Name
    vid: Annotated[StrictInt, Field(ge=1, le=4094)]
    site: Name | None = None
    role: VlanRole
    description: Text | None = None
    provenance: Provenance


class IpAddress(Record):
    key_field = "ref"
    address: IPv4Interface
    vrf: Name
    device: Name | None = None
    interface: Text | None = None
    vm: Name | None = None
    dns_name: Text | None = None
    description: Text | None = None
    provenance: Provenance

    @property
    def ref(self) -> str:
        return f"{self.vrf}:{self.address}"


class Circuit(Record):
    """A contracted link; `commit_rate_mbps` is what alerts measure utilisation against."""

    name: Name
    provider: Text
    kind: CircuitKind
    site: Name
    commit_rate_mbps: PositiveInt
    device: Name | None = None
    interface: Text | None = None
    status: Text = "active"
    description: Text | None = None
    reliability: Reliability | None = None  # e.g. from the contract's SLA
    provenance: Provenance
