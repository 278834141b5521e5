"""At the alternate site: the critical services of the primary and their counterparts.

Each tier a critical service runs on (dcops_inventory.dr_tiers) needs its own counterpart.
A counterpart is a replica VM running here (created with the site's other VMs) or, for a
VM restored only on failover, a resource pool reserving its CPU and memory. The plan's list
of critical services is recorded on its own, so a service left without counterpart shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import RecoveryPlan


@dataclass(frozen=True)
class RecoveryArgs:
    site: str
    plan: RecoveryPlan
    resource_pool_ids: Mapping[str, pulumi.Input[str]]


class Recovery(pulumi.ComponentResource):
    def __init__(self, name: str, args: RecoveryArgs, opts: pulumi.ResourceOptions | None = None):
        plan = args.plan
        props = {"site": args.site, "primarySite": plan.primary_site, "criticalServices": list(plan.critical_services)}
        super().__init__("dcops:recovery:RecoveryPlan", name, props, opts)
        for cp in plan.counterparts:
            Counterpart(f"counterpart-{cp.service}", cp, args.resource_pool_ids, pulumi.ResourceOptions(parent=self))
        self.register_outputs(props)


class Counterpart(pulumi.ComponentResource):
    def __init__(self, name: str, cp, resource_pool_ids: Mapping[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None):
        props = {"service": cp.service, "primaryVms": list(cp.primary_vms), "replicas": list(cp.replicas),
                 "placeholders": [p.name for p in cp.placeholders],
                 "tiers": [{"name": t.name, "primaryVms": list(t.primary_vms), "replicas": list(t.replicas),
                            "placeholders": list(t.placeholders), "sharedWith": list(t.shared_with)}
                           for t in cp.tiers]}
        super().__init__("dcops:recovery:Counterpart", name, props, opts)
        for p in cp.placeholders:
            vsphere.ResourcePool(p.name, name=p.name, parent_resource_pool_id=resource_pool_ids[p.cluster],
                                 cpu_reservation=p.cpu_mhz, cpu_expandable=False,
                                 memory_reservation=p.memory_mb, memory_expandable=False,
                                 opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs(props)
