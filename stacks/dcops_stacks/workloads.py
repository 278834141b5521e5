"""One service's virtual machines at a site, in the service's folder, tagged by criticality.

VMs are created without a clone block: new VMs get an empty disk and are installed by the
usual provisioning, and today's VMs are adopted with `dcops stack import-existing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import VmPlan


@dataclass(frozen=True)
class ServiceVmsArgs:
    service: str | None
    criticality: str | None
    vms: tuple[VmPlan, ...]
    folder: pulumi.Input[str]
    criticality_tag: pulumi.Input[str] | None
    resource_pool_ids: Mapping[str, pulumi.Input[str]]
    host_ids: Mapping[str, pulumi.Input[str]]
    datastore_ids: Mapping[str, pulumi.Input[str]]
    network_ids: Mapping[str, pulumi.Input[str]]


class ServiceVms(pulumi.ComponentResource):
    vm_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: ServiceVmsArgs, opts: pulumi.ResourceOptions | None = None):
        props = {"service": args.service, "criticality": args.criticality, "vms": [vm.name for vm in args.vms]}
        super().__init__("dcops:workloads:ServiceVms", name, props, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.vm_ids = {}
        for vm in args.vms:
            network_id = args.network_ids.get(vm.network) if vm.network else None
            nics = [vsphere.VirtualMachineNetworkInterfaceArgs(network_id=network_id)] if network_id is not None else []
            machine = vsphere.VirtualMachine(
                vm.name, name=vm.name, folder=args.folder,
                resource_pool_id=args.resource_pool_ids[vm.cluster],
                host_system_id=args.host_ids.get(vm.host) if vm.host else None,
                datastore_id=args.datastore_ids[vm.datastore],
                num_cpus=vm.vcpus, memory=int(vm.memory_gb * 1024), guest_id=vm.guest_id,
                disks=[vsphere.VirtualMachineDiskArgs(label="disk0", size=int(vm.disk_gb))],
                network_interfaces=nics,
                tags=[args.criticality_tag] if args.criticality_tag else None,
                annotation=f"dcops: service {args.service or 'none'}",
                wait_for_guest_net_timeout=0, opts=child)
            self.vm_ids[vm.name] = machine.id
        self.register_outputs({**props, "vmIds": self.vm_ids})
