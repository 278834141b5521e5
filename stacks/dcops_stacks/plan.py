"""From inventory to site plan: every decision the stacks make, as plain typed data.

The components only turn this plan into resources, so what goes where (which VMs move to
the new primary, on which datastore, what stands in for them at the alternate site) is
decided here once, testable without Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory import Inventory
from dcops_inventory.dr_tiers import tier_coverage
from dcops_inventory.placement import planned_cluster
from dcops_stacks.errors import StackError
from dcops_stacks.guest import guest_id

CRITICALITY_ORDER = ("critical", "high", "medium", "low")
# Which site a stack builds: (site role, preferred status); today's active primary is not built.
STACK_SITE_ROLES = {"primary": "primary_dc", "alternate": "alternate_dc"}
FALLBACK_NETWORK_ROLE = "servers"
# Assumption: a placeholder reserves 2 GHz per vCPU of the primary VM (no host model is known).
MHZ_PER_VCPU = 2000


@dataclass(frozen=True)
class HostPlan:
    name: str
    rack: str | None
    cpu_cores: int
    memory_gb: int
    decommission: bool


@dataclass(frozen=True)
class GroupPlan:
    name: str
    requirement: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class ClusterPlan:
    name: str
    hosts: tuple[HostPlan, ...]
    datastore_cluster: str
    vcpu_per_core: float
    anti_affinity: str  # mandatory | preferred | none
    ha_enabled: bool
    drs_enabled: bool
    groups: tuple[GroupPlan, ...]


@dataclass(frozen=True)
class DatastorePlan:
    name: str
    host: str
    lun: str
    capacity_gb: int


@dataclass(frozen=True)
class PodPlan:
    name: str
    sdrs_enabled: bool
    sdrs_automation: str
    datastores: tuple[DatastorePlan, ...]


@dataclass(frozen=True)
class VlanPlan:
    name: str
    vid: int
    role: str


@dataclass(frozen=True)
class VmPlan:
    name: str
    service: str | None
    cluster: str
    host: str | None
    datastore: str
    vcpus: int
    memory_gb: float
    disk_gb: float
    guest_id: str
    network: str | None
    existing_at: str | None  # site where the VM runs today (adoptable), None for new VMs


@dataclass(frozen=True)
class ServicePlan:
    name: str
    title: str
    criticality: str
    vms: tuple[str, ...]  # the VMs this service owns at the site (each VM has one owner)


@dataclass(frozen=True)
class PlaceholderPlan:
    """Capacity reserved for a primary VM that is restored here only on failover."""

    name: str
    primary: str
    cluster: str
    cpu_mhz: int
    memory_mb: int


@dataclass(frozen=True)
class TierPlan:
    """One tier of a critical service (dcops_inventory.dr_tiers) and what stands in for it here."""

    name: str
    primary_vms: tuple[str, ...]
    replicas: tuple[str, ...]
    placeholders: tuple[str, ...]  # PlaceholderPlan names
    shared_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class CounterpartPlan:
    service: str
    primary_vms: tuple[str, ...]
    replicas: tuple[str, ...]
    placeholders: tuple[PlaceholderPlan, ...]
    tiers: tuple[TierPlan, ...] = ()


@dataclass(frozen=True)
class RecoveryPlan:
    primary_site: str
    critical_services: tuple[str, ...]
    counterparts: tuple[CounterpartPlan, ...]


@dataclass(frozen=True)
class SitePlan:
    stack: str
    site: str
    title: str
    clusters: tuple[ClusterPlan, ...]
    pods: tuple[PodPlan, ...]
    vlans: tuple[VlanPlan, ...]
    services: tuple[ServicePlan, ...]
    vms: tuple[VmPlan, ...]
    recovery: RecoveryPlan | None = None


def stack_site(inv: Inventory, stack: str) -> str:
    """The site a stack builds: the one planned site with the stack's role."""
    if stack not in STACK_SITE_ROLES:
        raise StackError(f"unknown stack {stack!r}; valid: {', '.join(STACK_SITE_ROLES)}")
    role = STACK_SITE_ROLES[stack]
    candidates = [s for s in inv.sites if s.role == role and s.status == "planned"]
    if len(candidates) != 1:
        found = ", ".join(s.name for s in candidates) or "none"
        raise StackError(f"stack {stack!r} needs exactly one planned site with role {role!r} in the inventory; found {found}")
    return candidates[0].name


def owning_service(inv: Inventory) -> dict[str, str]:
    """VM -> the most critical service running on it (ties by name): its folder and component.
    A replica at the alternate site belongs to the service of its primary VM."""
    owner: dict[str, str] = {}
    ranked = sorted(inv.services, key=lambda s: (CRITICALITY_ORDER.index(s.criticality), s.name))
    for svc in ranked:
        for vm in svc.runs_on.vms:
            owner.setdefault(vm, svc.name)
    for cp in inv.counterparts:  # a replica belongs to the service of the VM it stands in for
        if cp.replica and cp.primary in owner:
            owner.setdefault(cp.replica, owner[cp.primary])
    return owner


def _network_for(inv: Inventory, vm, site: str, vlans: tuple) -> str | None:
    """The VM's VLAN at the target site: same name after the site prefix (sc-mgmt-vm ->
    dcp-mgmt-vm), else same role, else the site's servers VLAN."""
    here = {v.name: v for v in vlans}
    by_role: dict[str, str] = {}
    for v in vlans:
        by_role.setdefault(v.role, v.name)
    current = None
    if vm.mgmt_ip is not None:
        best = None
        for pfx in inv.prefixes:
            if pfx.vlan and vm.mgmt_ip.ip in pfx.prefix and (best is None or pfx.prefix.prefixlen > best.prefix.prefixlen):
                best = pfx
        current = inv.index("vlans").get(best.vlan) if best is not None and best.vlan else None
    if current is not None:
        suffix = current.name.split("-", 1)[1] if current.site and current.name.startswith(f"{current.site}-") else current.name
        if f"{site}-{suffix}" in here:
            return f"{site}-{suffix}"
        if current.role in by_role:
            return by_role[current.role]
    return by_role.get(FALLBACK_NETWORK_ROLE)


def _spread_datastores(vms: list, groups: list[GroupPlan], datastores: list[str], pinned: dict[str, str]) -> dict[str, str]:
    """Members of one redundancy group on distinct datastores; the rest round-robin."""
    if not datastores:
        return {}
    out = dict(pinned)
    cursor = 0
    for group in groups:
        for member in group.members:
            if member not in out:
                out[member] = datastores[cursor % len(datastores)]
                cursor += 1
    for vm in vms:
        if vm.name not in out:
            out[vm.name] = datastores[cursor % len(datastores)]
            cursor += 1
    return out


def plan_site(inv: Inventory, stack: str) -> SitePlan:
    site_name = stack_site(inv, stack)
    site = inv.get("sites", site_name)
    clusters = sorted((c for c in inv.clusters if c.site == site_name), key=lambda c: c.name)
    plans = inv.index("cluster_plans")
    capacities = inv.index("host_capacities")
    placements = inv.index("vm_placements")
    cluster_sites = {c.name: c.site for c in inv.clusters}
    target = planned_cluster(inv)
    owner = owning_service(inv)
    pods_by_name = inv.index("datastore_clusters")

    vlans = tuple(VlanPlan(v.name, v.vid, v.role) for v in sorted(inv.vlans, key=lambda v: v.vid)
                  if v.site == site_name)

    cluster_plans: list[ClusterPlan] = []
    vm_plans: list[VmPlan] = []
    used_pods: list[str] = []
    for cluster in clusters:
        plan = plans.get(cluster.name)
        if plan is None:
            raise StackError(f"cluster {cluster.name!r} at site {site_name!r} has no cluster_plans record "
                             "(datastore cluster, vCPU ratio and anti-affinity mode)")
        hosts = tuple(
            HostPlan(h.name, h.rack, capacities[h.name].cpu_cores, capacities[h.name].memory_gb,
                     h.decommission_date is not None or h.status == "decommissioning")
            for h in sorted(inv.hosts_of(cluster.name), key=lambda d: d.name) if h.name in capacities)
        members = sorted((vm for vm in inv.vms if target[vm.name] == cluster.name), key=lambda v: v.name)
        names = {vm.name for vm in members}
        groups = tuple(
            GroupPlan(g.name, g.requirement, tuple(m for m in g.members if m in names))
            for g in sorted(inv.redundancy_groups, key=lambda g: g.name)
            if g.requirement != "N" and sum(m in names for m in g.members) >= 2)
        stores = sorted(d.name for d in inv.datastores if d.datastore_cluster == plan.datastore_cluster)
        if not stores:
            raise StackError(f"datastore cluster {plan.datastore_cluster!r} of cluster {cluster.name!r} has no datastores")
        pinned = {vm.name: store for vm in members
                  if vm.name in placements and (store := placements[vm.name].datastore)}
        spread = _spread_datastores(members, list(groups), stores, pinned)
        for vm in members:
            place = placements.get(vm.name)
            host = place.host if place is not None else (vm.host if vm.cluster == cluster.name else None)
            today = cluster_sites.get(vm.cluster)
            vm_plans.append(VmPlan(
                name=vm.name, service=owner.get(vm.name), cluster=cluster.name, host=host,
                datastore=spread[vm.name], vcpus=vm.vcpus, memory_gb=vm.memory_gb, disk_gb=vm.disk_gb,
                guest_id=guest_id(vm.os, vm.platform),
                network=_network_for(inv, vm, site_name, vlans),
                existing_at=today if today != site_name and vm.status == "active" else None))
        cluster_plans.append(ClusterPlan(
            name=cluster.name, hosts=hosts, datastore_cluster=plan.datastore_cluster,
            vcpu_per_core=float(plan.vcpu_per_core), anti_affinity=plan.vm_anti_affinity,
            ha_enabled=cluster.ha_enabled, drs_enabled=cluster.drs_enabled, groups=groups))
        if plan.datastore_cluster not in used_pods:
            used_pods.append(plan.datastore_cluster)

    pods = []
    for name in used_pods:
        pod = pods_by_name[name]
        pod_stores = tuple(DatastorePlan(d.name, d.host, d.lun, d.capacity_gb)
                           for d in sorted(inv.datastores, key=lambda d: d.name) if d.datastore_cluster == name)
        pods.append(PodPlan(pod.name, pod.sdrs_enabled, pod.sdrs_automation, pod_stores))

    site_vms = {vm.name for vm in vm_plans}
    services = []
    for svc in sorted(inv.services, key=lambda s: s.name):
        owned = tuple(sorted(vm for vm in site_vms if owner.get(vm) == svc.name))
        if owned:
            services.append(ServicePlan(svc.name, svc.title, svc.criticality, owned))

    recovery = _recovery(inv, stack, site_name, target, cluster_sites, site_vms, clusters) if stack == "alternate" else None
    return SitePlan(stack=stack, site=site_name, title=site.title, clusters=tuple(cluster_plans),
                    pods=tuple(pods), vlans=vlans, services=tuple(services),
                    vms=tuple(sorted(vm_plans, key=lambda v: v.name)), recovery=recovery)


def _recovery(inv: Inventory, stack: str, site_name: str, target: dict[str, str], cluster_sites: dict[str, str],
              site_vms: set[str], clusters: list) -> RecoveryPlan:
    """Critical services of the primary and what stands in for each of their VMs here."""
    primary = stack_site(inv, "primary")
    vms = inv.index("vms")
    by_primary = {cp.primary: cp for cp in inv.counterparts if cp.site == site_name}
    critical, counterparts = [], []
    for svc in sorted(inv.services, key=lambda s: s.name):
        primary_vms = tuple(v for v in svc.runs_on.vms if cluster_sites.get(target.get(v, "")) == primary)
        if svc.criticality != "critical" or not primary_vms:
            continue
        critical.append(svc.name)
        replicas, placeholders = [], []
        for vm_name in primary_vms:
            cp = by_primary.get(vm_name)
            if cp is None:
                continue
            if cp.mode == "replica":
                if cp.replica in site_vms and cp.replica not in replicas:
                    replicas.append(cp.replica)
            elif clusters:
                vm = vms[vm_name]
                share = cp.reserve_percent / 100
                placeholders.append(PlaceholderPlan(
                    f"{vm_name}-standby", vm_name, clusters[0].name,
                    int(vm.vcpus * MHZ_PER_VCPU * share), int(vm.memory_gb * 1024 * share)))
        # every tier the service runs on needs its own stand-in: a shared tier's replica
        # (a domain controller's) does not cover the service's application VMs
        made = {p.primary: p.name for p in placeholders}
        tiers = tuple(
            TierPlan(cov.tier.name, cov.tier.vms, tuple(r for r in cov.replicas if r in site_vms),
                     tuple(made[vm] for vm in cov.placeholders if vm in made), cov.tier.shared_with)
            for cov in tier_coverage(inv, svc, site_name, only=primary_vms))
        counterparts.append(CounterpartPlan(svc.name, primary_vms, tuple(replicas), tuple(placeholders), tiers))
    return RecoveryPlan(primary, tuple(critical), tuple(counterparts))

