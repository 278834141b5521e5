"""Which inventory a command reads, decided in one place for every dcops entry point.

The order is the same for every command, the Ansible inventory plugin and the Pulumi
program: the explicit option (`-i/--inventory`, the plugin's `inventory_path`, the stack's
`dcops:inventory` config), else the `DCOPS_INVENTORY` environment variable, else the
embedded default (the MTPE data under inventory/mtpe). A chosen inventory that cannot be
read - missing, neither a directory nor a YAML file, a directory without YAML files - is an
error naming the path and where it came from; it never falls back to the default, since
output derived from the wrong data center looks as plausible as the right one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dcops_inventory.loader import DEFAULT_INVENTORY, YAML_SUFFIXES

ENV_VAR = "DCOPS_INVENTORY"
OPTION_ORIGIN = "-i/--inventory"
DEFAULT_ORIGIN = "the embedded default"


class InventoryLocationError(Exception):
    """The selected inventory cannot be read; the message names the path and its origin."""

    def __init__(self, given: str, path: Path, origin: str, reason: str):
        self.given, self.path, self.origin, self.reason = given, path, origin, reason
        shown = given if Path(given) == path else f"{given} (= {path})"
        super().__init__(f"inventory {shown} from {origin}: {reason}")


@dataclass(frozen=True)
class InventoryLocation:
    """An inventory file or directory that exists, and where the choice came from."""

    path: Path  # absolute
    origin: str  # OPTION_ORIGIN (or the caller's name for its option), ENV_VAR or DEFAULT_ORIGIN

    @property
    def is_default(self) -> bool:
        return self.path.resolve() == DEFAULT_INVENTORY.resolve()


def _has_yaml(directory: Path) -> bool:
    return any(p.suffix in YAML_SUFFIXES and p.is_file() for p in directory.rglob("*"))


def resolve_inventory(option: str | Path | None = None, *, origin: str = OPTION_ORIGIN,
                      env: Mapping[str, str] | None = None, base: str | Path | None = None) -> InventoryLocation:
    """The inventory to read: `option` if given (relative to `base`, default the working
    directory), else $DCOPS_INVENTORY (relative to the working directory), else the embedded
    default. Empty strings count as not given. Raises InventoryLocationError."""
    env = os.environ if env is None else env
    if option is not None and str(option) != "":
        given, start = str(option), Path(base) if base is not None else Path.cwd()
    elif env.get(ENV_VAR):
        given, start, origin = env[ENV_VAR], Path.cwd(), ENV_VAR
    else:
        given, start, origin = str(DEFAULT_INVENTORY), Path.cwd(), DEFAULT_ORIGIN
    path = Path(os.path.abspath(start / Path(given).expanduser()))
    if path.is_dir():
        if not _has_yaml(path):
            raise InventoryLocationError(given, path, origin, "a directory without YAML files (*.yaml, *.yml)")
    elif path.is_file():
        if path.suffix not in YAML_SUFFIXES:
            raise InventoryLocationError(given, path, origin, "not a directory or a YAML file (*.yaml, *.yml)")
    elif path.exists():
        raise InventoryLocationError(given, path, origin, "not a directory or a YAML file (*.yaml, *.yml)")
    else:
        raise InventoryLocationError(given, path, origin, "no such file or directory")
    return InventoryLocation(path, origin)
