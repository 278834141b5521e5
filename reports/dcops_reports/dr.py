"""DR readiness: can the alternate site carry the critical services when the primary is lost?

Why two questions and not one: capacity sums alone hide a service whose own application
tier has nothing standing in for it at the alternate site, and a service covered tier by
tier can still not fit. So the report asks, per critical service, whether every tier it
runs on has a counterpart there (the rule of `dcops_inventory.dr_tiers`, the one the
stacks' `critical-service-counterpart` policy applies: a domain controller's replica does
not stand in for an application VM), then whether the site has the vCPU, RAM, storage and
bandwidth the failover needs, with the shortfall per resource.

What counts, stated once:

- Critical services: `criticality: critical`, with VMs planned outside the alternate site
  (where `report compute` places them: `vm_placements`, else the cluster's successor).
- Needed at failover: every such VM at its full size (vCPU, RAM, disk), each VM once even
  when several services run on it - a counterpart's `reserve_percent` is what the plan
  reserves, not what the service uses. Bandwidth: the `commit_rate_mbps` of the circuits
  the critical services run on, outside the alternate site.
- The alternate site's capacity: its clusters' cores x their vCPU-per-core target
  (`cluster_plans`, else `--vcpu-per-core`) and RAM (`host_capacities`, as `report
  compute`); storage: the datastores of its datastore clusters; bandwidth: its circuits
  of the kinds needed.
- Already used there: the VMs the site runs for itself, that is every VM planned there but
  the replicas of the critical tiers (those are the failover's own capacity, counted in
  the need through the primary VMs they stand in for). Placeholders reserve for VMs that
  are in the need already, so they are not counted twice.
- Shortfall = needed - (capacity - used), when positive.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory.dr_tiers import TierCoverage, tier_coverage
from dcops_inventory.inventory import Inventory
from dcops_reports.compute import DEFAULT_VCPU_PER_CORE, ClusterLoad, cluster_loads
from dcops_reports.reports import Report, ReportSet


class CapacityError(ValueError):
    """Bad input for a capacity command (unknown site, no alternate site): exit 2."""


def alternate_site(inv: Inventory, site: str | None = None) -> str:
    """`site` checked, else the one site with role `alternate_dc`."""
    names = inv.index("sites")
    if site is not None:
        if site not in names:
            raise CapacityError(f"--site {site!r} is not a site of this inventory; valid: {', '.join(sorted(names))}")
        return site
    found = sorted(s.name for s in inv.sites if s.role == "alternate_dc")
    if len(found) != 1:
        raise CapacityError(f"the inventory has {len(found)} sites with role alternate_dc "
                            f"({', '.join(found) or 'none'}); name one with --site")
    return found[0]


@dataclass(frozen=True)
class Need:
    vcpus: float = 0
    memory_gb: float = 0
    disk_gb: float = 0


@dataclass(frozen=True)
class ResourceLine:
    resource: str
    unit: str
    needed: float
    capacity: float
    used: float

    @property
    def available(self) -> float:
        return self.capacity - self.used

    @property
    def shortfall(self) -> float:
        return max(0.0, self.needed - self.available)

    @property
    def verdict(self) -> str:
        return "SHORT" if self.shortfall > 0 else "OK"

    def row(self) -> tuple:
        return (self.resource, self.unit, _num(self.needed), _num(self.capacity), _num(self.used),
                _num(self.available), _num(self.shortfall), self.verdict)


@dataclass(frozen=True)
class DrAssessment:
    site: str
    coverage: dict[str, list[TierCoverage]]  # critical service -> its tiers
    resources: list[ResourceLine]
    bounds: list[str]  # clusters whose capacity is a lower bound (hosts without a record)

    @property
    def gaps(self) -> list[tuple[str, TierCoverage]]:
        return [(svc, c) for svc, tiers in self.coverage.items() for c in tiers if not c.covered]

    @property
    def ready(self) -> bool:
        return not self.gaps and all(r.shortfall == 0 for r in self.resources)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def assess(inv: Inventory, site: str | None = None, default_ratio: float = DEFAULT_VCPU_PER_CORE) -> DrAssessment:
    alt = alternate_site(inv, site)
    loads = cluster_loads(inv, None, default_ratio)
    cluster_site = {c.name: c.site for c in inv.clusters}
    vm_site = {vm.name: cluster_site.get(vm.cluster) for vm in inv.vms}
    vm_site.update({vm.name: load.site for load in loads for vm in load.vms})
    vms = inv.index("vms")

    coverage: dict[str, list[TierCoverage]] = {}
    for svc in sorted(inv.services, key=lambda s: s.name):
        away = [v for v in svc.runs_on.vms if v in vm_site and vm_site[v] != alt]
        if svc.criticality == "critical" and away:
            coverage[svc.name] = tier_coverage(inv, svc, alt, only=away)
    needed_vms = sorted({vm for tiers in coverage.values() for c in tiers for vm in c.tier.vms})
    replicas = {r for tiers in coverage.values() for c in tiers for r in c.replicas}
    need = Need(sum(vms[v].vcpus for v in needed_vms), sum(vms[v].memory_gb for v in needed_vms),
                sum(vms[v].disk_gb for v in needed_vms))

    here: list[ClusterLoad] = [c for c in loads if c.site == alt]
    own = [vm for c in here for vm in c.vms if vm.name not in replicas]
    stores = {d.name for d in inv.datastore_clusters if d.site == alt}
    storage = sum(d.capacity_gb for d in inv.datastores if d.datastore_cluster in stores)

    circuits = inv.index("circuits")
    wanted = sorted({c for name in coverage for c in inv.get("services", name).runs_on.circuits
                     if c in circuits and circuits[c].site != alt})
    kinds = {circuits[c].kind for c in wanted}
    links = [c for c in inv.circuits if c.site == alt and c.kind in kinds and c.status == "active"]

    resources = [
        ResourceLine("vcpu", "vCPU", need.vcpus, sum(c.cores * c.vcpu_per_core_target for c in here),
                     sum(vm.vcpus for vm in own)),
        ResourceLine("memory", "GB", need.memory_gb, sum(c.memory_gb for c in here), sum(vm.memory_gb for vm in own)),
        ResourceLine("storage", "GB", need.disk_gb, storage, sum(vm.disk_gb for vm in own)),
        ResourceLine("bandwidth", "Mbps", sum(circuits[c].commit_rate_mbps for c in wanted),
                     sum(c.commit_rate_mbps for c in links), 0),
    ]
    bounds = [c.name for c in here if len(c.known) < len(c.hosts)]
    return DrAssessment(alt, coverage, resources, bounds)


def _stand_in(c: TierCoverage) -> str:
    parts = list(c.replicas)
    parts += [f"placeholder {cp.primary} ({_num(cp.reserve_percent)}%)" for cp in c.counterparts
              if cp.mode == "placeholder"]
    return "; ".join(parts) or "none"


TIER_COLUMNS = ["service", "tier", "vms", "shared_with", "stand_in", "covered", "vcpus", "memory_gb", "disk_gb"]
RESOURCE_COLUMNS = ["resource", "unit", "needed", "capacity", "used_by_site", "available", "shortfall", "verdict"]


def dr_report(inv: Inventory, site: str | None = None, default_ratio: float = DEFAULT_VCPU_PER_CORE,
              assessment: DrAssessment | None = None) -> ReportSet:
    """Per critical service and tier, the stand-in at the alternate site; per resource, the shortfall
    (of `assessment` when the caller has made it already)."""
    a = assessment or assess(inv, site, default_ratio)
    vms = inv.index("vms")
    tiers = []
    for svc, covs in a.coverage.items():
        for c in covs:
            members = [vms[v] for v in c.tier.vms]
            tiers.append((svc, c.tier.name, list(c.tier.vms), list(c.tier.shared_with), _stand_in(c), c.covered,
                          sum(v.vcpus for v in members), _num(sum(v.memory_gb for v in members)),
                          _num(sum(v.disk_gb for v in members))))
    notes = []
    for svc, c in a.gaps:
        covered = [x.tier.name for x in a.coverage[svc] if x.covered]
        tail = f"; the counterparts of {', '.join(covered)} do not stand in for it" if covered else ""
        notes.append(f"GAP: critical service {svc!r}: tier {c.tier.name!r} ({', '.join(c.tier.vms)}) has no "
                     f"counterpart (replica VM or placeholder reservation) at {a.site!r}{tail}")
    for r in a.resources:
        if r.shortfall:
            notes.append(f"SHORT: {r.resource}: the failover needs {_num(r.needed):,} {r.unit}, {a.site} has "
                         f"{_num(r.available):,} free ({_num(r.capacity):,} - {_num(r.used):,} used by its own "
                         f"workloads): short by {_num(r.shortfall):,} {r.unit}")
    for name in a.bounds:
        notes.append(f"{name}: some hosts have no host_capacities record; its capacity is a lower bound")
    if not a.coverage:
        notes.append(f"No critical service runs outside {a.site}: nothing to fail over.")
    notes.append("needed = the critical services' VMs outside the alternate site at full size, each once; used = "
                 "the alternate site's own VMs (replicas of critical tiers excluded); bandwidth = the critical "
                 "services' circuits vs the alternate site's circuits of the same kinds.")
    notes.append("READY" if a.ready else f"NOT READY: {len(a.gaps)} tier(s) uncovered, "
                 f"{sum(1 for r in a.resources if r.shortfall)} resource(s) short")
    return ReportSet(f"DR readiness: can {a.site} carry the critical services?", {
        "tiers": Report("Tiers of each critical service and their stand-in at the alternate site", TIER_COLUMNS, tiers),
        "resources": Report("Resources the failover needs against the alternate site", RESOURCE_COLUMNS,
                            [r.row() for r in a.resources]),
    }, notes)
