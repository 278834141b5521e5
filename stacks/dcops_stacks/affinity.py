"""One redundancy group's separation rules: compute anti-affinity and storage anti-affinity.

The component always records the requirement (group, members); the rules follow the
cluster plan's `vm_anti_affinity` mode, so a plan that weakens them is caught by policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import GroupPlan


@dataclass(frozen=True)
class RedundancyGroupArgs:
    group: GroupPlan
    cluster: str
    mode: str  # mandatory | preferred | none
    cluster_id: pulumi.Input[str]
    datastore_cluster_id: pulumi.Input[str]
    vm_ids: Mapping[str, pulumi.Input[str]]


class RedundancyGroup(pulumi.ComponentResource):
    def __init__(self, name: str, args: RedundancyGroupArgs, opts: pulumi.ResourceOptions | None = None):
        g = args.group
        props = {"group": g.name, "requirement": g.requirement, "cluster": args.cluster, "members": list(g.members)}
        super().__init__("dcops:affinity:RedundancyGroup", name, props, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.mode != "none":
            ids = [args.vm_ids[m] for m in g.members]
            mandatory = args.mode == "mandatory"
            vsphere.ComputeClusterVmAntiAffinityRule(
                f"aa-{g.name}", name=f"aa-{g.name}", compute_cluster_id=args.cluster_id,
                virtual_machine_ids=ids, mandatory=mandatory, enabled=True, opts=child)
            vsphere.DatastoreClusterVmAntiAffinityRule(
                f"saa-{g.name}", name=f"saa-{g.name}", datastore_cluster_id=args.datastore_cluster_id,
                virtual_machine_ids=ids, mandatory=mandatory, enabled=True, opts=child)
        self.register_outputs(props)
