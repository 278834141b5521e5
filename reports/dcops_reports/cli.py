"""`dcops report query | eol | racks | power | compute | addresses | space | diff`: what
capacity planners read from the inventory.

A product of its own beside the exporters and stacks: it reads the inventory and derives
tables from it, and the inventory knows nothing of it (an import-linter contract). Every
command selects the inventory with the shared `-i/--inventory`, and every report takes
`--site`. Exit codes: 0 success, 2 bad input (an invalid inventory — every problem is
printed —, bad SQL, an unknown revision, site, VRF or rack, a bad period); `diff
--exit-code` returns 1 when the revisions differ, for scripts.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Optional

import duckdb
import typer

from dcops_inventory.cli_common import inventory_option, load_or_exit, problem_lines, resolve_or_exit
from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_reports.addresses import addresses_report
from dcops_reports.compute import DEFAULT_VCPU_PER_CORE, compute_report
from dcops_reports.diff import DiffResult, RevisionError, diff_revisions, locate
from dcops_reports.elevation_svg import write_svgs
from dcops_reports.output import FORMATS, render, render_sections
from dcops_reports.period import PeriodError, add_period
from dcops_reports.power import DEFAULT_DERATE, DEFAULT_POWER_FACTOR, PowerPolicy, power_report
from dcops_reports.reports import Report, ReportSet, eol_report, narrow_racks, racks_report
from dcops_reports.space import rack_spaces, space_report, text_elevation
from dcops_reports.store import QueryStore, default_cache_dir, fingerprint
from dcops_reports.views import QueryError, build_views, connect, run_query, views_in

BAD_INPUT = 2
DIFFERENCES = 1  # `diff --exit-code`, as git diff --exit-code
NARROW_WIDTH = 100  # `report racks` without --wide fits a terminal this wide


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
SiteOpt = typer.Option(None, "--site", "-s", metavar="SITE", help="Only this site (a `sites` name).")
OnlyOpt = typer.Option(None, "--only", metavar="SECTION",
                       help="Only this table of the report (csv needs one; the names are listed on error).")


def _fail(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(BAD_INPUT)


def _load(path: Optional[Path]) -> Inventory:
    return load_or_exit(path)


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _emit_report(report: Report, fmt: str, max_width: int | None = None) -> None:
    _emit(render(report.columns, report.rows, fmt, title=report.title, max_width=max_width))


def _emit_set(report: ReportSet, fmt: str, only: Optional[str]) -> None:
    """Every section of a report (or the one `--only` names) in the chosen format."""
    names = list(report.sections)
    if only is not None and only not in report.sections:
        _fail([f"error: --only {only!r} is not a table of this report; valid: {', '.join(names)}"])
    if fmt == "csv" and only is None and len(names) > 1:
        _fail([f"error: csv holds one table; add --only with one of: {', '.join(names)}"])
    chosen = [only] if only else names
    sections = [(k, report.sections[k].title, report.sections[k].columns, report.sections[k].rows) for k in chosen]
    _emit(render_sections(report.title, sections, report.notes, fmt))


def _site(inv: Inventory, site: Optional[str]) -> Optional[str]:
    """`--site` checked against the inventory: an unknown site is bad input, not an empty report."""
    if site is not None and site not in inv.index("sites"):
        _fail([f"error: --site {site!r} is not a site of this inventory; valid: {', '.join(sorted(inv.index('sites')))}"])
    return site


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
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", metavar="DIR",
                                             help="Where compiled query stores are kept "
                                                  "(default: $XDG_CACHE_HOME/dcops/query)."),
    no_cache: bool = typer.Option(False, "--no-cache",
                                  help="Load the inventory and build the views in memory; no store read or written."),
) -> None:
    """Run SQL (DuckDB dialect) over the inventory and print the result.

    Every collection is a view by its name (devices, vms, software, racks, interfaces, ...).
    Derived views: service_dependencies, redundancy_group_members, assets, device_type_ports.
    Try "SHOW TABLES" or "DESCRIBE devices".

    The views of each inventory state are compiled once into a store (a DuckDB file keyed by
    the inventory files' content); a repeated query on an unchanged inventory reads it."""
    path = resolve_or_exit(inventory).path
    if no_cache:
        con = connect(_load(path), views_in(sql) or None)
    else:
        con = _store_connection(path, cache_dir or default_cache_dir())
    try:
        columns, rows = run_query(con, sql)
    except QueryError as exc:
        _fail([f"query error: {exc}"])
    finally:
        con.close()
    _emit(render(columns, rows, fmt))


def _store_connection(path: Path, cache_dir: Path) -> duckdb.DuckDBPyConnection:
    """The store of the inventory at `path`, built first if there is none. An inventory that
    does not validate exits 2 before anything is written; an inventory edited during the
    load, or a cache directory that cannot be written, is answered from memory."""
    store = QueryStore(cache_dir)
    try:
        key = fingerprint(path)
    except OSError:  # an unreadable file: the loader names it
        return connect(_load(path))
    con = store.open(key)
    if con is not None:
        return con
    inv = _load(path)
    started = time.perf_counter()
    try:
        if fingerprint(path) != key:
            return connect(inv)
        written = store.write(key, lambda c: build_views(c, inv))
    except (OSError, duckdb.Error) as exc:
        typer.echo(f"query store: not written in {cache_dir} ({exc}); answering from memory", err=True)
        return connect(inv)
    typer.echo(f"query store: built {written} in {time.perf_counter() - started:.1f} s", err=True)
    return store.open(key) or connect(inv)


@app.command("eol")
def eol(
    on: Optional[str] = typer.Option(None, "--on", help="Date to judge end of life on (YYYY-MM-DD; default today)."),
    within: Optional[str] = typer.Option(None, "--within", metavar="PERIOD",
                                         help="Also software reaching end of life within this period of --on "
                                              "(90d, 6w, 6m, 1y: days, weeks, calendar months, years)."),
    site: Optional[str] = SiteOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Software and operating systems past end of life, with the VMs and devices running them.

    With --within, also what reaches end of life soon (eol_status: past or upcoming); with
    --site, only software running at that site."""
    when = _on_date(on) or date.today()
    until = None
    if within is not None:
        try:
            until = add_period(when, within)
        except PeriodError as exc:
            _fail([f"error: --within: {exc}"])
    inv = _load(inventory)
    _emit_report(eol_report(inv, when, until, _site(inv, site), within), fmt)


@app.command("racks")
def racks(
    site: Optional[str] = SiteOpt,
    wide: bool = typer.Option(False, "--wide", help="Every column in the table (csv and json always have them all)."),
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Per rack: U used/free, allocated power against capacity, over-capacity flags.

    The table fits 100 columns: short names, both flags in `over` (now: typical draw over
    capacity; at max: the maximum would be). --wide prints the full column set."""
    inv = _load(inventory)
    report = racks_report(inv, _site(inv, site))
    if fmt == "table" and not wide:
        _emit_report(narrow_racks(report), fmt, max_width=NARROW_WIDTH)
    else:
        _emit_report(report, fmt)


def _fraction(name: str):
    def check(value: float) -> float:
        if not 0 < value <= 1:
            raise typer.BadParameter(f"{value:g} is not a fraction in (0, 1] (0.8 means 80 %)", param_hint=name)
        return value
    return check


@app.command("power")
def power(
    site: Optional[str] = SiteOpt,
    derate: float = typer.Option(DEFAULT_DERATE, "--derate", callback=_fraction("--derate"),
                                 help="Usable share of a rating under continuous load (NEC/IEC practice: 0.8)."),
    power_factor: float = typer.Option(DEFAULT_POWER_FACTOR, "--power-factor", callback=_fraction("--power-factor"),
                                       help="UPS watts per VA: rating W = kVA x 1000 x this."),
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Power headroom: per rack, feed and UPS the typical and max load against the derated
    capacity, and for each failed feed what its partner then carries (FAIL lines below).

    Tables (--only): racks, feeds, ups, failover."""
    inv = _load(inventory)
    _emit_set(power_report(inv, _site(inv, site), PowerPolicy(derate, power_factor)), fmt, only)


@app.command("compute")
def compute(
    site: Optional[str] = SiteOpt,
    vcpu_per_core: float = typer.Option(DEFAULT_VCPU_PER_CORE, "--vcpu-per-core", min=0.1, max=100,
                                        help="Target vCPU per core for clusters without a cluster_plans ratio."),
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Compute headroom per cluster: cores and RAM (host_capacities), vCPU and vRAM allocated,
    overcommit, and N+1 headroom with the largest host lost.

    Tables (--only): clusters, n_plus_one, hosts."""
    inv = _load(inventory)
    _emit_set(compute_report(inv, _site(inv, site), vcpu_per_core), fmt, only)


@app.command("addresses")
def addresses(
    site: Optional[str] = SiteOpt,
    vrf: Optional[str] = typer.Option(None, "--vrf", metavar="VRF", help="Only prefixes of this VRF."),
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Prefix utilisation (usable, used, free, next free address) and VLAN usage, as NetBox shows them.

    Tables (--only): prefixes, vlans, vlan_ids."""
    inv = _load(inventory)
    if vrf is not None and vrf not in inv.index("vrfs"):
        _fail([f"error: --vrf {vrf!r} is not a VRF of this inventory; valid: {', '.join(sorted(inv.index('vrfs')))}"])
    _emit_set(addresses_report(inv, _site(inv, site), vrf), fmt, only)


@app.command("space")
def space(
    site: Optional[str] = SiteOpt,
    elevation: Optional[str] = typer.Option(None, "--elevation", metavar="RACK",
                                            help="Print this rack's elevation (one line per U) instead of the table."),
    svg_dir: Optional[Path] = typer.Option(None, "--svg-dir", metavar="DIR",
                                           help="Also write <rack>.svg elevations of the racks reported into DIR."),
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Rack space: free U per rack and the largest contiguous free block; text or SVG elevations."""
    inv = _load(inventory)
    site = _site(inv, site)
    if elevation is not None:
        if elevation not in inv.index("racks"):
            _fail([f"error: --elevation {elevation!r} is not a rack of this inventory"])
        rack = inv.get("racks", elevation)
        _emit(text_elevation(next(sp for sp in rack_spaces(inv, rack.site) if sp.rack.name == elevation)))
    else:
        _emit_report(space_report(inv, site), fmt)
    if svg_dir is not None:
        spaces = [s for s in rack_spaces(inv, site) if elevation is None or s.rack.name == elevation]
        try:
            paths, changed = write_svgs(spaces, svg_dir)
        except OSError as exc:
            _fail([f"error: --svg-dir {str(svg_dir)!r}: {exc.strerror or exc}"])
        typer.echo(f"{len(paths)} rack elevation(s) in {svg_dir} ({changed} written, "
                   f"{len(paths) - changed} unchanged)", err=True)


@app.command("diff")
def diff(
    rev1: str = typer.Argument(..., help="Older git revision (commit, tag, branch)."),
    rev2: str = typer.Argument("HEAD", help="Newer git revision."),
    inventory: Optional[Path] = InventoryOpt,
    fmt: str = FormatOpt,
    exit_code: bool = typer.Option(False, "--exit-code",
                                   help="Exit 1 when the revisions differ, 0 when they do not (as git diff)."),
) -> None:
    """Records added, removed and changed in the inventory between two git revisions."""
    try:
        repo, subdir = locate(resolve_or_exit(inventory).path)
        result = diff_revisions(repo, rev1, rev2, subdir)
    except RevisionError as exc:
        _fail([f"diff error: {exc}"])
    except InventoryError as exc:
        _fail(problem_lines(exc))
    title = f"Inventory changes {rev1} ({result.commit1[:12]}) -> {rev2} ({result.commit2[:12]})"
    if fmt == "json":
        _emit(_diff_json(result))
    elif result.empty and fmt == "table":
        _emit(f"{title}: no changes\n")
    else:
        _emit(render(DiffResult.COLUMNS, result.rows(), fmt, title=title))
    if exit_code and not result.empty:
        raise typer.Exit(DIFFERENCES)
