"""A datastore cluster (Storage DRS) and its VMFS datastores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import PodPlan


@dataclass(frozen=True)
class DatastoreClusterArgs:
    pod: PodPlan
    datacenter_id: pulumi.Input[str]
    host_ids: Mapping[str, pulumi.Input[str]]


class DatastoreCluster(pulumi.ComponentResource):
    pod_id: pulumi.Output[str]
    datastore_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: DatastoreClusterArgs, opts: pulumi.ResourceOptions | None = None):
        pod = args.pod
        super().__init__("dcops:storage:DatastoreCluster", name, {"datastoreCluster": pod.name}, opts)
        child = pulumi.ResourceOptions(parent=self)
        dsc = vsphere.DatastoreCluster(pod.name, name=pod.name, datacenter_id=args.datacenter_id,
                                       sdrs_enabled=pod.sdrs_enabled,
                                       sdrs_automation_level=pod.sdrs_automation, opts=child)
        self.datastore_ids = {}
        for ds in pod.datastores:
            store = vsphere.VmfsDatastore(ds.name, name=ds.name, host_system_id=args.host_ids[ds.host],
                                          disks=[ds.lun], datastore_cluster_id=dsc.id, opts=child)
            self.datastore_ids[ds.name] = store.id
        self.pod_id = dsc.id
        self.register_outputs({"datastoreCluster": pod.name, "datastoreClusterId": dsc.id})
