"""Where each service runs in a scenario: today's estate, or the planned primary + alternate pair.

`today` reads the inventory as it is. `planned` follows the build-out records
(inventory/mtpe/planned/): a VM goes to the cluster a `vm_placements` record names, else to
the cluster whose `cluster_plans.absorbs` takes its cluster; a service one of whose VMs
moves goes with them to that site (the primary path). The service has an alternate path
when every VM it runs on has a `counterparts` record at one alternate site: a running
replica, or a placeholder restored there on failover. The inventory names no counterpart
for a physical server or a circuit, so:

- a moved service's physical servers move with it to the new primary;
- its circuits are taken again at each site it runs at (one circuit of the same kind,
  ending on a device like today's) - the planned sites record none;
- a service that runs on a physical server has no alternate path: nothing stands in for
  the server there. The report names the missing counterpart instead of inventing one.

Every such derivation is listed in `Placement.notes`, so the report shows what the planned
figures rest on.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory import Inventory
from dcops_inventory.models import Service
from dcops_inventory.placement import planned_cluster

SCENARIOS = ("today", "planned")


@dataclass(frozen=True)
class VmAt:
    """A VM of the service as one path runs it: the VM record itself, its replica, or a
    placeholder restored from it (then `name` is `<primary>@<site>`, a VM not in the inventory)."""

    name: str
    stands_for: str  # the VM the service lists in runs_on (or a group member it stands in for)
    cluster: str
    restored: bool = False


@dataclass(frozen=True)
class Path:
    """One way the service can run: everything it needs at `site`."""

    site: str
    vms: tuple[VmAt, ...]
    devices: tuple[str, ...]  # runs_on devices (moved ones are taken at `site`)
    circuits: tuple[str, ...]  # runs_on circuits (taken again at `site` when theirs is elsewhere)
    switchover: str | None = None  # counterpart mode that brings this path up; None for the primary
    moved: bool = False  # devices and circuits are taken at `site`, not where the inventory has them


@dataclass(frozen=True)
class Placement:
    service: str
    paths: tuple[Path, ...]  # the primary first, then the alternate if there is one
    notes: tuple[str, ...] = ()

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.site for p in self.paths))


def place(inv: Inventory, scenario: str) -> dict[str, Placement]:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(SCENARIOS)}")
    return {svc.name: (_today(inv, svc) if scenario == "today" else _planned(inv, svc)) for svc in inv.services}


def _cluster_site(inv: Inventory, cluster: str) -> str:
    return inv.get("clusters", cluster).site


def _home_site(inv: Inventory, svc: Service) -> str:
    """The site a service runs at today: its VMs' cluster, else its devices', else its circuits'."""
    vms = inv.index("vms")
    for name in svc.runs_on.vms:
        return _cluster_site(inv, vms[name].cluster)
    for name in svc.runs_on.devices:
        return inv.device(name).site
    for name in svc.runs_on.circuits:
        return inv.get("circuits", name).site
    return ""


def _today(inv: Inventory, svc: Service) -> Placement:
    vms = inv.index("vms")
    path = Path(_home_site(inv, svc),
                tuple(VmAt(v, v, vms[v].cluster) for v in svc.runs_on.vms),
                tuple(svc.runs_on.devices), tuple(svc.runs_on.circuits))
    return Placement(svc.name, (path,) if path.site else ())


def _planned(inv: Inventory, svc: Service) -> Placement:
    today = _today(inv, svc)
    target = planned_cluster(inv)
    moved = [v for v in svc.runs_on.vms if _cluster_site(inv, target[v]) != _cluster_site(inv, inv.get("vms", v).cluster)]
    if not moved:
        return Placement(svc.name, today.paths, ("the plan does not move it",) if today.paths else ())
    site = _cluster_site(inv, target[moved[0]])
    notes = [f"moves to {site} with its VMs ({', '.join(moved)})"]
    home = today.paths[0].site
    devices = tuple(svc.runs_on.devices)
    if devices:
        notes.append(f"assumption: its physical server(s) {', '.join(devices)} move with it to {site}")
    circuits = tuple(svc.runs_on.circuits)
    for name in circuits:
        if inv.get("circuits", name).site != site:
            notes.append(f"assumption: {site} has its own {inv.get('circuits', name).kind} circuit like "
                         f"{name} at {home} (the plan records none)")
    primary = Path(site, tuple(VmAt(v, v, target[v]) for v in svc.runs_on.vms), devices, circuits, moved=True)
    alternate, why = _alternate(inv, svc)
    if alternate is None:
        notes.append(why)
        return Placement(svc.name, (primary,), tuple(notes))
    for name in circuits:
        notes.append(f"assumption: {alternate.site} has its own {inv.get('circuits', name).kind} circuit like {name}")
    notes.append(why)
    return Placement(svc.name, (primary, alternate), tuple(notes))


def _alternate(inv: Inventory, svc: Service) -> tuple[Path | None, str]:
    """The service's path at the alternate site, or None and the reason there is none."""
    counterparts = inv.index("counterparts")
    covered = {v: counterparts[v] for v in svc.runs_on.vms if v in counterparts}
    if not covered:
        return None, "no alternate path: none of its VMs has a counterpart at an alternate site"
    missing = [v for v in svc.runs_on.vms if v not in covered]
    if missing:
        return None, f"no alternate path: no counterpart for VM(s) {', '.join(missing)}"
    sites = sorted({cp.site for cp in covered.values()})
    if len(sites) > 1:
        return None, f"no alternate path: its counterparts are split over {', '.join(sites)}"
    site = sites[0]
    if svc.runs_on.devices:
        return None, (f"no alternate path: nothing stands in at {site} for physical server(s) "
                      f"{', '.join(svc.runs_on.devices)} (counterparts cover its VMs only)")
    vms = []
    for name in svc.runs_on.vms:
        vm = stand_in(inv, name, site)
        if vm is None:
            return None, f"no alternate path: {site} has no cluster to restore {name} on"
        vms.append(vm)
    modes = {cp.mode for cp in covered.values()}
    mode = "placeholder" if "placeholder" in modes else "replica"
    what = ("running replicas" if mode == "replica" else
            "VMs restored from replication (placeholders)" + (" and running replicas" if "replica" in modes else ""))
    return (Path(site, tuple(vms), (), tuple(svc.runs_on.circuits), switchover=mode, moved=True),
            f"alternate path at {site}: {what}")


def stand_in(inv: Inventory, vm: str, site: str) -> VmAt | None:
    """What runs `vm` at the alternate `site`: its replica, or a placeholder restored on the
    site's cluster (the first by name); None when nothing does."""
    cp = inv.index("counterparts").get(vm)
    if cp is None or cp.site != site:
        return None
    if cp.mode == "replica" and cp.replica is not None:
        return VmAt(cp.replica, vm, inv.get("vms", cp.replica).cluster)
    clusters = sorted(c.name for c in inv.clusters if c.site == site)
    return VmAt(f"{vm}@{site}", vm, clusters[0], restored=True) if clusters else None


def vm_in_path(inv: Inventory, scenario: str, path: Path, vm: str) -> VmAt | None:
    """Where `vm` (a VM of the service, or another member of its redundancy group) runs in
    this path: the primary path runs the VM itself, the alternate path its stand-in."""
    for at in path.vms:
        if at.stands_for == vm:
            return at
    if path.switchover is not None:
        return stand_in(inv, vm, path.site)
    cluster = planned_cluster(inv)[vm] if scenario == "planned" else inv.get("vms", vm).cluster
    return VmAt(vm, vm, cluster)
