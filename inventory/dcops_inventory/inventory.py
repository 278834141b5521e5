"""The validated inventory: typed records plus name indexes and where each record came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dcops_inventory.choices import InterfaceRole
from dcops_inventory.lookups import CollectionLookups
from dcops_inventory.models import (
    COLLECTIONS,
    FALLBACK_SCRAPE_TIER,
    AssetPool,
    AvailabilityGoal,
    Cable,
    Circuit,
    Cluster,
    ClusterPlan,
    Counterpart,
    Credentials,
    Datastore,
    DatastoreCluster,
    Device,
    DeviceType,
    Discrepancy,
    ExternalParty,
    HostCapacity,
    Interface,
    IpAddress,
    Location,
    Meta,
    PowerFeed,
    Prefix,
    Rack,
    Record,
    RedundancyGroup,
    ScrapeTier,
    Secret,
    SeedRow,
    Service,
    Site,
    SnmpProfile,
    Software,
    StaffRole,
    VirtualMachine,
    Vlan,
    VmPlacement,
    Vrf,
)


@dataclass(frozen=True)
class Source:
    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass
class Inventory(CollectionLookups):
    root: Path
    meta: Meta
    sites: list[Site] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    power_feeds: list[PowerFeed] = field(default_factory=list)
    racks: list[Rack] = field(default_factory=list)
    device_types: list[DeviceType] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    cables: list[Cable] = field(default_factory=list)
    vrfs: list[Vrf] = field(default_factory=list)
    prefixes: list[Prefix] = field(default_factory=list)
    vlans: list[Vlan] = field(default_factory=list)
    ip_addresses: list[IpAddress] = field(default_factory=list)
    circuits: list[Circuit] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    vms: list[VirtualMachine] = field(default_factory=list)
    software: list[Software] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    external_parties: list[ExternalParty] = field(default_factory=list)
    availability_goals: list[AvailabilityGoal] = field(default_factory=list)
    redundancy_groups: list[RedundancyGroup] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    credentials: list[Credentials] = field(default_factory=list)
    snmp_profiles: list[SnmpProfile] = field(default_factory=list)
    staff: list[StaffRole] = field(default_factory=list)
    asset_pools: list[AssetPool] = field(default_factory=list)
    seed_rows: list[SeedRow] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    datastore_clusters: list[DatastoreCluster] = field(default_factory=list)
    datastores: list[Datastore] = field(default_factory=list)
    cluster_plans: list[ClusterPlan] = field(default_factory=list)
    host_capacities: list[HostCapacity] = field(default_factory=list)
    vm_placements: list[VmPlacement] = field(default_factory=list)
    counterparts: list[Counterpart] = field(default_factory=list)
    scrape_tiers: list[ScrapeTier] = field(default_factory=list)
    sources: dict[tuple[str, str], Source] = field(default_factory=dict, repr=False)
    meta_source: Source | None = field(default=None, repr=False)  # where `meta` was written
    _index: dict[str, dict[str, Record]] = field(default_factory=dict, init=False, repr=False)

    # -- lookups (index and get, typed per collection, come from CollectionLookups) ------
    def device(self, name: str) -> Device:
        return self.get("devices", name)

    def devices_by_role(self, *roles: str) -> list[Device]:
        return [d for d in self.devices if d.role in roles]

    def device_type_of(self, device: Device) -> DeviceType:
        return self.get("device_types", device.device_type)

    def hosts_of(self, cluster: str) -> list[Device]:
        return [d for d in self.devices if d.cluster == cluster]

    @cached_property
    def _member_group(self) -> dict[str, RedundancyGroup]:
        return {m: g for g in self.redundancy_groups for m in g.members}

    def redundancy_group_of(self, member: str) -> RedundancyGroup | None:
        return self._member_group.get(member)

    @cached_property
    def _interfaces_by_device(self) -> dict[str, dict[str, Interface]]:
        grouped: dict[str, dict[str, Interface]] = {}
        for iface in self.interfaces:
            grouped.setdefault(iface.device, {})[iface.name] = iface
        return grouped

    def device_interfaces(self, device: Device) -> list[Interface]:
        """Every interface of a device: its type's layout, overlaid with explicit records."""
        explicit = dict(self._interfaces_by_device.get(device.name, {}))
        result: list[Interface] = []
        for tpl in self.device_type_of(device).interfaces:
            for name in tpl.names():
                iface = explicit.pop(name, None)
                role: InterfaceRole | None = "mgmt" if tpl.mgmt_only else None
                if iface is None:
                    result.append(Interface(device=device.name, name=name, provenance="assumption",
                                            type=tpl.type, speed_mbps=tpl.speed_mbps, role=role))
                else:  # the record's own values win; the layout fills what it leaves out
                    layout: dict[str, object] = {"type": tpl.type, "speed_mbps": tpl.speed_mbps, "role": role}
                    update = {k: v for k, v in layout.items() if v is not None and getattr(iface, k) is None}
                    result.append(iface.model_copy(update=update))
        result.extend(explicit.values())  # LAGs and virtual interfaces
        return result

    def default_scrape_tier(self) -> ScrapeTier:
        """The tier marked `default`, else the built-in 30s/10s FALLBACK_SCRAPE_TIER."""
        return next((t for t in self.scrape_tiers if t.default), FALLBACK_SCRAPE_TIER)

    @cached_property
    def _tier_by_role(self) -> dict[str, ScrapeTier]:
        by_role: dict[str, ScrapeTier] = {}
        for tier in self.scrape_tiers:
            for role in tier.roles:
                by_role.setdefault(role, tier)  # a role in two tiers is a validation error
        return by_role

    def scrape_tier_of(self, device: Device) -> ScrapeTier:
        """The scrape tier naming the device's role, else the default tier."""
        return self._tier_by_role.get(device.role) or self.default_scrape_tier()

    def mgmt_address(self, device: Device, which: str = "mgmt") -> str | None:
        """The address tools connect to; `which` is mgmt, oob or primary (mgmt, else oob)."""
        if which not in ("mgmt", "oob", "primary"):
            raise ValueError(f"unknown management address choice {which!r}; valid: mgmt, oob, primary")
        ip = {"mgmt": device.mgmt_ip, "oob": device.oob_ip, "primary": device.mgmt_ip or device.oob_ip}[which]
        return str(ip.ip) if ip else None

    def source_of(self, collection: str, key: str) -> Source | None:
        return self.sources.get((collection, key))

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in COLLECTIONS}
