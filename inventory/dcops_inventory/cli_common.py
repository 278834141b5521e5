"""The `-i/--inventory` option of every dcops command, and loading the inventory it selects.

Every command group declares its option with `inventory_option()` and loads through
`load_or_exit`, so the choice (option, then $DCOPS_INVENTORY, then the embedded default;
see location.py), the messages and the exit status (2, bad input) are the same everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_inventory.loader import load_inventory
from dcops_inventory.location import ENV_VAR, InventoryLocation, InventoryLocationError, resolve_inventory

EXIT_BAD_INPUT = 2
INVENTORY_HELP = (f"Inventory directory or YAML file. Default: ${ENV_VAR} if set, else the embedded "
                  "MTPE inventory (inventory/mtpe). A path that does not exist or holds no YAML is an "
                  "error (exit 2), never a fall-back to the default.")


def inventory_option(help: str = INVENTORY_HELP) -> Any:  # typer.Option is typed Any, by design
    """`-i/--inventory PATH`; None when not given (the env variable is read by resolve_inventory,
    not by typer, so an error can say which of the two chose the path)."""
    return typer.Option(None, "--inventory", "-i", metavar="PATH", show_default=False, help=help)


def problem_lines(exc: InventoryError) -> list[str]:
    """Every problem as `file:line: field: reason`, then the closing line of `dcops inventory validate`."""
    return [str(p) for p in exc.problems] + [f"{len(exc.problems)} error(s); the inventory is not valid."]


def resolve_or_exit(option: str | Path | None) -> InventoryLocation:
    try:
        return resolve_inventory(option)
    except InventoryLocationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def load_or_exit(option: str | Path | None) -> Inventory:
    """The selected inventory, loaded and validated; on any problem print it and exit 2."""
    location = resolve_or_exit(option)
    try:
        return load_inventory(location.path)
    except InventoryError as exc:
        for line in problem_lines(exc):
            typer.echo(line, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
