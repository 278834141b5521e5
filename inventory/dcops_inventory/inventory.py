"""The validated inventory: typed records plus name indexes and where each record came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass
class Inventory:
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
    _index: dict[str, dict[str, Record]] = field(default_factory=dict, repr=False)

    # -- lookups -------------------------------------------------------------------------
    def index(self, collection: str) -> dict[str, Record]:
        """Records of one collection by key (built once, on first use)."""
        if collection not in COLLECTIONS:
            raise KeyError(f"unknown collection {collection!r}; valid: {', '.join(COLLECTIONS)}")
        if collection not in self._index:
            self._index[collection] = {r.key: r for r in getattr(self, collection)}
        return self._index[collection]

    def get(self, collection: str, key: str) -> Record:
        try:
            return self.index(collection)[key]
        except KeyError:
            raise KeyError(f"no {collection} record named {key!r}") from None

    def device(self, name: str) -> Device:
        return self.get("devices", name)  # type: ignore[return-value]

    def devices_by_role(self, *roles: str) -> list[Device]:
        return [d for d in self.devices if d.role in roles]

    def device_type_of(self, device: Device) -> DeviceType:
        return self.get("device_types", device.device_type)  # type: ignore[return-value]

    def hosts_of(self, cluster: str) -> list[Device]:
        return [d for d in self.devices if d.cluster == cluster]

    def redundancy_group_of(self, member: str) -> RedundancyGroup | None:
        if "_member_group" not in self._index:
            self._index["_member_group"] = {m: g for g in self.redundancy_groups for m in g.members}
        return self._index["_member_group"].get(member)  # type: ignore[return-value]

    def device_interfaces(self, device: Device) -> list[Interface]:
        """Every interface of a device: its type's layout, overlaid with explicit records."""
        if "_ifaces" not in self._index:
            grouped: dict[str, dict[str, Interface]] = {}
            for iface in self.interfaces:
                grouped.setdefault(iface.device, {})[iface.name] = iface
            self._index["_ifaces"] = grouped  # type: ignore[assignment]
        explicit: dict[str, Interface] = dict(self._index["_ifaces"].get(device.name, {}))  # type: ignore[arg-type]
        result: list[Interface] = []
        for tpl in self.device_type_of(device).interfaces:
            for name in tpl.names():
                iface = explicit.pop(name, None)
                base = {"type": tpl.type, "speed_mbps": tpl.speed_mbps}
                if tpl.mgmt_only:
                    base["role"] = "mgmt"
                if iface is None:
                    result.append(Interface(device=device.name, name=name, provenance="assumption", **base))
                else:
                    update = {k: v for k, v in base.items() if getattr(iface, k) is None}
                    result.append(iface.model_copy(update=update))
        result.extend(explicit.values())  # LAGs and virtual interfaces
        return result

    def default_scrape_tier(self) -> ScrapeTier:
        """The tier marked `default`, else the built-in 30s/10s FALLBACK_SCRAPE_TIER."""
        return next((t for t in self.scrape_tiers if t.default), FALLBACK_SCRAPE_TIER)

    def scrape_tier_of(self, device: Device) -> ScrapeTier:
        """The scrape tier naming the device's role, else the default tier."""
        if "_role_tier" not in self._index:
            by_role: dict[str, ScrapeTier] = {}
            for tier in self.scrape_tiers:
                for role in tier.roles:
                    by_role.setdefault(role, tier)  # a role in two tiers is a validation error
            self._index["_role_tier"] = by_role  # type: ignore[assignment]
        return self._index["_role_tier"].get(device.role) or self.default_scrape_tier()  # type: ignore[return-value]

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
