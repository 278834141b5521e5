"""Compute headroom per cluster: physical cores and RAM, what the VMs are allocated, the
overcommit ratios, and whether the cluster still carries everything with its largest host lost.

Why: vCPU and memory overcommit cannot be judged from VM sizes alone; they need each host's
cores and RAM, which `host_capacities` records (one per host, with its provenance, so a
figure that is an assumption says so). A host without a record is counted and named, and
the cluster's capacity is then a lower bound.

What counts, stated once:

- Hosts: the devices whose `cluster` it is, except those offline, decommissioning or with a
  decommission date (they are leaving). Planned hosts count: they are capacity to plan with.
- VMs: an active cluster carries the VMs assigned to it today (`vms[].cluster`); a planned
  cluster the VMs planned to run there - a `vm_placements` record, else every VM of a
  cluster its `cluster_plans` record absorbs (the rule the Pulumi stacks use). Offline VMs
  are powered off and allocate nothing.
- Failover reservations: a `counterparts` placeholder reserves `reserve_percent` of its
  primary VM's vCPU and RAM in the first cluster (by name) of its site, as the stacks do.
- N+1: the host with the most RAM (then cores, then name) is lost - the HA policy's rule.
  What is left must hold every VM and reservation: RAM one to one (no memory overcommit),
  vCPUs at the cluster's `cluster_plans.vcpu_per_core`, else the default ratio (4).
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Device, VirtualMachine
from dcops_inventory.placement import planned_cluster
from dcops_reports.reports import Report, ReportSet

DEFAULT_VCPU_PER_CORE = 4.0
LEAVING = ("offline", "decommissioning")


@dataclass(frozen=True)
class Host:
    name: str
    cluster: str
    status: str
    cores: int | None
    memory_gb: int | None
    provenance: str | None


@dataclass(frozen=True)
class ClusterLoad:
    name: str
    site: str
    status: str
    basis: str  # "today" or "planned"
    hosts: tuple[Host, ...]
    vms: tuple[VirtualMachine, ...]
    reserved_vcpus: float
    reserved_memory_gb: float
    vcpu_per_core_target: float
    target_source: str

    @property
    def known(self) -> list[Host]:
        return [h for h in self.hosts if h.cores is not None and h.memory_gb is not None]

    @property
    def cores(self) -> int:
        return sum(h.cores or 0 for h in self.known)

    @property
    def memory_gb(self) -> int:
        return sum(h.memory_gb or 0 for h in self.known)

    @property
    def vcpus(self) -> int:
        return sum(vm.vcpus for vm in self.vms)

    @property
    def vram_gb(self) -> float:
        return sum(vm.memory_gb for vm in self.vms)

    @property
    def largest(self) -> Host | None:
        return max(self.known, key=lambda h: (h.memory_gb, h.cores, h.name), default=None)


def _leaving(dev: Device) -> bool:
    return dev.status in LEAVING or dev.decommission_date is not None


def cluster_loads(inv: Inventory, site: str | None = None,
                  default_ratio: float = DEFAULT_VCPU_PER_CORE) -> list[ClusterLoad]:
    capacities = inv.index("host_capacities")
    plans = inv.index("cluster_plans")
    vms = inv.index("vms")
    target = planned_cluster(inv)
    by_site: dict[str, list[str]] = {}
    for c in sorted(inv.clusters, key=lambda c: c.name):
        by_site.setdefault(c.site, []).append(c.name)
    reserved: dict[str, list[float]] = {}
    for cp in inv.counterparts:
        if cp.mode == "placeholder" and cp.primary in vms and by_site.get(cp.site):
            vm, share = vms[cp.primary], cp.reserve_percent / 100
            acc = reserved.setdefault(by_site[cp.site][0], [0.0, 0.0])
            acc[0] += vm.vcpus * share
            acc[1] += vm.memory_gb * share
    # one pass over devices and VMs, grouped by cluster (a lookup per cluster would be
    # clusters x VMs: minutes at the 50k-device benchmark's 2,920 clusters)
    hosts_of: dict[str, list[Device]] = {}
    for dev in sorted(inv.devices, key=lambda d: d.name):
        if dev.cluster is not None and not _leaving(dev):
            hosts_of.setdefault(dev.cluster, []).append(dev)
    today: dict[str, list[VirtualMachine]] = {}
    planned: dict[str, list[VirtualMachine]] = {}
    for vm in sorted(inv.vms, key=lambda v: v.name):
        if vm.status != "offline":
            today.setdefault(vm.cluster, []).append(vm)
            planned.setdefault(target[vm.name], []).append(vm)
    out = []
    for cluster in sorted(inv.clusters, key=lambda c: (c.site, c.name)):
        if site is not None and cluster.site != site:
            continue
        hosts = []
        for dev in hosts_of.get(cluster.name, []):
            cap = capacities.get(dev.name)
            hosts.append(Host(dev.name, cluster.name, dev.status, cap.cpu_cores if cap else None,
                              cap.memory_gb if cap else None, cap.provenance if cap else None))
        is_planned = cluster.status == "planned"
        members = tuple((planned if is_planned else today).get(cluster.name, []))
        plan = plans.get(cluster.name)
        cpu_res, mem_res = reserved.get(cluster.name, [0.0, 0.0])
        out.append(ClusterLoad(cluster.name, cluster.site, cluster.status, "planned" if is_planned else "today",
                               tuple(hosts), members, cpu_res, mem_res,
                               float(plan.vcpu_per_core) if plan else default_ratio,
                               "cluster_plans" if plan else "default"))
    return out


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 2) if den else None


def _percent(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def _capacity_source(c: ClusterLoad) -> str:
    provs = sorted({h.provenance for h in c.known if h.provenance})
    if not provs:
        return "none recorded"
    if all(p.startswith("assumption") for p in provs):
        return "assumption"
    return "; ".join(provs) if len(provs) <= 2 else f"{len(provs)} sources"


CLUSTER_COLUMNS = ["cluster", "site", "basis", "hosts", "hosts_without_capacity", "cores", "memory_gb", "vms",
                   "vcpus", "vram_gb", "reserved_vcpus", "reserved_memory_gb", "vcpu_per_core", "memory_percent",
                   "capacity_source"]
N1_COLUMNS = ["cluster", "largest_host", "cores_left", "memory_left_gb", "vcpu_per_core_target", "target_source",
              "vcpu_limit", "vcpus_needed", "vcpu_headroom", "memory_needed_gb", "memory_headroom_gb", "verdict"]
HOST_COLUMNS = ["host", "cluster", "status", "cores", "memory_gb", "vms", "vcpus", "vram_gb", "vcpu_per_core",
                "provenance"]


def _n1_row(c: ClusterLoad) -> tuple:
    largest = c.largest
    vcpus_needed = c.vcpus + c.reserved_vcpus
    memory_needed = c.vram_gb + c.reserved_memory_gb
    if largest is None:
        verdict = "no capacity recorded" if c.hosts else ("no host" if not c.vms else "FAIL: no host")
        return (c.name, None, None, None, c.vcpu_per_core_target, c.target_source, None, _num(vcpus_needed), None,
                _num(memory_needed), None, verdict)
    cores_left = c.cores - (largest.cores or 0)
    memory_left = c.memory_gb - (largest.memory_gb or 0)
    limit = cores_left * c.vcpu_per_core_target
    cpu_room, mem_room = limit - vcpus_needed, memory_left - memory_needed
    failing = [what for what, room in (("vCPU", cpu_room), ("RAM", mem_room)) if room < 0]
    verdict = f"FAIL ({', '.join(failing)})" if failing else "OK"
    if len(c.known) < len(c.hosts):
        verdict += f" (lower bound: {len(c.hosts) - len(c.known)} host(s) without capacity)"
    return (c.name, largest.name, cores_left, memory_left, _num(c.vcpu_per_core_target), c.target_source,
            _num(limit), _num(vcpus_needed), _num(cpu_room), _num(memory_needed), _num(mem_room), verdict)


def _host_rows(inv: Inventory, loads: list[ClusterLoad]) -> list[tuple]:
    rows = []
    for c in loads:
        placed: dict[str, list[VirtualMachine]] = {}
        for vm in c.vms:
            if vm.host is not None:
                placed.setdefault(vm.host, []).append(vm)
        for h in c.hosts:
            on = placed.get(h.name, [])
            vcpus = sum(vm.vcpus for vm in on)
            rows.append((h.name, c.name, h.status, h.cores, h.memory_gb, len(on), vcpus,
                         _num(sum(vm.memory_gb for vm in on)), _ratio(vcpus, h.cores or 0), h.provenance))
    return rows


def compute_report(inv: Inventory, site: str | None = None,
                   default_ratio: float = DEFAULT_VCPU_PER_CORE) -> ReportSet:
    """Per cluster: capacity, allocation and overcommit; N+1 headroom; per host capacity and provenance."""
    loads = cluster_loads(inv, site, default_ratio)
    clusters = []
    for c in loads:
        clusters.append((c.name, c.site, c.basis, len(c.hosts), len(c.hosts) - len(c.known), c.cores, c.memory_gb,
                         len(c.vms), c.vcpus, _num(c.vram_gb), _num(c.reserved_vcpus), _num(c.reserved_memory_gb),
                         _ratio(c.vcpus, c.cores), _percent(c.vram_gb + c.reserved_memory_gb, c.memory_gb),
                         _capacity_source(c)))
    notes = []
    for c in loads:
        missing = [h.name for h in c.hosts if h.cores is None or h.memory_gb is None]
        if missing and len(missing) == len(c.hosts):
            notes.append(f"{c.name}: none of its {len(c.hosts)} host(s) has a host_capacities record; overcommit "
                         "and N+1 cannot be computed")
        elif missing:
            notes.append(f"{c.name}: no host_capacities record for {', '.join(missing)}; its capacity is a lower bound")
        assumed = sum(1 for h in c.known if h.provenance and h.provenance.startswith("assumption"))
        if assumed:
            notes.append(f"{c.name}: the capacity of {assumed} of {len(c.hosts)} host(s) is an assumption "
                         "(see the hosts' provenance)")
    notes.append("vcpu_per_core = vCPUs allocated / physical cores; memory_percent = (vRAM + reservations) / RAM. "
                 "N+1: the host with the most RAM lost; vCPUs within cores x the target ratio, RAM 1:1.")
    where = f" at site {site}" if site else ""
    return ReportSet(f"Compute headroom{where}", {
        "clusters": Report("Clusters: capacity, allocation and overcommit", CLUSTER_COLUMNS, clusters),
        "n_plus_one": Report("N+1: the cluster with its largest host lost", N1_COLUMNS, [_n1_row(c) for c in loads]),
        "hosts": Report("Hosts: capacity (with its provenance) and the VMs placed on each", HOST_COLUMNS,
                        _host_rows(inv, loads)),
    }, notes)
