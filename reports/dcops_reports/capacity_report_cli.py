"""`dcops capacity report`: the capacity report as one HTML file, or its tables as JSON or CSV.

The command is registered on the `dcops capacity` group with `register(app)` (capacity_cli.py
calls it), so the group's module stays a list of commands and this one keeps its options.
html_report.py builds the report; this module parses options, asks git and Prometheus,
and writes the file atomically. Exit codes: 0 written, 2 bad input (an invalid inventory,
an unknown site, a bad option, an unusable or failing --prometheus, an unwritable --out).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Optional

import typer

from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.cli_common import inventory_option, load_or_exit, resolve_or_exit
from dcops_reports.compute import DEFAULT_VCPU_PER_CORE
from dcops_reports.dr import CapacityError
from dcops_reports.forecast import DEFAULT_HORIZON_DAYS, inventory_forecast, prometheus_forecast
from dcops_reports.html_report import build, to_csv, to_html, to_json
from dcops_reports.power import DEFAULT_DERATE, DEFAULT_POWER_FACTOR, PowerPolicy
from dcops_reports.wan_usage import RangeApi, fetch_series
from dcops_slo.report_queries import PrometheusError

BAD_INPUT = 2
REPORT_FORMATS = ("html", "json", "csv")
DEFAULT_FORECAST_REVISIONS = 10  # each revision is one inventory load (about 1-3 s for MTPE)
WINDOW = re.compile(r"^([1-9][0-9]{0,3})([hdw])$")
WINDOW_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT)


def _report_format(value: str) -> str:
    if value not in REPORT_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(REPORT_FORMATS)}")
    return value


def _window(value: str) -> str:
    if not WINDOW.match(value):
        raise typer.BadParameter(f"{value!r} is not a window such as 6h, 7d or 4w")
    return value


def _fraction(name: str):
    def check(value: float) -> float:
        if not 0 < value <= 1:
            raise typer.BadParameter(f"{value:g} is not a fraction in (0, 1] (0.8 means 80 %)", param_hint=name)
        return value
    return check


def report(
    out: Optional[Path] = typer.Option(None, "--out", "-o", metavar="FILE",
                                       help="Where to write it (html: required; json: stdout when absent; csv: a "
                                            "directory receiving one <table>.csv per table, or stdout with --only)."),
    fmt: str = typer.Option("html", "--format", "-f", callback=_report_format, help="html, json or csv."),
    only: Optional[str] = typer.Option(None, "--only", metavar="TABLE", help="csv: only this table."),
    prometheus: Optional[str] = typer.Option(None, "--prometheus", metavar="URL",
                                             help="Prometheus with the rules of `dcops prometheus render`: the links' "
                                                  "utilisation against their contract, and its trend."),
    window: str = typer.Option("7d", "--window", callback=_window, help="Prometheus range plotted (6h, 7d, 4w)."),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, help="Seconds per Prometheus query."),
    forecast: bool = typer.Option(True, "--forecast/--no-forecast",
                                  help="Measure the inventory's git history for the growth forecast."),
    forecast_revisions: int = typer.Option(DEFAULT_FORECAST_REVISIONS, "--forecast-revisions", min=2, max=1000,
                                           help="Revisions of the history measured, evenly sampled."),
    horizon_days: float = typer.Option(DEFAULT_HORIZON_DAYS, "--horizon-days", min=1,
                                       help="A run-out day further away is reported as not within horizon."),
    site: Optional[str] = typer.Option(None, "--site", "-s", metavar="SITE", help="Only this site."),
    derate: float = typer.Option(DEFAULT_DERATE, "--derate", callback=_fraction("--derate"),
                                 help="Usable share of a power rating under continuous load."),
    power_factor: float = typer.Option(DEFAULT_POWER_FACTOR, "--power-factor", callback=_fraction("--power-factor"),
                                       help="UPS watts per VA."),
    vcpu_per_core: float = typer.Option(DEFAULT_VCPU_PER_CORE, "--vcpu-per-core", min=0.1, max=100,
                                        help="Target vCPU per core for clusters without a cluster_plans ratio."),
    inventory: Optional[Path] = inventory_option(),
) -> None:
    """The capacity report in one HTML file people read (or its tables as json/csv).

    Headroom tables (power with the failover line, compute with N+1, space, addresses), rack
    elevations, forecast charts and the Internet link against its contract, in one
    self-contained file written atomically."""
    if fmt == "html" and out is None:
        _fail("--out FILE is needed for the html report")
    location = resolve_or_exit(inventory)
    inv = load_or_exit(location.path)
    if site is not None and site not in inv.index("sites"):
        _fail(f"--site {site!r} is not a site of this inventory; valid: {', '.join(sorted(inv.index('sites')))}")
    wan, wan_trend = None, None
    if prometheus is not None:
        m = WINDOW.match(window)
        assert m is not None  # checked by the option's callback
        try:
            api = RangeApi(prometheus, timeout)
            wan = fetch_series(api, {c.name for c in inv.circuits}, int(m[1]) * WINDOW_SECONDS[m[2]])
            wan_trend = prometheus_forecast(api, window, horizon_days)
        except (PrometheusError, ValueError) as exc:
            _fail(str(exc))
    trend = None
    if forecast:
        def progress(i: int, n: int, commit: str) -> None:
            typer.echo(f"[{i}/{n}] measuring {commit[:12]}", err=True)
        try:
            trend = inventory_forecast(location.path, inv, forecast_revisions, horizon_days, progress=progress)
        except CapacityError as exc:
            typer.echo(f"note: no forecast: {exc}", err=True)
    result = build(inv, site, PowerPolicy(derate, power_factor), vcpu_per_core, wan, prometheus, window, trend,
                   horizon_days, wan_trend)
    names = list(result.tables)
    if only is not None and only not in result.tables:
        _fail(f"--only {only!r} is not a table of this report; valid: {', '.join(names)}")
    try:
        if fmt == "html":
            assert out is not None
            write_atomic(out, to_html(result))
            typer.echo(f"{out}: capacity report ({len(result.tables)} tables, "
                       f"{sum(len(p.charts) for p in result.parts)} charts, {len(result.elevations)} elevations)",
                       err=True)
        elif fmt == "json":
            text = to_json(result)
            if out is None:
                sys.stdout.write(text)
            else:
                write_atomic(out, text)
        elif only is not None:
            if out is None:
                sys.stdout.write(to_csv(result, only))
            else:
                write_atomic(out, to_csv(result, only))
        else:
            if out is None:
                _fail(f"csv holds one table: add --only TABLE, or --out DIR for one file per table; tables: "
                      f"{', '.join(names)}")
            assert out is not None
            for name in names:
                write_atomic(out / f"{name}.csv", to_csv(result, name))
            typer.echo(f"{out}: {len(names)} csv tables", err=True)
    except OSError as exc:
        _fail(f"--out {str(out)!r}: {exc.strerror or exc}")


def register(app: typer.Typer) -> None:
    """Mount `report` on the `dcops capacity` group."""
    app.command("report")(report)
