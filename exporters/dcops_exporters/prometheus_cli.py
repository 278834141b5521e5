"""`dcops prometheus render`: write the Prometheus config and file_sd targets for the inventory."""

from __future__ import annotations

from pathlib import Path

import typer

from dcops_exporters import DEFAULT_PORT
from dcops_exporters.render_files import write_tree
from dcops_inventory.cli_common import inventory_option, load_or_exit

app = typer.Typer(no_args_is_help=True, add_completion=False)

OWNED_GLOBS = ("prometheus.yml", "prometheus-shard-*.yml", "targets/*.json")


@app.command()
def render(
    out: Path = typer.Option(..., "--out", help="Directory for prometheus.yml, targets/ and rules/."),
    inventory: Path | None = inventory_option(),
    exporter: str = typer.Option(f"localhost:{DEFAULT_PORT}", help="HOST:PORT of the dcops exporter Prometheus scrapes."),
    shards: int = typer.Option(1, min=1, help="Split targets across N Prometheus servers (hashmod on the device name)."),
    remote_write: list[str] = typer.Option([], "--remote-write", help="remote_write URL (Thanos, Mimir, VictoriaMetrics); repeatable."),
    scrape_interval: str | None = typer.Option(
        None, help="Override every scrape tier's interval (e.g. 2s for tests); default: the inventory's "
                   "scrape_tiers, else 30s."),
    scrape_timeout: str | None = typer.Option(
        None, help="Override every scrape tier's timeout, the exporter's probe deadline; default: the "
                   "tier's timeout, else min(10s, interval)."),
) -> None:
    """Render Prometheus config from the inventory: same inventory, byte-identical output.

    One probe job per module and interval (dcops_if_mib_15s, ...), from the inventory's scrape_tiers.
    """
    from dcops_exporters.prometheus_render import RenderOptions
    from dcops_exporters.prometheus_render import render as render_files

    inv = load_or_exit(inventory)
    try:
        opts = RenderOptions(exporter=exporter, shards=shards, remote_write=tuple(remote_write),
                             scrape_interval=scrape_interval, scrape_timeout=scrape_timeout)
        files = render_files(inv, opts)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    changed, removed = write_tree(out, files, OWNED_GLOBS)
    typer.echo(f"{out}: {len(files)} files ({len(changed)} changed, {len(removed)} stale removed)")
