"""The logins lab devices accept: the inventory's user names, passwords from its secrets.

A lab device checks exactly what the access layer will send: the user of the device's
`credentials` record and the value of its password secret. When that secret is not set
in the environment (a first `dcops lab start`), the lab makes a random one (and one
for the enable secret) and writes it
to `<state-dir>/secrets.env` (mode 0600) for the user to source; it never prints it.
"""

from __future__ import annotations

import os
import secrets as pysecrets
from pathlib import Path

from dcops_inventory import Inventory
from dcops_inventory.models import Device

FALLBACK_USER = "dcops"


def lab_credentials(inv: Inventory, devices: list[Device], state_dir: Path) -> dict[str, tuple[str, str]]:
    generated: dict[str, str] = {}
    out: dict[str, tuple[str, str]] = {}
    for dev in devices:
        if not dev.credentials:
            raise ValueError(f"{dev.name}: has no credentials record; the lab cannot set its login")
        creds = inv.get("credentials", dev.credentials)
        values = []
        # The enable secret is not checked by the lab (logins land privileged) but the access
        # layer resolves it, so it must exist in the environment as well.
        for secret_name in filter(None, (creds.password_secret, creds.enable_secret)):
            secret = inv.get("secrets", secret_name)
            value = os.environ.get(secret.ref) if secret.kind == "env" else None
            if value is None:
                value = generated.setdefault(secret.ref, pysecrets.token_urlsafe(16))
            values.append(value)
        out[dev.name] = (creds.username, values[0])
    if generated:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / "secrets.env"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.writelines(f"export {k}={v}\n" for k, v in sorted(generated.items()))
    return out
