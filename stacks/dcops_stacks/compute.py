"""A compute cluster: its hosts (tagged with their lifecycle), HA/DRS settings, host groups.

The component's own properties carry each host's capacity, so the N+1 policy reads the
same numbers the plan used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import ClusterPlan


@dataclass(frozen=True)
class ComputeClusterArgs:
    cluster: ClusterPlan
    datacenter_id: pulumi.Input[str]
    lifecycle_tags: Mapping[str, pulumi.Input[str]]
    esxi_user: pulumi.Input[str]
    esxi_password: pulumi.Input[str]


class ComputeCluster(pulumi.ComponentResource):
    cluster_id: pulumi.Output[str]
    resource_pool_id: pulumi.Output[str]
    host_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ComputeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        plan = args.cluster
        props = {
            "cluster": plan.name,
            "vcpuPerCore": plan.vcpu_per_core,
            "hosts": [{"name": h.name, "cpuCores": h.cpu_cores, "memoryGb": h.memory_gb,
                       "decommission": h.decommission} for h in plan.hosts],
        }
        super().__init__("dcops:compute:Cluster", name, props, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.host_ids = {}
        for h in plan.hosts:
            state = "decommission-planned" if h.decommission else "in-service"
            host = vsphere.Host(h.name, hostname=h.name, datacenter=args.datacenter_id, username=args.esxi_user,
                                password=args.esxi_password, tags=[args.lifecycle_tags[state]], opts=child)
            self.host_ids[h.name] = host.id
        cluster = vsphere.ComputeCluster(
            plan.name, name=plan.name, datacenter_id=args.datacenter_id,
            host_system_ids=list(self.host_ids.values()),
            ha_enabled=plan.ha_enabled, ha_host_monitoring="enabled",
            ha_admission_control_policy="resourcePercentage", ha_admission_control_host_failure_tolerance=1,
            drs_enabled=plan.drs_enabled, drs_automation_level="fullyAutomated", opts=child)
        racks: dict[str, list] = {}
        for h in plan.hosts:
            racks.setdefault(h.rack or "norack", []).append(self.host_ids[h.name])
        for rack, ids in sorted(racks.items()):
            vsphere.ComputeClusterHostGroup(f"{plan.name}-{rack}", name=f"{plan.name}-{rack}",
                                            compute_cluster_id=cluster.id, host_system_ids=ids, opts=child)
        self.cluster_id = cluster.id
        self.resource_pool_id = cluster.resource_pool_id
        self.register_outputs({**props, "clusterId": cluster.id, "resourcePoolId": cluster.resource_pool_id})
