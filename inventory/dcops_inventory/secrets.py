"""Turns a secret reference from the inventory into its value, at the last moment.

Values never pass through the inventory, logs or metrics: callers hold them only as long
as a login takes. Vault-kind references are looked up in variables Ansible already
decrypted (passed in), so dcops never handles vault passwords itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dcops_inventory.inventory import Inventory


class SecretUnavailable(LookupError):
    """The reference is valid but its value is not present in this environment."""


def resolve_secret(inv: Inventory, name: str, vault_vars: Mapping[str, str] | None = None) -> str:
    secret = inv.get("secrets", name)
    if secret.kind == "env":
        value = os.environ.get(secret.ref)
        if value is None:
            raise SecretUnavailable(f"secret {name!r}: environment variable {secret.ref} is not set")
        return value
    if vault_vars is None or secret.ref not in vault_vars:
        raise SecretUnavailable(f"secret {name!r}: vault variable {secret.ref} was not provided")
    return str(vault_vars[secret.ref])


def secret_env(inv: Inventory) -> dict[str, str]:
    """Secret name -> environment variable, for tools (and the lab) that set them."""
    return {s.name: s.ref for s in inv.secrets if s.kind == "env"}
