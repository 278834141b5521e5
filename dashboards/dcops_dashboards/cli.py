"""`dcops dashboards render --out DIR`: Grafana dashboards and provisioning files from the inventory.

    DIR/dashboards/dcops-<name>.json              fleet, bandwidth, slo, redundancy, capacity
    DIR/provisioning/datasources/prometheus.yml   the Prometheus datasource
    DIR/provisioning/dashboards/dcops.yml         the provider that loads DIR/dashboards

Files are written atomically and only when their bytes change; a dashboard file of ours
that this render no longer produces is removed. Exit 2 on bad input (inventory, options).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from dcops_dashboards.context import DashboardOptions
from dcops_dashboards.render import DASHBOARD_GLOB, DASHBOARDS, dashboard_file, render_dashboards
from dcops_dashboards.validate import panel_count
from dcops_inventory.atomicfile import write_atomic
from dcops_inventory.cli_common import EXIT_BAD_INPUT, inventory_option, load_or_exit

app = typer.Typer(no_args_is_help=True, add_completion=False)
DEFAULTS = DashboardOptions()


def write_files(out: Path, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Write every file under `out`; remove dashboards of ours this render did not produce. (changed, removed)"""
    changed = [rel for rel, data in sorted(files.items()) if write_atomic(out / rel, data)]
    removed = []
    for path in sorted(out.glob(DASHBOARD_GLOB)):
        rel = path.relative_to(out).as_posix()
        if rel not in files:
            path.unlink()
            removed.append(rel)
    return changed, removed


@app.command()
def render(
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write dashboards/ and provisioning/ into."),
    inventory: Path | None = inventory_option(),
    prometheus_url: str = typer.Option(DEFAULTS.prometheus_url, help="URL Grafana reaches Prometheus at."),
    dashboards_path: str = typer.Option(DEFAULTS.dashboards_path,
                                        help="Where the dashboards/*.json files are on Grafana's machine."),
    datasource_uid: str = typer.Option(DEFAULTS.datasource_uid, help="uid of the provisioned Prometheus datasource."),
    datasource_name: str = typer.Option(DEFAULTS.datasource_name, help="Name of the provisioned datasource."),
    folder: str = typer.Option(DEFAULTS.folder, help="Grafana folder the dashboards go into."),
) -> None:
    """Render Grafana dashboards and provisioning files from the inventory: same inventory, same bytes."""
    inv = load_or_exit(inventory)
    try:
        options = DashboardOptions(prometheus_url, dashboards_path, datasource_uid, datasource_name, folder)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    files = render_dashboards(inv, options)
    changed, removed = write_files(out, files)
    typer.echo(f"{out}: {len(files)} files ({len(changed)} changed, {len(removed)} stale removed)")
    for name in DASHBOARDS:
        data = json.loads(files[dashboard_file(name)])
        typer.echo(f"  {dashboard_file(name)}: {data['title']!r}, {panel_count(data)} panels")
