"""`dcops availability`: each service's expected availability against its goal, today and planned.

A report: it exits 0 whatever the figures say, unless `--fail-on-miss` asks CI to fail (1)
when a service shown misses its goal in a scenario shown. Bad input (an unknown site, an
inventory that does not validate, a diagram that cannot be built) exits 2 with the reason.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from dcops_availability.figures import DEFAULT_BETA
from dcops_availability.graph import GraphError
from dcops_availability.report import ReportError, build_report, render
from dcops_inventory.cli_common import EXIT_BAD_INPUT, inventory_option, load_or_exit

EXIT_MISSED = 1

app = typer.Typer(add_completion=False, help="Availability against the declared goals.")


class Scenario(str, Enum):
    both = "both"
    today = "today"
    planned = "planned"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.callback(invoke_without_command=True)
def availability_cmd(
    site: str = typer.Option(None, "--site", "-s", metavar="SITE",
                             help="Only the services that run at this site in a scenario shown."),
    scenario: Scenario = typer.Option(Scenario.both, "--scenario",
                                      help="today: the estate as it is; planned: the new primary + alternate "
                                           "pair (inventory/mtpe/planned); both: side by side."),
    format: Format = typer.Option(Format.table, "--format", "-f"),
    beta: float = typer.Option(DEFAULT_BETA, "--beta", min=0.0, max=0.99,
                               help="Common-cause share of a redundant group's failures (beta-factor model)."),
    top: int = typer.Option(3, "--spofs", min=0, help="Single points of failure shown per service in the table."),
    fail_on_miss: bool = typer.Option(False, "--fail-on-miss",
                                      help="Exit 1 when a service shown misses its goal in a scenario shown."),
    inventory: Path = inventory_option(),
) -> None:
    """Expected availability of every service from the inventory's dependency graph (series,
    k-of-n, common cause), against its goal, with its single points of failure.

    Component figures come from the inventory's declared `reliability`, else documented
    per-type defaults (`--format json` lists them with their sources)."""
    inv = load_or_exit(inventory)
    scenarios = ("today", "planned") if scenario is Scenario.both else (scenario.value,)
    try:
        report = build_report(inv, scenarios, beta, site)
    except (ReportError, GraphError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    sys.stdout.write(render(report, format.value, top))
    if fail_on_miss and any(report.missing(s) for s in scenarios):
        raise typer.Exit(EXIT_MISSED)
