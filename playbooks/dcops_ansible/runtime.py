"""Per-process caches for the Ansible side: an inventory is loaded once per path.

The inventory plugin fills the cache in ansible's main process; workers are forked from it
(ansible-core uses the fork start method), so every per-host action finds the loaded
inventory instead of parsing it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcops_inventory import AddressMap, Inventory, load_inventory
from dcops_inventory.location import resolve_inventory

_INVENTORIES: dict[str, Inventory] = {}
_MAPS: dict[str, AddressMap] = {}


def inventory(path: str | Path | None) -> Inventory:
    """The inventory at `path`, else the one $DCOPS_INVENTORY or the embedded default selects
    (raises InventoryLocationError when it cannot be found)."""
    key = str(resolve_inventory(path).path.resolve())
    if key not in _INVENTORIES:
        _INVENTORIES[key] = load_inventory(key)
    return _INVENTORIES[key]


def address_map(path: str | None) -> AddressMap | None:
    if not path:
        return None
    if path not in _MAPS:
        _MAPS[path] = AddressMap.load(path)
    return _MAPS[path]


@dataclass(frozen=True)
class DeviceTask:
    """What every per-device dcops action resolves before it talks to a device; one place, so
    the actions cannot read their common arguments (or their defaults) differently."""

    host: str
    inventory: Inventory
    address_map: AddressMap | None
    management_address: str


def task_inventory(args: Mapping[str, Any], task_vars: Mapping[str, Any]) -> Inventory:
    """The task's `inventory` argument, else the inventory the dcops plugin built the host from."""
    return inventory(args.get("inventory") or task_vars.get("dcops_inventory_source"))


def device_task(args: Mapping[str, Any], task_vars: Mapping[str, Any]) -> DeviceTask:
    return DeviceTask(host=task_vars["inventory_hostname"], inventory=task_inventory(args, task_vars),
                      address_map=address_map(args.get("address_map", task_vars.get("dcops_address_map"))),
                      management_address=args.get("management_address", "primary"))
