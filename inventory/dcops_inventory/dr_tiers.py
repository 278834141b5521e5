"""Which tiers a service runs on, and whether each one has a stand-in at another site.

Why per tier and not per service: a service is carried by several tiers - its own
application VMs, a web front or gateway it shares with other services, a directory
(domain-controller) pair everything logs in through. A counterpart of a shared tier, such
as the domain controller's replica at the alternate site, says nothing about the service's
own application VMs. Asking "has the service any counterpart there?" passes a service
whose application tier nothing stands in for; the question that holds is "has every tier
it runs on a counterpart there?". The stacks' `critical-service-counterpart` policy and
`dcops capacity dr` both ask it through this module, so the rule is written once, in the
inventory (both products import the inventory; neither may import the other).

What counts, stated once:

- A tier is a redundancy group of VMs: its members back each other up, so one counterpart
  for any member stands in for the group (one running replica serves a stateless pair).
  A VM in no redundancy group is a tier of its own.
- A service's tiers are those holding the VMs of its `runs_on.vms` (optionally only the
  VMs a caller names, such as those at the primary site).
- A tier is covered at a site when a `counterparts` record at that site stands in for one
  of its VMs: a `replica` naming a VM of the inventory, or a `placeholder` reservation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Counterpart, Service


@dataclass(frozen=True)
class Tier:
    """One tier of a service: its name (the redundancy group, else the VM), the service's
    VMs in it, and the other services that run on those VMs too (a shared tier)."""

    name: str
    vms: tuple[str, ...]
    shared_with: tuple[str, ...]

    @property
    def shared(self) -> bool:
        return bool(self.shared_with)


@dataclass(frozen=True)
class TierCoverage:
    tier: Tier
    counterparts: tuple[Counterpart, ...]  # the records at the site standing in for its VMs

    @property
    def covered(self) -> bool:
        return bool(self.counterparts)

    @property
    def replicas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.replica for c in self.counterparts if c.replica is not None))

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The primary VMs whose capacity a placeholder reserves."""
        return tuple(c.primary for c in self.counterparts if c.mode == "placeholder")


def tier_names(inv: Inventory) -> dict[str, str]:
    """VM -> its tier: the first redundancy group (by name) listing it, else the VM itself."""
    vm_names = {vm.name for vm in inv.vms}
    out: dict[str, str] = {}
    for group in sorted(inv.redundancy_groups, key=lambda g: g.name):
        for member in group.members:
            if member in vm_names:
                out.setdefault(member, group.name)
    return {vm: out.get(vm, vm) for vm in sorted(vm_names)}


def service_tiers(inv: Inventory, service: Service, only: Collection[str] | None = None) -> list[Tier]:
    """The tiers of `service`'s VMs (those in `only`, when given), in the order it lists them."""
    tier_of = tier_names(inv)
    users: dict[str, set[str]] = {}
    for svc in inv.services:
        for vm in svc.runs_on.vms:
            users.setdefault(tier_of.get(vm, vm), set()).add(svc.name)
    grouped: dict[str, list[str]] = {}
    for vm in service.runs_on.vms:
        if only is None or vm in only:
            grouped.setdefault(tier_of.get(vm, vm), []).append(vm)
    return [Tier(name, tuple(vms), tuple(sorted(users.get(name, set()) - {service.name})))
            for name, vms in grouped.items()]


def tier_coverage(inv: Inventory, service: Service, site: str,
                  only: Collection[str] | None = None) -> list[TierCoverage]:
    """Each tier of `service` and the counterparts at `site` that stand in for it (none: a gap)."""
    vm_names = {vm.name for vm in inv.vms}
    at_site: dict[str, Counterpart] = {}
    for cp in inv.counterparts:
        if cp.site == site and (cp.mode == "placeholder" or cp.replica in vm_names):
            at_site[cp.primary] = cp
    return [TierCoverage(t, tuple(at_site[vm] for vm in t.vms if vm in at_site))
            for t in service_tiers(inv, service, only)]


def uncovered(coverage: list[TierCoverage]) -> list[TierCoverage]:
    return [c for c in coverage if not c.covered]
