"""`dcops report query | eol | racks | diff`: what capacity planners read from the inventory.

A product of its own beside the exporters and stacks: it reads the inventory and derives
tables from it, and the inventory knows nothing of it (an import-linter contract). Every
command selects the inventory with the shared `-i/--inventory`. Exit codes: 0 success,
2 bad input (an invalid inventory — every problem is printed —, bad SQL, an unknown
revision).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from dcops_inventory.cli_common import inventory_option, load_or_exit, problem_lines, resolve_or_exit
from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_reports.diff import DiffResult, RevisionError, diff_revisions, locate
from dcops_reports.output import FORMATS, render
from dcops_reports.reports import Report, eol_report, racks_report
from dcops_reports.views import QueryError, run_query

BAD_INPUT = 2


def _format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(FORMATS)}")
    return value


def _on_date(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


FormatOpt = typer.Option("table", "--format", "-f", callback=_format, help="table, csv or json.")
InventoryOpt = inventory_option()


def _fail(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(BAD_INPUT)


def _load(path: Optional[Path]) -> Inventory:
    return load_or_exit(path)


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _emit_report(report: Report, fmt: str) -> None:
    _emit(render(report.columns, report.rows, fmt, title=report.title))


def _diff_json(result: DiffResult) -> str:
    doc = {
        "rev1": result.rev1, "rev2": result.rev2, "commit1": result.commit1, "commit2": result.commit2,
        "summary": result.summary(), "added": result.added, "removed": result.removed,
        "changed": {c: [{"key": ch.key, "fields": [{"field": f.field, "old": f.old, "new": f.new}
                                                    for f in ch.fields]} for ch in chs]
                    for c, chs in result.changed.items()},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


app = typer.Typer(no_args_is_help=True, help="Queries, tables and reports for capacity planners.")


@app.command("query")
def query(
    sql: str = typer.Argument(..., help="One SQL statement over the inventory views (devices, vms, "
                                        "software, racks, interfaces, services, ...)."),
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Run SQL (DuckDB dialect) over the inventory and print the result.

    Every collection is a view by its name (devices, vms, software, racks, interfaces, ...).
    Derived views: service_dependencies, redundancy_group_members, assets, device_type_ports.
    Try "SHOW TABLES" or "DESCRIBE devices"."""
    inv = _load(inventory)
    try:
        columns, rows = run_query(inv, sql)
    except QueryError as exc:
        _fail([f"query error: {exc}"])
    _emit(render(columns, rows, fmt))


@app.command("eol")
def eol(
    on: Optional[str] = typer.Option(None, "--on", help="Date to judge end of life on (YYYY-MM-DD; default today)."),
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Software and operating systems past end of life, with the VMs running them."""
    when = _on_date(on)
    _emit_report(eol_report(_load(inventory), when), fmt)


@app.command("racks")
def racks(fmt: str = FormatOpt, inventory: Optional[Path] = InventoryOpt) -> None:
    """Per rack: U used/free, allocated power against capacity, over-capacity flags."""
    _emit_report(racks_report(_load(inventory)), fmt)


@app.command("diff")
def diff(
    rev1: str = typer.Argument(..., help="Older git revision (commit, tag, branch)."),
    rev2: str = typer.Argument("HEAD", help="Newer git revision."),
    inventory: Optional[Path] = InventoryOpt,
    fmt: str = FormatOpt,
) -> None:
    """Records added, removed and changed in the inventory between two git revisions."""
    try:
        repo, subdir = locate(resolve_or_exit(inventory).path)
        result = diff_revisions(repo, rev1, rev2, subdir)
    except RevisionError as exc:
        _fail([f"diff error: {exc}"])
    except InventoryError as exc:
        _fail(problem_lines(exc))
    if fmt == "json":
        _emit(_diff_json(result))
        return
    title = f"Inventory changes {rev1} ({result.commit1[:12]}) -> {rev2} ({result.commit2[:12]})"
    if result.empty and fmt == "table":
        _emit(f"{title}: no changes\n")
        return
    _emit(render(DiffResult.COLUMNS, result.rows(), fmt, title=title))
