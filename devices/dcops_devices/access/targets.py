"""Where and as whom to connect to a device: inventory + address map -> `Target`.

The endpoint always comes from `dcops_inventory.resolve_endpoint` (so a lab address map
or DCOPS_LAB_ONLY guards every connection), and the password from the device's secret
reference at the last moment. A Target never prints its password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dcops_devices.access.errors import CredentialsMissing, TargetRefused
from dcops_inventory import AddressMap, Inventory, UnsafeTargetError, resolve_endpoint
from dcops_inventory.secrets import SecretUnavailable, resolve_secret


@dataclass(frozen=True)
class Target:
    name: str
    platform: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    enable_secret: str | None = field(default=None, repr=False)


def _record(inv: Inventory, name: str):
    try:
        return inv.device(name)
    except KeyError:
        try:
            return inv.get("vms", name)
        except KeyError:
            raise TargetRefused(name, "not a device or VM of the inventory") from None


def target_for(inv: Inventory, name: str, address_map: AddressMap | None = None,
               address: str = "primary", vault_vars: Mapping[str, str] | None = None) -> Target:
    rec = _record(inv, name)
    platform = rec.platform or ""
    if not platform:
        raise TargetRefused(name, "has no platform in the inventory, so no driver")
    mgmt = inv.mgmt_address(rec, address) if hasattr(rec, "oob_ip") else (str(rec.mgmt_ip.ip) if rec.mgmt_ip else None)
    try:
        ep = resolve_endpoint(name, mgmt, "ssh", address_map)
    except UnsafeTargetError as exc:
        raise TargetRefused(name, str(exc)) from None
    if not rec.credentials:
        raise CredentialsMissing(name, "has no credentials record in the inventory")
    creds = inv.get("credentials", rec.credentials)
    try:
        password = resolve_secret(inv, creds.password_secret, vault_vars)
        enable = resolve_secret(inv, creds.enable_secret, vault_vars) if creds.enable_secret else None
    except SecretUnavailable as exc:
        raise CredentialsMissing(name, str(exc)) from None
    return Target(name=name, platform=platform, host=ep.host, port=ep.port,
                  username=creds.username, password=password, enable_secret=enable)
