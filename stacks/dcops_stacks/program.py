"""The Pulumi program of both stacks: read config, plan the site, wire the components.

`stacks/__main__.py` calls `main()`; the offline preview and the tests call the same
`main()` under Pulumi's mocks, so what they check is what `pulumi up` would do.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_vsphere as vsphere

from dcops_inventory import Inventory, load_inventory
from dcops_inventory.location import InventoryLocationError, resolve_inventory
from dcops_stacks.affinity import RedundancyGroup, RedundancyGroupArgs
from dcops_stacks.compute import ComputeCluster, ComputeClusterArgs
from dcops_stacks.errors import StackError
from dcops_stacks.network import Network, NetworkArgs
from dcops_stacks.plan import SitePlan, plan_site
from dcops_stacks.recovery import Recovery, RecoveryArgs
from dcops_stacks.site import UNASSIGNED_FOLDER, Site, SiteArgs
from dcops_stacks.storage import DatastoreCluster, DatastoreClusterArgs
from dcops_stacks.workloads import ServiceVms, ServiceVmsArgs

STACKS_DIR = Path(__file__).resolve().parents[1]


def build(plan: SitePlan, provider: vsphere.Provider, esxi_user, esxi_password) -> dict:
    opts = pulumi.ResourceOptions(providers={"vsphere": provider})
    site = Site(plan.site, SiteArgs(plan.site, plan.title, tuple(s.name for s in plan.services)), opts)
    clusters = {c.name: ComputeCluster(f"{c.name}-component", ComputeClusterArgs(
        c, site.datacenter_id, site.lifecycle_tags, esxi_user, esxi_password), opts) for c in plan.clusters}
    host_ids = {h: i for c in clusters.values() for h, i in c.host_ids.items()}
    pods = {p.name: DatastoreCluster(f"{p.name}-component", DatastoreClusterArgs(p, site.datacenter_id, host_ids), opts)
            for p in plan.pods}
    datastore_ids = {d: i for p in pods.values() for d, i in p.datastore_ids.items()}
    network = Network(f"{plan.site}-network", NetworkArgs(plan.site, plan.vlans, site.datacenter_id, host_ids), opts)
    pools = {name: c.resource_pool_id for name, c in clusters.items()}

    vms = {vm.name: vm for vm in plan.vms}
    owned = {vm for s in plan.services for vm in s.vms}
    groups: list[tuple[str | None, str | None, tuple[str, ...]]] = [(s.name, s.criticality, s.vms) for s in plan.services]
    unassigned = tuple(sorted(set(vms) - owned))
    if unassigned:
        groups.append((None, None, unassigned))
    vm_ids: dict = {}
    for service, criticality, names in groups:
        component = ServiceVms(f"{plan.site}-{service or UNASSIGNED_FOLDER}", ServiceVmsArgs(
            service, criticality, tuple(vms[n] for n in names), site.folders[service or UNASSIGNED_FOLDER],
            site.criticality_tags.get(criticality) if criticality else None,
            pools, host_ids, datastore_ids, network.port_group_ids), opts)
        vm_ids.update(component.vm_ids)

    for c in plan.clusters:
        for g in c.groups:
            RedundancyGroup(g.name, RedundancyGroupArgs(g, c.name, c.anti_affinity, clusters[c.name].cluster_id,
                                                        pods[c.datastore_cluster].pod_id, vm_ids), opts)
    if plan.recovery is not None:
        Recovery(f"{plan.site}-recovery", RecoveryArgs(plan.site, plan.recovery, pools), opts)
    return {"site": plan.site, "datacenterId": site.datacenter_id, "vms": sorted(vms)}


def inventory_location(value: str | None, project_dir: str | Path | None = None) -> Path:
    """The inventory the stack reads: config `dcops:inventory` (relative to the Pulumi project
    directory, where `dcops stack config` wrote it), else $DCOPS_INVENTORY, else the embedded
    default - the order every dcops command follows. One that cannot be found is a StackError."""
    base = project_dir or pulumi.get_root_directory() or STACKS_DIR
    try:
        return resolve_inventory(value, origin="Pulumi config dcops:inventory", base=base).path
    except InventoryLocationError as exc:
        raise StackError(str(exc)) from None


def main(inventory: Inventory | None = None) -> None:
    cfg = pulumi.Config("dcops")
    inv = inventory or load_inventory(inventory_location(cfg.get("inventory")))
    plan = plan_site(inv, pulumi.get_stack())
    configured = cfg.require("site")
    if configured != plan.site:
        raise StackError(f"config dcops:site is {configured!r} but the inventory plans stack "
                         f"{pulumi.get_stack()!r} at site {plan.site!r}; run `dcops stack config`")
    provider = vsphere.Provider(
        "vcenter", vsphere_server=cfg.require("vcenterServer"), user=cfg.require("vcenterUser"),
        password=cfg.require_secret("vcenterPassword"),
        allow_unverified_ssl=cfg.get_bool("allowUnverifiedSsl") or False)
    outputs = build(plan, provider, cfg.require("esxiUser"), cfg.require_secret("esxiPassword"))
    for key, value in outputs.items():
        pulumi.export(key, value)
