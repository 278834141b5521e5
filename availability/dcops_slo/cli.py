"""`dcops slo rules`: the availability goals as the rules see them, with their burn-rate factors.
`dcops slo report`: the goals against what a running Prometheus recorded (report.py).

The rule files themselves are written by `dcops prometheus render` (they need to know
what the Prometheus config scrapes); `rules` shows the numbers those rules use, per
goal: the error budget, and for each burn-rate pair the factor derived from the goal's
window and the error ratio at which it fires.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import typer

from dcops_inventory import Inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.cli_common import EXIT_BAD_INPUT, inventory_option, load_or_exit
from dcops_inventory.models.monitoring import duration_ms
from dcops_slo.report import FORMATS as REPORT_FORMATS
from dcops_slo.report import build_report, parse_time, parse_window, render
from dcops_slo.report_queries import PrometheusApi, PrometheusError
from dcops_slo.windows import BURN_PAIRS, burn_thresholds, decimal_text, error_budget, window_text

app = typer.Typer(no_args_is_help=True, add_completion=False)
FORMATS = ("table", "json")


def _subjects(inv: Inventory, goal_name: str, listed: list[str]) -> list[str]:
    return sorted(set(listed) | {s.name for s in inv.services if s.availability_goal == goal_name})


def slo_table(inv: Inventory) -> list[dict]:
    """One row per goal: target, window, budget and every burn pair's factor and threshold."""
    rows = []
    for goal in sorted(inv.availability_goals, key=lambda g: g.name):
        budget = error_budget(goal.target_percent)
        rows.append({
            "goal": goal.name,
            "scope": goal.scope,
            "subjects": _subjects(inv, goal.name, goal.subjects),
            "target_percent": decimal_text(Decimal(str(goal.target_percent))),
            "window": window_text(goal.window_days),
            "error_budget": decimal_text(budget),
            "budget_minutes": round(goal.allowed_downtime_minutes, 1),
            "burn": [{"severity": t.pair.severity, "long_window": t.pair.long_window,
                      "short_window": t.pair.short_window, "factor": decimal_text(t.factor),
                      "error_ratio": decimal_text(t.error_ratio), "clamped": t.clamped}
                     for t in burn_thresholds(goal.target_percent, goal.window_days)],
        })
    return rows


def _print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("goal", "scope", "subjects", "target", "window", "budget"):
        table.add_column(column)
    for pair in BURN_PAIRS:
        table.add_column(f"{'page' if pair.severity == 'critical' else 'ticket'} {pair.long_window}/{pair.short_window}",
                         justify="right")
    for row in rows:
        subjects = row["subjects"]
        shown = ", ".join(subjects) if len(subjects) <= 3 else f"{len(subjects)} services"
        table.add_row(row["goal"], row["scope"], shown, f"{row['target_percent']}%", row["window"],
                      f"{row['budget_minutes']} min",
                      *[f"{b['factor']}x{'*' if b['clamped'] else ''}" for b in row["burn"]])
    console = Console(width=200)
    console.print(table)
    if any(b["clamped"] for row in rows for b in row["burn"]):
        console.print("* clamped: the Workbook factor needs an error ratio above 1; fires on a complete outage")


@app.command()
def rules(
    inventory: Path | None = inventory_option(),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Print every availability goal with its error budget and burn-rate factors."""
    if format not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}, got {format!r}", err=True)
        raise typer.Exit(2)
    rows = slo_table(load_or_exit(inventory))
    if format == "json":
        typer.echo(json.dumps(rows, indent=2))
    else:
        _print_table(rows)


@app.command()
def report(
    prometheus: str = typer.Option(..., "--prometheus", metavar="URL",
                                   help="Root URL of the Prometheus that evaluates the dcops rules."),
    window: str | None = typer.Option(None, "--window", metavar="DURATION",
                                      help="Prometheus duration (30d, 1w, 12h) for every goal. "
                                           "Default: each goal's own window."),
    format: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
    top: int = typer.Option(5, "--top", min=0, help="Components shown per subject, most downtime first."),
    at: str | None = typer.Option(None, "--at", metavar="TIME",
                                  help="Evaluate at this RFC 3339 time (2026-05-01T12:00:00Z) or Unix "
                                       "seconds. Default: now."),
    timeout: str = typer.Option("30s", "--timeout", metavar="DURATION", help="Limit for each Prometheus call."),
    out: Path | None = typer.Option(None, "--out", metavar="FILE",
                                    help="Write the report to FILE (atomically) instead of stdout."),
    inventory: Path | None = inventory_option(),
) -> None:
    """Each goal against Prometheus: achieved, budget allowed/spent/remaining, what spent it.

    Reads the SLI recording rules that `dcops prometheus render` writes; they record only since they were loaded.

    Each figure comes with its coverage of the window; a subject with nothing recorded is "no data", never 100%.

    Exit 2 on bad input, an unreachable Prometheus or an error it answers."""
    try:
        if format not in REPORT_FORMATS:
            raise ValueError(f"--format must be one of {', '.join(REPORT_FORMATS)}, got {format!r}")
        if window is not None:
            parse_window(window)
        try:
            timeout_seconds = duration_ms(timeout) / 1000
        except ValueError as exc:
            raise ValueError(f"--timeout: {exc}") from None
        when = parse_time(at) if at is not None else time.time()
        api = PrometheusApi(prometheus, timeout_seconds)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    inv = load_or_exit(inventory)
    try:
        text = render(build_report(inv, api, when, window, top), format)
    except PrometheusError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if out is not None:
        write_atomic(out, text)
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(text, nl=False)
