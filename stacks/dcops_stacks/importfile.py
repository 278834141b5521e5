"""A `pulumi import --file` document adopting today's VMs into the stack that plans them.

Names, parents and the provider come from running the program under mocks, so the
imported resources land exactly where the program declares them. The VM's import ID is its
vSphere inventory path; `properties` leaves out `clone` (VMs are adopted, never re-cloned).
"""

from __future__ import annotations

from dcops_inventory import Inventory
from dcops_stacks.mockrun import run_program
from dcops_stacks.plan import plan_site
from dcops_stacks.policies import VM

VM_TYPE = VM
# What the generated code declares for an adopted VM; `clone` is deliberately absent.
IMPORTED_PROPERTIES = ["name", "resourcePoolId", "datastoreId", "hostSystemId", "folder", "numCpus", "memory",
                       "guestId", "disks", "networkInterfaces", "tags", "annotation"]


def vm_path(datacenter: str, folder: str | None, name: str) -> str:
    return "/".join(["", datacenter, "vm", *([folder] if folder else []), name])


def import_document(inv: Inventory, stack: str = "primary", datacenter: str | None = None,
                    folder: str | None = None) -> dict:
    """`datacenter`/`folder`: where today's VMs live in vCenter (default: the site code, root folder)."""
    plan = plan_site(inv, stack)
    existing = {vm.name: vm.existing_at for vm in plan.vms if vm.existing_at}
    resources = run_program(inv, stack)
    by_urn = {r.urn: r for r in resources}
    provider = next(r for r in resources if r.type.startswith("pulumi:providers:"))
    name_table = {provider.name: provider.urn}
    entries = []
    for r in sorted((r for r in resources if r.type == VM_TYPE and r.props.get("name") in existing), key=lambda r: r.name):
        parent = by_urn.get(r.parent) if r.parent else None
        entry = {"type": r.type, "name": r.name,
                 "id": vm_path(datacenter or existing[r.props["name"]], folder, r.props["name"]),
                 "provider": provider.name, "properties": IMPORTED_PROPERTIES}
        if parent is not None:
            name_table[parent.name] = parent.urn
            entry["parent"] = parent.name
        entries.append(entry)
    return {"nameTable": dict(sorted(name_table.items())), "resources": entries}
