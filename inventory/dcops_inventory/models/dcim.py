"""Physical infrastructure: sites, rooms, racks, power, device types, devices, cabling."""

from __future__ import annotations

from datetime import date
from ipaddress import IPv4Interface
from typing import Annotated, Self

from pydantic import Field, StrictInt, field_validator, model_validator

from dcops_inventory.choices import (
    CableType,
    DeviceRole,
    DeviceStatus,
    InterfaceMode,
    InterfaceRole,
    InterfaceType,
    Ownership,
    Platform,
    RackFace,
    SiteRole,
    SiteStatus,
)
from dcops_inventory.models.base import Bool, Name, NonNegInt, NonNegNumber, Part, PositiveInt, Provenance, Record, Text
from dcops_inventory.models.reliability import Reliability
from dcops_inventory.models.virtualization import VCenter


class Site(Record):
    name: Name
    title: Text
    role: SiteRole
    status: SiteStatus
    address: Text | None = None
    city: Text | None = None
    vcenter: VCenter | None = None  # where a site has vSphere clusters the stacks build
    description: Text | None = None
    provenance: Provenance


class Location(Record):
    """A room or closet inside a site (the data hall, a floor's telecom closet)."""

    name: Name
    site: Name
    kind: Text
    description: Text | None = None
    provenance: Provenance


class PowerFeed(Record):
    """One electrical feed (A or B side) from a UPS to the racks it serves."""

    name: Name
    site: Name
    ups: Name
    side: Text = Field(pattern=r"^[AB]$")
    voltage: PositiveInt = 220
    max_power_w: PositiveInt
    provenance: Provenance


class Rack(Record):
    name: Name
    site: Name
    location: Name | None = None
    u_height: PositiveInt = 42
    power_capacity_w: PositiveInt
    cooling_zone: Text | None = None
    feeds: list[Name] = []
    status: SiteStatus = "active"
    provenance: Provenance


# Ports of one device type, all templates together: a modular chassis has a few hundred.
# Templates are expanded into one name per port (per device, in `dcops report query`),
# so the count is bounded before anything is expanded.
MAX_PORTS = 4096


class InterfaceTemplate(Part):
    """A run of identical ports of a device type; `{n}` in the name is the port number."""

    name: Text
    count: Annotated[StrictInt, Field(ge=1, le=MAX_PORTS)] = 1
    start: NonNegInt = 1
    type: InterfaceType
    speed_mbps: PositiveInt | None = None
    mgmt_only: Bool = False

    @property
    def port_count(self) -> int:
        return self.count if "{n}" in self.name else 1

    def names(self) -> list[str]:
        if "{n}" not in self.name:
            return [self.name]
        return [self.name.replace("{n}", str(i)) for i in range(self.start, self.start + self.count)]


class DeviceType(Record):
    name: Name
    manufacturer: Text
    model: Text
    u_height: NonNegInt = 1
    typical_power_w: NonNegNumber = 0
    max_power_w: NonNegNumber = 0
    interfaces: list[InterfaceTemplate] = []
    reliability: Reliability | None = None  # the model's hardware (vendor MTBF)
    provenance: Provenance

    @model_validator(mode="after")
    def _power_order(self) -> Self:
        if self.max_power_w < self.typical_power_w:
            raise ValueError("max_power_w must be >= typical_power_w")
        return self

    @field_validator("interfaces")
    @classmethod
    def _ports_bounded(cls, templates: list[InterfaceTemplate]) -> list[InterfaceTemplate]:
        ports = sum(t.port_count for t in templates)
        if ports > MAX_PORTS:
            raise ValueError(f"{ports} ports in all; a device type has at most {MAX_PORTS}")
        return templates

    def interface_names(self) -> list[str]:
        return [n for tpl in self.interfaces for n in tpl.names()]


class UpsSpec(Part):
    capacity_kva: NonNegNumber
    runtime_minutes: NonNegNumber


class CoolingSpec(Part):
    capacity_kw: NonNegNumber


class Device(Record):
    name: Name
    role: DeviceRole
    device_type: Name
    site: Name
    location: Name | None = None
    rack: Name | None = None
    position: PositiveInt | None = None
    face: RackFace = "front"
    status: DeviceStatus = "active"
    platform: Platform | None = None
    serial: Text | None = None
    asset_tag: Text | None = None
    mgmt_ip: IPv4Interface | None = None
    oob_ip: IPv4Interface | None = None
    ownership: Ownership = "owned"
    credentials: Name | None = None
    snmp_profile: Name | None = None
    cluster: Name | None = None
    os: Name | None = None
    ups: UpsSpec | None = None
    cooling: CoolingSpec | None = None
    decommission_date: date | None = None
    tags: list[Name] = []
    comments: Text | None = None
    reliability: Reliability | None = None  # this device as it serves, software included
    provenance: Provenance

    @model_validator(mode="after")
    def _position_needs_rack(self) -> Self:
        if self.position is not None and self.rack is None:
            raise ValueError("position is set but rack is not")
        return self


class Interface(Record):
    """Per-port facts beyond the device type's layout: descriptions, roles, LAGs, VLANs."""

    key_field = "ref"
    device: Name
    name: Text
    type: InterfaceType | None = None
    speed_mbps: PositiveInt | None = None
    description: Text | None = None
    role: InterfaceRole | None = None
    lag: Text | None = None
    enabled: Bool = True
    mode: InterfaceMode | None = None
    untagged_vlan: Name | None = None
    tagged_vlans: list[Name] = []
    provenance: Provenance

    @property
    def ref(self) -> str:
        return f"{self.device}:{self.name}"


class CableEnd(Part):
    device: Name
    interface: Text


class Cable(Record):
    key_field = "ref"
    a: CableEnd
    b: CableEnd
    type: CableType
    length_m: NonNegNumber | None = None
    provenance: Provenance

    @property
    def ref(self) -> str:
        return f"{self.a.device}:{self.a.interface}<->{self.b.device}:{self.b.interface}"
