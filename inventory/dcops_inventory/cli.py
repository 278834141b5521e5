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
from dcops_inventory.devicetype_import import ImportProblems, convert, merge, names_elsewhere, write
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


@app.command("import-device-types")
def import_device_types(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Device-type YAML files in the NetBox "
                                       "community device-type library's format (one make and model each)."),
    out: Path | None = typer.Option(None, "--out", "-o", metavar="FILE",
                                    help="The device_types YAML to add them to (created if missing). Default: "
                                         "device_types.yaml of the selected inventory directory."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the file would change."),
    sum_power_ports: bool = typer.Option(False, "--sum-power-ports",
                                         help="Add every power port's draw (supplies that are not redundant)."),
    provenance: str | None = typer.Option(None, "--provenance", metavar="TEXT",
                                          help="Provenance of the records (a citation of a meta.sources document, "
                                               "or `assumption: why`); default: an assumption naming the file."),
    inventory: Path = InventoryOption,
) -> None:
    """Import device types (power draw, rack units, ports) from the NetBox device-type library.

    Each record is appended to --out; one already there with the same values is left alone
    (importing again changes nothing), one with other values is an error, and so is a name
    another file of the inventory (-i, or the default one when --out is not given) holds. Library fields the
    dcops model has no place for are listed as warnings. Bad input: `file:line: field:
    reason`, exit 2, nothing written."""
    location = resolve_or_exit(inventory) if out is None or inventory is not None else None
    if out is None:
        assert location is not None
        if not location.path.is_dir():
            err_console.print(f"error: --out is needed: the inventory {location.path} is a file, not a directory",
                              markup=False, highlight=False)
            raise typer.Exit(EXIT_INVALID)
        out = location.path / "device_types.yaml"
    # names the inventory's other files hold: appending one would make it invalid
    elsewhere = names_elsewhere(location.path, out) if location is not None else {}
    problems, imported = [], []
    for path in files:
        try:
            imported.append(convert(path, provenance, sum_power_ports))
        except ImportProblems as exc:
            problems.extend(exc.problems)
    try:
        result = merge(out, imported, elsewhere) if not problems else None
    except ImportProblems as exc:
        problems.extend(exc.problems)
    for imp in imported:
        for warning in imp.warnings:
            err_console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    if problems or result is None:
        for p in problems:
            err_console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"{len(problems)} error(s); nothing written.", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID)
    added = ", ".join(result.added) or "none"
    if check:
        typer.echo(f"{out}: would add {len(result.added)} device type(s) ({added}); "
                   f"{len(result.unchanged)} already there")
        raise typer.Exit(1 if result.changed else 0)
    try:
        write(out, result)
    except OSError as exc:
        err_console.print(f"error: --out {str(out)!r}: {exc.strerror or exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(f"{out}: added {len(result.added)} device type(s) ({added}); {len(result.unchanged)} already there")
