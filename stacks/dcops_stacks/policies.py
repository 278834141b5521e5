"""The HA policies as plain functions over the resources a program registers.

Both the PolicyPack (stacks/policies, via `policypack.py`) and the offline preview call
these, so each rule is written and tested once. A policy receives `Resources` (type, name,
props, parent and which resource each input came from) and yields `Violation`s whose text
names the group, VM, host or service at fault.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from dcops_stacks.mockrun import PlannedResource

VM = "vsphere:index/virtualMachine:VirtualMachine"
HOST = "vsphere:index/host:Host"
TAG = "vsphere:index/tag:Tag"
RESOURCE_POOL = "vsphere:index/resourcePool:ResourcePool"
COMPUTE_CLUSTER = "vsphere:index/computeCluster:ComputeCluster"
VM_ANTI_AFFINITY = "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule"
STORAGE_ANTI_AFFINITY = "vsphere:index/datastoreClusterVmAntiAffinityRule:DatastoreClusterVmAntiAffinityRule"
REDUNDANCY_GROUP = "dcops:affinity:RedundancyGroup"
CLUSTER = "dcops:compute:Cluster"
RECOVERY = "dcops:recovery:RecoveryPlan"
COUNTERPART = "dcops:recovery:Counterpart"
DECOMMISSION_TAG = "decommission-planned"


@dataclass(frozen=True)
class Violation:
    policy: str
    message: str
    urn: str | None = None


class Resources:
    """Lookups over one stack's resources: by type, by URN, children, and input references."""

    def __init__(self, resources: Iterable[PlannedResource]):
        self.all = list(resources)
        self.by_urn = {r.urn: r for r in self.all}
        self._children: dict[str, list[PlannedResource]] = defaultdict(list)
        for r in self.all:
            if r.parent:
                self._children[r.parent].append(r)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return sorted((r for r in self.all if r.type == type_), key=lambda r: r.urn)

    def children(self, res: PlannedResource, type_: str | None = None) -> list[PlannedResource]:
        return [c for c in self._children.get(res.urn, []) if type_ is None or c.type == type_]

    def refs(self, res: PlannedResource, prop: str) -> list[PlannedResource]:
        """The resources an input was computed from (e.g. a VM's `hostSystemId` -> the Host)."""
        return [self.by_urn[u] for u in res.deps.get(prop, ()) if u in self.by_urn]

    def vms_named(self) -> dict[str, PlannedResource]:
        return {r.props.get("name", r.name): r for r in self.of_type(VM)}


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    check: Callable[[Resources], Iterator[Violation]]
    enforcement: str = "mandatory"


POLICIES: list[Policy] = []


def policy(name: str, description: str):
    def register(fn: Callable[[Resources], Iterator[Violation]]):
        POLICIES.append(Policy(name, description, fn))
        return fn
    return register


def run_policies(resources: Iterable[PlannedResource]) -> list[Violation]:
    res = resources if isinstance(resources, Resources) else Resources(resources)
    return [v for p in POLICIES for v in p.check(res)]


def _members(res: Resources, group: PlannedResource) -> tuple[list[str], dict[str, PlannedResource]]:
    return list(group.props.get("members", [])), res.vms_named()


def _rules_covering(res: Resources, rule_type: str, members: list[str]) -> list[PlannedResource]:
    covering = []
    for rule in res.of_type(rule_type):
        names = {vm.props.get("name", vm.name) for vm in res.refs(rule, "virtualMachineIds")}
        if set(members) <= names:
            covering.append(rule)
    return covering


@policy("redundant-vms-anti-affinity", "Every redundancy group of VMs has a mandatory VM anti-affinity rule.")
def redundant_vms_anti_affinity(res: Resources) -> Iterator[Violation]:
    name = "redundant-vms-anti-affinity"
    for group in res.of_type(REDUNDANCY_GROUP):
        members = list(group.props.get("members", []))
        label = f"redundancy group {group.props.get('group')!r} ({', '.join(members)})"
        rules = _rules_covering(res, VM_ANTI_AFFINITY, members)
        if not rules:
            yield Violation(name, f"{label} has no VM anti-affinity rule in cluster {group.props.get('cluster')!r}", group.urn)
        elif not any(r.props.get("mandatory") is True for r in rules):
            yield Violation(name, f"{label}: anti-affinity rule {rules[0].props.get('name')!r} is not mandatory", rules[0].urn)


@policy("redundant-vms-apart", "Redundant VMs sit on different hosts and different datastores (and SDRS keeps them apart).")
def redundant_vms_apart(res: Resources) -> Iterator[Violation]:
    name = "redundant-vms-apart"
    vms = res.vms_named()
    for group in res.of_type(REDUNDANCY_GROUP):
        members = [m for m in group.props.get("members", []) if m in vms]
        label = f"redundancy group {group.props.get('group')!r}"
        for prop, what in (("hostSystemId", "host"), ("datastoreId", "datastore")):
            seen: dict[str, str] = {}
            for m in members:
                for target in res.refs(vms[m], prop):
                    where = target.props.get("name", target.name)
                    if where in seen:
                        yield Violation(name, f"{label}: {seen[where]} and {m} share {what} {where!r}", vms[m].urn)
                    seen.setdefault(where, m)
        if len(members) >= 2:
            rules = _rules_covering(res, STORAGE_ANTI_AFFINITY, members)
            if not any(r.props.get("mandatory") is True for r in rules):
                yield Violation(name, f"{label} ({', '.join(members)}) has no mandatory storage anti-affinity rule", group.urn)


@policy("critical-service-counterpart", "Every tier of every critical service has a counterpart (replica or "
                                        "placeholder) at the alternate site.")
def critical_service_counterpart(res: Resources) -> Iterator[Violation]:
    """Per tier, not per service (dcops_inventory.dr_tiers): a shared tier's replica - a
    domain controller's - once passed a service whose own application VMs had no stand-in."""
    name = "critical-service-counterpart"
    vms = res.vms_named()
    for plan in res.of_type(RECOVERY):
        site = plan.props.get("site")
        counterparts = {c.props.get("service"): c for c in res.children(plan, COUNTERPART)}
        for service in plan.props.get("criticalServices", []):
            cp = counterparts.get(service)
            replicas = [r for r in (cp.props.get("replicas", []) if cp else []) if r in vms]
            pools = {p.props.get("name", p.name) for p in res.children(cp, RESOURCE_POOL)} if cp else set()
            placeholders = [p for p in (cp.props.get("placeholders", []) if cp else []) if p in pools]
            if not replicas and not placeholders:
                yield Violation(name, f"critical service {service!r} has no counterpart (replica VM or placeholder "
                                      f"reservation) at the alternate site {site!r}", (cp or plan).urn)
            if cp is None:
                continue
            for missing in sorted(set(cp.props.get("replicas", [])) - set(replicas)):
                yield Violation(name, f"critical service {service!r}: replica {missing!r} is not a VM of this stack", cp.urn)
            if not replicas and not placeholders:
                continue
            tiers = cp.props.get("tiers", [])
            covered = [t["name"] for t in tiers if _tier_stands_in(t, vms, pools)]
            for tier in tiers:
                if tier["name"] in covered:
                    continue
                others = f"; the counterparts of {', '.join(repr(c) for c in covered)} do not stand in for it" \
                    if covered else ""
                yield Violation(name, f"critical service {service!r}: tier {tier['name']!r} "
                                      f"({', '.join(tier.get('primaryVms', []))}) has no counterpart (replica VM or "
                                      f"placeholder reservation) at the alternate site {site!r}{others}", cp.urn)


def _tier_stands_in(tier: dict, vms: dict, pools: set) -> bool:
    """A tier is covered by a replica VM of this stack or a placeholder pool that exists."""
    return any(r in vms for r in tier.get("replicas", [])) or any(p in pools for p in tier.get("placeholders", []))


@policy("cluster-n-plus-one", "Each cluster still fits every VM's vCPU and RAM after losing its largest host.")
def cluster_n_plus_one(res: Resources) -> Iterator[Violation]:
    name = "cluster-n-plus-one"
    for comp in res.of_type(CLUSTER):
        cluster = comp.props.get("cluster")
        ratio = float(comp.props.get("vcpuPerCore", 1))
        hosts = [h for h in comp.props.get("hosts", []) if not h.get("decommission")]
        vcs = {r.urn for r in res.children(comp, COMPUTE_CLUSTER)}
        vms = [vm for vm in res.of_type(VM) if any(p.urn in vcs for p in res.refs(vm, "resourcePoolId"))]
        need_cpu = sum(int(vm.props.get("numCpus", 1)) for vm in vms)
        need_mb = sum(int(vm.props.get("memory", 1024)) for vm in vms)
        # failover reservations (alternate-site placeholders) must fit as well
        pools = [p for p in res.of_type(RESOURCE_POOL) if any(x.urn in vcs for x in res.refs(p, "parentResourcePoolId"))]
        need_mb += sum(int(p.props.get("memoryReservation", 0)) for p in pools)
        if not hosts:
            if vms:
                yield Violation(name, f"cluster {cluster!r} has {len(vms)} VMs but no host in service", comp.urn)
            continue
        largest = max(hosts, key=lambda h: (h["memoryGb"], h["cpuCores"], h["name"]))
        rest = [h for h in hosts if h is not largest]
        cpu = sum(h["cpuCores"] for h in rest) * ratio
        mb = sum(h["memoryGb"] for h in rest) * 1024
        lost = f"after losing {largest['name']!r}"
        if need_cpu > cpu:
            yield Violation(name, f"cluster {cluster!r} {lost}: VMs need {need_cpu} vCPU, the other "
                                  f"{len(rest)} hosts give {cpu:g} ({ratio:g} vCPU per core)", comp.urn)
        if need_mb > mb:
            yield Violation(name, f"cluster {cluster!r} {lost}: VMs and reservations need {need_mb / 1024:g} GB RAM, the other "
                                  f"{len(rest)} hosts have {mb / 1024:g} GB", comp.urn)
        biggest = max((h["memoryGb"] for h in rest), default=0) * 1024
        for vm in vms:
            if int(vm.props.get("memory", 0)) > biggest:
                yield Violation(name, f"cluster {cluster!r} {lost}: VM {vm.props.get('name')!r} needs "
                                      f"{int(vm.props['memory']) / 1024:g} GB, more than any remaining host", vm.urn)


@policy("no-decommission-host", "No VM is placed on a host planned for decommission.")
def no_decommission_host(res: Resources) -> Iterator[Violation]:
    name = "no-decommission-host"
    for vm in res.of_type(VM):
        for host in res.refs(vm, "hostSystemId"):
            if any(t.props.get("name") == DECOMMISSION_TAG for t in res.refs(host, "tags")):
                yield Violation(name, f"VM {vm.props.get('name')!r} is placed on host {host.props.get('hostname', host.name)!r}, "
                                      "which is planned for decommission", vm.urn)
