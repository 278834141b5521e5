"""VLAN sync for one switch: read its VLANs, plan against the inventory, push the difference.

The planning is `dcops_devices.intent.vlans` (pure); this is the device side, one session
per switch: `show vlan`, plan, and - unless checking - the rendered lines in one config
push, then the table is read again and must match (a switch may reject a line without
netmiko noticing). A second run then plans nothing and pushes nothing, which is what makes
the playbook idempotent. Raises `AccessError` when the device cannot be read or configured and
`VlanError` when its listing cannot be parsed, so the caller decides what a failure is.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_devices.access import open_connection, target_for
from dcops_devices.intent.vlans import (
    VLAN_ROLES,
    VlanError,
    VlanPlan,
    intended_vlans,
    parse_vlans,
    plan,
    render,
    show_command,
)
from dcops_inventory import AddressMap, Inventory


@dataclass(frozen=True)
class VlanSync:
    plan: VlanPlan
    lines: tuple[str, ...]   # the config lines the plan renders to
    pushed: bool             # whether they were sent (never in check mode, never when empty)


def sync_device(inv: Inventory, name: str, address_map: AddressMap | None = None, address: str = "primary",
                check: bool = False, remove_in_use: bool = False) -> VlanSync:
    role = inv.device(name).role
    if role not in VLAN_ROLES:  # its intended set would be empty: every VLAN would go
        raise VlanError(f"{name} is a {role}; VLANs are synchronised on {' and '.join(VLAN_ROLES)} devices only")
    target = target_for(inv, name, address_map, address)
    intended = intended_vlans(inv, name)
    with open_connection(target) as conn:
        present = parse_vlans(target.platform, conn.run(show_command(target.platform)))
        the_plan = plan(name, intended, present, remove_in_use=remove_in_use)
        lines = render(target.platform, the_plan)
        if lines and not check:
            conn.configure(lines)
            # netmiko does not fail on a line the switch rejected: read the table again.
            after = plan(name, intended, parse_vlans(target.platform, conn.run(show_command(target.platform))),
                         remove_in_use=remove_in_use)
            if not after.empty:
                raise VlanError(f"{name}: pushed {len(lines)} lines but the VLANs still differ:\n{after.diff()}")
    return VlanSync(the_plan, tuple(lines), bool(lines) and not check)
