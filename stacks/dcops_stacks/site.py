"""The site: its vSphere datacenter, one VM folder per service, and the tags policies read.

Tag categories carry the site code because tag names are global in a vCenter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_vsphere as vsphere

CRITICALITIES = ("critical", "high", "medium", "low")
LIFECYCLE = ("in-service", "decommission-planned")
UNASSIGNED_FOLDER = "unassigned"


@dataclass(frozen=True)
class SiteArgs:
    site: str
    title: str
    folders: tuple[str, ...]  # one VM folder per service owning VMs here


class Site(pulumi.ComponentResource):
    datacenter_id: pulumi.Output[str]
    folders: dict[str, pulumi.Output[str]]
    criticality_tags: dict[str, pulumi.Output[str]]
    lifecycle_tags: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SiteArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dcops:site:Site", name, {"site": args.site, "title": args.title}, opts)
        child = pulumi.ResourceOptions(parent=self)
        dc = vsphere.Datacenter(args.site, name=args.site, opts=child)
        self.datacenter_id = dc.moid
        self.folders = {}
        for folder in (*args.folders, UNASSIGNED_FOLDER):
            f = vsphere.Folder(f"{args.site}-vm-{folder}", path=folder, type="vm", datacenter_id=dc.moid, opts=child)
            self.folders[folder] = f.path
        self.criticality_tags = self._tags(args.site, "criticality", CRITICALITIES, ["VirtualMachine"], child)
        self.lifecycle_tags = self._tags(args.site, "lifecycle", LIFECYCLE, ["HostSystem"], child)
        self.register_outputs({"site": args.site, "title": args.title, "datacenterId": self.datacenter_id})

    @staticmethod
    def _tags(site: str, category: str, values, types: list[str], opts) -> dict[str, pulumi.Output[str]]:
        cat = vsphere.TagCategory(f"{site}-{category}", name=f"{site}-{category}", cardinality="SINGLE",
                                  associable_types=types, opts=opts)
        return {v: vsphere.Tag(f"{site}-{category}-{v}", name=v, category_id=cat.id, opts=opts).id for v in values}
