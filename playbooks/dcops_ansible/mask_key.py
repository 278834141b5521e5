"""The key that masked secrets are digested with, from the inventory's `backup-mask-key` secret.

A backup replaces every secret by HMAC-SHA256(key, value), so a secret's change shows in
the repository and nobody without the key can test guesses against the token. The key is
a secret reference like any other (env or vault), never a value in the inventory. When
the inventory declares no such secret, its variable is not set, or its value is too
short to resist guessing, secrets are masked by the constant `<masked>` and secret change
detection is off: `why_off` says why, without the value, for the run to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dcops_inventory import Inventory
from dcops_inventory.secrets import SecretUnavailable, resolve_secret

MASK_KEY_SECRET = "backup-mask-key"
MIN_KEY_LENGTH = 16


@dataclass(frozen=True)
class MaskKey:
    key: bytes | None
    why_off: str = ""

    @property
    def keyed(self) -> bool:
        return self.key is not None

    def warning(self) -> str:
        return f"secret change detection is off (secrets masked as <masked>): {self.why_off}"


def mask_key(inv: Inventory, vault_vars: Mapping[str, str] | None = None) -> MaskKey:
    """The mask key of this inventory, or why there is none."""
    if MASK_KEY_SECRET not in {s.name for s in inv.secrets}:
        return MaskKey(None, f"the inventory declares no secret {MASK_KEY_SECRET!r}")
    try:
        value = resolve_secret(inv, MASK_KEY_SECRET, vault_vars)
    except SecretUnavailable as exc:
        return MaskKey(None, str(exc))
    if len(value) < MIN_KEY_LENGTH:
        return MaskKey(None, f"secret {MASK_KEY_SECRET!r} is shorter than {MIN_KEY_LENGTH} characters")
    return MaskKey(value.encode())
