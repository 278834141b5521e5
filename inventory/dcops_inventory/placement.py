"""Where the build-out plan puts each VM: one rule the stacks, the availability report and
the capacity reports all read, so the three can never disagree about a VM's future cluster.
"""

from __future__ import annotations

from dcops_inventory.inventory import Inventory


def planned_cluster(inv: Inventory) -> dict[str, str]:
    """VM -> the cluster the plan puts it in: its explicit placement, else the successor of its
    cluster (a cluster plan that absorbs it, unless the VM is being decommissioned), else the
    cluster it runs in today."""
    placements = inv.index("vm_placements")
    successor = {old: plan.cluster for plan in inv.cluster_plans for old in plan.absorbs}
    out: dict[str, str] = {}
    for vm in inv.vms:
        if vm.name in placements:
            out[vm.name] = placements[vm.name].cluster
        elif vm.cluster in successor and vm.status != "decommissioning":
            out[vm.name] = successor[vm.cluster]
        else:
            out[vm.name] = vm.cluster
    return out
