"""`dcops capacity forecast | whatif add | dr`: what capacity planners ask of the future.

forecast.py, whatif.py and dr.py do the work; this module only parses options and prints
their tables with the report group's renderer (table, csv with --only, json). Exit codes:
0 answered, 2 bad input (an invalid inventory, an unknown site or device type, a path
outside git, an unusable or failing --prometheus), and with `--exit-code` 1 when the
answer is "no" (devices left unplaced, DR not ready), for scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from dcops_inventory.cli_common import inventory_option, load_or_exit, resolve_or_exit
from dcops_reports.capacity_report_cli import register as register_report
from dcops_reports.compute import DEFAULT_VCPU_PER_CORE
from dcops_reports.dr import CapacityError, assess, dr_report
from dcops_reports.forecast import DEFAULT_HORIZON_DAYS, DEFAULT_MAX_REVISIONS, inventory_forecast, prometheus_forecast
from dcops_reports.output import FORMATS, render_sections
from dcops_reports.power import DEFAULT_DERATE, DEFAULT_POWER_FACTOR, PowerPolicy
from dcops_reports.reports import ReportSet
from dcops_reports.whatif import DEFAULT_PORTS, whatif_add
from dcops_slo.report_queries import PrometheusApi, PrometheusError

BAD_INPUT = 2
ANSWER_NO = 1


def _format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(FORMATS)}")
    return value


FormatOpt = typer.Option("table", "--format", "-f", callback=_format, help="table, csv or json.")
OnlyOpt = typer.Option(None, "--only", metavar="SECTION", help="Only this table (csv needs one).")
InventoryOpt = inventory_option()
ExitCodeOpt = typer.Option(False, "--exit-code", help="Exit 1 when the answer is no.")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT)


def _emit(report: ReportSet, fmt: str, only: Optional[str]) -> None:
    names = list(report.sections)
    if only is not None and only not in report.sections:
        _fail(f"--only {only!r} is not a table of this report; valid: {', '.join(names)}")
    if fmt == "csv" and only is None and len(names) > 1:
        _fail(f"csv holds one table; add --only with one of: {', '.join(names)}")
    chosen = [only] if only else names
    sections = [(k, report.sections[k].title, report.sections[k].columns, report.sections[k].rows) for k in chosen]
    sys.stdout.write(render_sections(report.title, sections, report.notes, fmt))
    sys.stdout.flush()


app = typer.Typer(no_args_is_help=True, help="Forecasts, what-if placement and DR readiness for capacity planners.")
whatif_app = typer.Typer(no_args_is_help=True, help="What if the estate changed: where would it go, or why not.")
app.add_typer(whatif_app, name="whatif")
register_report(app)  # `dcops capacity report`: the HTML/JSON/CSV report (capacity_report_cli.py)


@app.command("forecast")
def forecast(
    max_revisions: int = typer.Option(DEFAULT_MAX_REVISIONS, "--max-revisions", min=1, max=1000,
                                      help="Revisions of the inventory's git history measured, evenly sampled."),
    horizon_days: float = typer.Option(DEFAULT_HORIZON_DAYS, "--horizon-days", min=1,
                                       help="A run-out day further away is reported as not within horizon."),
    prometheus: Optional[str] = typer.Option(None, "--prometheus", metavar="URL",
                                             help="Also forecast WAN links and storage pools with predict_linear."),
    window: str = typer.Option("7d", "--window", help="Prometheus range the slope is fitted over."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Seconds per Prometheus query."),
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Growth of rack U, power, vCPU and storage, and the day each runs out.

    From the inventory's git history (sampled revisions, each loaded from a git archive
    export); with --prometheus, WAN links and storage pools too.
    Tables (--only): forecast, history, prometheus (with --prometheus)."""
    location = resolve_or_exit(inventory)
    current = load_or_exit(location.path)

    def progress(i: int, n: int, commit: str) -> None:
        typer.echo(f"[{i}/{n}] loading {commit[:12]}", err=True)

    try:
        report = inventory_forecast(location.path, current, max_revisions, horizon_days, progress=progress)
        if prometheus is not None:
            report.sections["prometheus"] = prometheus_forecast(PrometheusApi(prometheus, timeout), window,
                                                                horizon_days)
    except (CapacityError, PrometheusError, ValueError) as exc:
        _fail(str(exc))
    _emit(report, fmt, only)


@whatif_app.command("add")
def whatif(
    device_type: str = typer.Option(..., "--type", "-t", metavar="DEVICE_TYPE", help="A device_types name."),
    count: int = typer.Option(1, "--count", "-n", min=1, max=10_000, help="How many devices."),
    site: Optional[str] = typer.Option(None, "--site", "-s", metavar="SITE", help="Only racks of this site."),
    ports: int = typer.Option(DEFAULT_PORTS, "--ports", min=0, max=64, help="Switch ports each device needs."),
    derate: float = typer.Option(DEFAULT_DERATE, "--derate", min=0.01, max=1.0),
    power_factor: float = typer.Option(DEFAULT_POWER_FACTOR, "--power-factor", min=0.01, max=1.0),
    exit_code: bool = ExitCodeOpt,
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Where N devices of one type would go, or per rack and constraint why not.

    Contiguous U, A/B power with each feed's failover, cooling N+1, switch ports in the
    rack or row, management addresses. Tables (--only): plan, constraints."""
    inv = load_or_exit(inventory)
    try:
        report = whatif_add(inv, device_type, count, site, ports, PowerPolicy(derate, power_factor))
    except CapacityError as exc:
        _fail(str(exc))
    _emit(report, fmt, only)
    if exit_code and len(report.sections["plan"].rows) < count:
        raise typer.Exit(ANSWER_NO)


@app.command("dr")
def dr(
    site: Optional[str] = typer.Option(None, "--site", "-s", metavar="SITE",
                                       help="The alternate site (default: the one with role alternate_dc)."),
    vcpu_per_core: float = typer.Option(DEFAULT_VCPU_PER_CORE, "--vcpu-per-core", min=0.1, max=100,
                                        help="Target vCPU per core for clusters without a cluster_plans ratio."),
    exit_code: bool = ExitCodeOpt,
    only: Optional[str] = OnlyOpt,
    fmt: str = FormatOpt,
    inventory: Optional[Path] = InventoryOpt,
) -> None:
    """Can the alternate site carry the critical services? The shortfall per resource.

    Every tier of each critical service must have a counterpart there; vCPU, RAM, storage
    and bandwidth needed against what the site has. Tables (--only): tiers, resources."""
    inv = load_or_exit(inventory)
    try:
        assessment = assess(inv, site, vcpu_per_core)
        report = dr_report(inv, assessment=assessment)
    except CapacityError as exc:
        _fail(str(exc))
    _emit(report, fmt, only)
    if exit_code and not assessment.ready:
        raise typer.Exit(ANSWER_NO)
