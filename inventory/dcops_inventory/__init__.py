"""The inventory: typed, validated records that every other part of dcops is derived from.

    from dcops_inventory import load_inventory
    inv = load_inventory()            # the embedded MTPE inventory
    inv.devices_by_role("core_switch")
"""

from dcops_inventory import checks_planning as _checks_planning  # noqa: F401  (registers its checks)
from dcops_inventory import checks_sources as _checks_sources  # noqa: F401  (registers its checks)
from dcops_inventory.endpoints import AddressMap, Endpoint, UnsafeTargetError, resolve_endpoint
from dcops_inventory.errors import InventoryError, Problem
from dcops_inventory.inventory import Inventory
from dcops_inventory.loader import DEFAULT_INVENTORY, load_inventory

__all__ = [
    "DEFAULT_INVENTORY", "AddressMap", "Endpoint", "Inventory", "InventoryError", "Problem",
    "UnsafeTargetError", "load_inventory", "resolve_endpoint",
]
