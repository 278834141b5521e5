"""The inventory's record types, one module per domain; COLLECTIONS maps YAML keys to them."""

from dcops_inventory.models.access import Credentials, Secret, SnmpProfile
from dcops_inventory.models.base import Record
from dcops_inventory.models.dcim import (
    Cable,
    Device,
    DeviceType,
    Interface,
    InterfaceTemplate,
    Location,
    PowerFeed,
    Rack,
    Site,
)
from dcops_inventory.models.ipam import Circuit, IpAddress, Prefix, Vlan, Vrf
from dcops_inventory.models.meta import Channel, DocumentSource, Meta, SourceTable
from dcops_inventory.models.monitoring import FALLBACK_SCRAPE_TIER, ScrapeTier
from dcops_inventory.models.planning import (
    ClusterPlan,
    Counterpart,
    Datastore,
    DatastoreCluster,
    HostCapacity,
    VmPlacement,
)
from dcops_inventory.models.seed import AssetPool, Discrepancy, SeedRow, StaffRole
from dcops_inventory.models.services import AvailabilityGoal, ExternalParty, RedundancyGroup, Service
from dcops_inventory.models.software import Software
from dcops_inventory.models.virtualization import Cluster, VirtualMachine

# Top-level YAML key -> record type. Any file of the inventory may hold any of these lists.
COLLECTIONS: dict[str, type[Record]] = {
    "sites": Site,
    "locations": Location,
    "power_feeds": PowerFeed,
    "racks": Rack,
    "device_types": DeviceType,
    "devices": Device,
    "interfaces": Interface,
    "cables": Cable,
    "vrfs": Vrf,
    "prefixes": Prefix,
    "vlans": Vlan,
    "ip_addresses": IpAddress,
    "circuits": Circuit,
    "clusters": Cluster,
    "vms": VirtualMachine,
    "software": Software,
    "services": Service,
    "external_parties": ExternalParty,
    "availability_goals": AvailabilityGoal,
    "redundancy_groups": RedundancyGroup,
    "secrets": Secret,
    "credentials": Credentials,
    "snmp_profiles": SnmpProfile,
    "staff": StaffRole,
    "asset_pools": AssetPool,
    "seed_rows": SeedRow,
    "discrepancies": Discrepancy,
    # the build-out plan for the new data centers (models/planning.py)
    "datastore_clusters": DatastoreCluster,
    "datastores": Datastore,
    "cluster_plans": ClusterPlan,
    "host_capacities": HostCapacity,
    "vm_placements": VmPlacement,
    "counterparts": Counterpart,
    # how often monitoring polls each device role (models/monitoring.py)
    "scrape_tiers": ScrapeTier,
}

__all__ = [
    "COLLECTIONS", "AssetPool", "AvailabilityGoal", "Cable", "Circuit", "Cluster", "Credentials",
    "Device", "DeviceType", "Discrepancy", "ExternalParty", "Interface", "InterfaceTemplate",
    "IpAddress", "Location", "Meta", "PowerFeed", "Prefix", "Rack", "Record", "RedundancyGroup",
    "SeedRow", "Secret", "Service", "Site", "Software", "SnmpProfile", "StaffRole",
    "VirtualMachine", "Vlan", "Vrf",
    "ClusterPlan", "Counterpart", "Datastore", "DatastoreCluster", "HostCapacity", "VmPlacement",
    "FALLBACK_SCRAPE_TIER", "ScrapeTier", "Channel", "DocumentSource", "SourceTable",
]
