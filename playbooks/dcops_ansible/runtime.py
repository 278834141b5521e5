"""Per-process caches for the Ansible side: an inventory is loaded once per path.

The inventory plugin fills the cache in ansible's main process; workers are forked from it
(ansible-core uses the fork start method), so every per-host action finds the loaded
inventory instead of parsing it again.
"""

from __future__ import annotations

from pathlib import Path

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
