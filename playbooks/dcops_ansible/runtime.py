"""Per-process caches for the Ansible side: an inventory is loaded once per path.

The inventory plugin fills the cache in ansible's main process; workers are forked from it
(ansible-core uses the fork start method), so every per-host action finds the loaded
inventory instead of parsing it again.
"""

from __future__ import annotations

from pathlib import Path

from dcops_inventory import DEFAULT_INVENTORY, AddressMap, Inventory, load_inventory

_INVENTORIES: dict[str, Inventory] = {}
_MAPS: dict[str, AddressMap] = {}


def inventory(path: str | None) -> Inventory:
    key = str(Path(path or DEFAULT_INVENTORY).resolve())
    if key not in _INVENTORIES:
        _INVENTORIES[key] = load_inventory(key)
    return _INVENTORIES[key]


def address_map(path: str | None) -> AddressMap | None:
    if not path:
        return None
    if path not in _MAPS:
        _MAPS[path] = AddressMap.load(path)
    return _MAPS[path]
