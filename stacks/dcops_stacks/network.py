"""The site's distributed switch and one port group per VLAN of the site."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

from dcops_stacks.plan import VlanPlan

# Assumption: every host gives the switch two 10G uplinks named vmnic2 and vmnic3.
UPLINK_NICS = ("vmnic2", "vmnic3")


@dataclass(frozen=True)
class NetworkArgs:
    site: str
    vlans: tuple[VlanPlan, ...]
    datacenter_id: pulumi.Input[str]
    host_ids: Mapping[str, pulumi.Input[str]]


class Network(pulumi.ComponentResource):
    port_group_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dcops:network:Network", name, {"site": args.site, "vlans": [v.name for v in args.vlans]}, opts)
        child = pulumi.ResourceOptions(parent=self)
        dvs = vsphere.DistributedVirtualSwitch(
            f"{args.site}-dvs-01", name=f"{args.site}-dvs-01", datacenter_id=args.datacenter_id,
            uplinks=["uplink1", "uplink2"], active_uplinks=["uplink1", "uplink2"], standby_uplinks=[],
            hosts=[vsphere.DistributedVirtualSwitchHostArgs(host_system_id=hid, devices=list(UPLINK_NICS))
                   for _, hid in sorted(args.host_ids.items())],
            opts=child)
        self.port_group_ids = {}
        for vlan in args.vlans:
            pg = vsphere.DistributedPortGroup(vlan.name, name=vlan.name, vlan_id=vlan.vid,
                                              distributed_virtual_switch_uuid=dvs.id, opts=child)
            self.port_group_ids[vlan.name] = pg.id
        self.register_outputs({"site": args.site, "vlans": [v.name for v in args.vlans], "switchId": dvs.id})
