"""`dcops inventory ...`: validate and summarise the inventory itself.

Queries, reports and diffs are derived products and live in dcops_reports (`dcops report`);
this package imports nothing from them.
"""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from dcops_inventory.cli_common import inventory_option, problem_lines, resolve_or_exit
from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_inventory.loader import inventory_files, load_inventory
from dcops_inventory.summary import Json, summary

app = typer.Typer(no_args_is_help=True, help="Validate and summarise the inventory.")
console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 2

InventoryOption = inventory_option()


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"


def load_or_exit(path: Path | None, as_json: bool = False) -> Inventory:
    """Load the selected inventory (-i, else $DCOPS_INVENTORY, else the embedded one), or
    print every problem (file:line: field: reason) and exit 2; an inventory that cannot be
    found is named, with where it came from, on stderr."""
    location = resolve_or_exit(path)
    try:
        return load_inventory(location.path)
    except InventoryError as exc:
        if as_json:
            problems = [{"file": p.file, "line": p.line, "field": p.field, "reason": p.reason} for p in exc.problems]
            sys.stdout.write(json.dumps({"valid": False, "problems": problems}, indent=2, ensure_ascii=False) + "\n")
            raise typer.Exit(EXIT_INVALID) from None
        for line in problem_lines(exc):
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None


@app.command()
def validate(
    inventory: Path = InventoryOption,
    format: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f", help="text, or json for tools"),
) -> None:
    """Check the inventory: YAML syntax, schema, references, rack space, addressing,
    redundancy and plaintext secrets. Exit 0 with a one-line summary, or exit 2 listing
    every error as `file:line: field: reason`."""
    started = time.perf_counter()
    inv = load_or_exit(inventory, as_json=format is ValidateFormat.json)
    elapsed = time.perf_counter() - started
    counts = inv.counts()
    files = len(inventory_files(inv.root))
    if format is ValidateFormat.json:
        sys.stdout.write(json.dumps({"valid": True, "name": inv.meta.name, "files": files,
                                     "seconds": round(elapsed, 3), "counts": counts}, indent=2) + "\n")
        return
    typer.echo(
        f"{inv.meta.name}: valid — {counts['sites']} sites, {counts['racks']} racks, "
        f"{counts['devices']} devices, {counts['vms']} VMs, {counts['services']} services, "
        f"{sum(counts.values())} records in {files} files ({elapsed:.2f} s)"
    )


@app.command("summary")
def summary_cmd(
    inventory: Path = InventoryOption,
    format: SummaryFormat = typer.Option(SummaryFormat.table, "--format", "-f", help="table or json"),
) -> None:
    """Record counts, and the source documents' tables beside the records.

    Tables the inventory transcribes (seed_rows): each row's count beside its records, then where they disagree.

    Exit 1 if any row's counts differ."""
    inv = load_or_exit(inventory)
    data = summary(inv)
    if format is SummaryFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        _print_summary(data)
    if data["mismatches"]:
        raise typer.Exit(1)


def _line_of_row(figure: Json) -> str:
    """`, line N` for a figure citing a table row (a line citation already says its line)."""
    line = figure["line"]
    return f", line {line}" if line and not figure["cite"].endswith(f":line{line}") else ""


def _print_summary(data: Json) -> None:
    """The tables of the sources, if the inventory transcribes any; the record counts always."""
    by_table: dict[str, list[Json]] = {}
    for row in data["rows"]:
        by_table.setdefault(row["table"], []).append(row)
    for rows in by_table.values():
        first = rows[0]
        t = Table(title=f"{first['table_title']} ({first['source']}:{first['table']})", title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("item (as the source says)")
        t.add_column("source", justify="right")
        t.add_column("inventory", justify="right")
        t.add_column("")
        for r in rows:
            ok = r["seed_count"] == r["inventory_count"]
            t.add_row(str(r["row"]), r["item"], str(r["seed_count"]), str(r["inventory_count"]),
                      "[green]ok[/]" if ok else "[red]differs[/]")
        console.print(t)
    if data["discrepancies"]:
        t = Table(title="Where the sources disagree", title_justify="left")
        for col in ("subject", "figures", "records follow", "inventory"):
            t.add_column(col)
        for d in data["discrepancies"]:
            figures = "; ".join(f"{f['value']} ({f['cite']}{_line_of_row(f)})" for f in d["figures"])
            t.add_row(d["subject"], figures, d["records_follow"], str(d["inventory_count"]))
        console.print(t)
    t = Table(title=f"Records of {data['inventory']}", title_justify="left")
    t.add_column("collection")
    t.add_column("records", justify="right")
    for collection, n in data["totals"].items():
        if n:
            t.add_row(collection, str(n))
    console.print(t)
    if data["rows"] or data["discrepancies"]:
        total = len(data["rows"])
        console.print(f"{total - data['mismatches']}/{total} rows match; "
                      f"{len(data['discrepancies'])} discrepancies recorded.")
    else:
        console.print("No source table is transcribed (seed_rows): no counts to compare.")

