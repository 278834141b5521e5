"""`dcops stack ...`: stack config, the offline preview with HA policies, adopting today's VMs."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from dcops_inventory.cli_common import inventory_option, load_or_exit
from dcops_stacks import STACKS
from dcops_stacks.config import write_all, write_atomic
from dcops_stacks.errors import StackError
from dcops_stacks.program import STACKS_DIR

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Pulumi stacks for the primary and alternate data centers.")
InventoryOpt = inventory_option()


class Format(str, Enum):
    table = "table"
    json = "json"


def _load(path: Path | None):
    return load_or_exit(path)


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2) from None


@app.command("config")
def config_cmd(inventory: Path = InventoryOpt,
               stacks_dir: Path = typer.Option(
                   STACKS_DIR, "--stacks-dir", show_default="the stacks/ project of this checkout",
                   help="The Pulumi project directory (the one holding Pulumi.yaml) the Pulumi.<stack>.yaml "
                        "files are written to; created if missing. A non-default inventory is recorded in "
                        "them as dcops:inventory, relative to this directory.")) -> None:
    """Write Pulumi.primary.yaml and Pulumi.alternate.yaml from the inventory (keeps set secrets).

    An inventory other than the embedded one is recorded in the stack config, so `pulumi up` reads the same data."""
    inv = _load(inventory)
    try:
        written = write_all(inv, stacks_dir)
    except (StackError, OSError) as exc:
        _fail(exc)
    for path in written:
        typer.echo(f"wrote {path}")
    if not (stacks_dir / "Pulumi.yaml").exists():
        typer.echo(f"note: {stacks_dir} has no Pulumi.yaml; Pulumi reads Pulumi.<stack>.yaml from its project "
                   "directory, and dcops:inventory is relative to that directory", err=True)


@app.command("preview")
def preview_cmd(stack: str = typer.Argument(..., help=f"One of: {', '.join(STACKS)}."),
                format: Format = typer.Option(Format.table, "--format", "-f"),
                inventory: Path = InventoryOpt) -> None:
    """Offline plan under Pulumi's mocks: resource tree, counts by type, HA policies.

    Exits 1 when a mandatory policy is violated, 2 on bad input.
    """
    from dcops_stacks.preview import preview, render, to_json

    if stack not in STACKS:
        _fail(StackError(f"unknown stack {stack!r}; valid: {', '.join(STACKS)}"))
    inv = _load(inventory)
    try:
        result = preview(inv, stack)
    except StackError as exc:
        _fail(exc)
    if format is Format.json:
        sys.stdout.write(json.dumps(to_json(result), indent=2) + "\n")
    else:
        render(result, Console(width=160))
    if result.blocked:
        raise typer.Exit(1)


@app.command("import-existing")
def import_existing_cmd(output: Path = typer.Option(Path("import-existing.json"), "--output", "-o",
                                                    help="Import file to write ('-' for stdout)."),
                        stack: str = typer.Option("primary", "--stack"),
                        datacenter: str = typer.Option(None, "--datacenter",
                                                       help="vCenter datacenter of today's VMs (default: their site code)."),
                        folder: str = typer.Option(None, "--folder", help="VM folder of today's VMs (default: none)."),
                        inventory: Path = InventoryOpt) -> None:
    """Write a `pulumi import --file` document for today's VMs that the stack plans (no clone blocks)."""
    from dcops_stacks.importfile import import_document

    inv = _load(inventory)
    try:
        doc = import_document(inv, stack, datacenter, folder)
    except StackError as exc:
        _fail(exc)
    text = json.dumps(doc, indent=2) + "\n"
    if str(output) == "-":
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    typer.echo(f"wrote {output}: {len(doc['resources'])} VMs to adopt into stack {stack!r}")
