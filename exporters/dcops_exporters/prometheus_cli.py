"""`dcops prometheus render`: write the Prometheus config and file_sd targets for the inventory."""

from __future__ import annotations

from pathlib import Path

import typer

from dcops_exporters import DEFAULT_PORT
from dcops_exporters.render_files import write_tree
from dcops_inventory.cli_common import inventory_option, load_or_exit
from dcops_slo.options import DEFAULT_ALERTMANAGER, DEFAULT_RUNBOOK_BASE_URL

app = typer.Typer(no_args_is_help=True, add_completion=False)

OWNED_GLOBS = ("prometheus.yml", "prometheus-shard-*.yml", "scrape-configs.yml", "scrape-configs-shard-*.yml",
               "targets/*.json", "rules/dcops-*.yml", "alertmanager.yml")


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
    fragment: bool = typer.Option(
        False, "--fragment", help="Also write scrape-configs.yml (scrape-configs-shard-K.yml with --shards): only "
                                  "the scrape_configs list, for an existing Prometheus."),
    exporter_scheme: str | None = typer.Option(
        None, help="http or https; default https when an --exporter-tls-* option is given, else http."),
    exporter_tls_ca: str | None = typer.Option(
        None, "--exporter-tls-ca", help="CA file that signed the exporter's certificate (tls_config.ca_file)."),
    exporter_tls_server_name: str | None = typer.Option(
        None, help="Name to expect in the exporter's certificate, when it is not the --exporter host."),
    exporter_tls_cert_file: str | None = typer.Option(
        None, help="Client certificate Prometheus presents (for client_auth_type RequireAndVerifyClientCert)."),
    exporter_tls_key_file: str | None = typer.Option(None, help="Key of --exporter-tls-cert-file."),
    exporter_basic_auth_user: str | None = typer.Option(None, help="Basic auth user name for the exporter."),
    exporter_basic_auth_password_file: str | None = typer.Option(
        None, help="File holding that user's password (basic_auth.password_file); the password itself is "
                   "never written into the config."),
    alertmanager: str = typer.Option(DEFAULT_ALERTMANAGER, help="HOST:PORT of the Alertmanager Prometheus sends alerts to."),
    textfile_exporter: str | None = typer.Option(
        None, help="HOST:PORT of a node_exporter whose textfile collector reads the `dcops ansible` metrics "
                   "(config backups, compliance); adds job dcops_textfile. Default: no such job, as the dcops "
                   "exporter serves them on its own /metrics (job dcops_exporter) with `dcops exporter serve "
                   "--textfile-dir`. Use one or the other for a directory, or every series is scraped twice."),
    rule_profile: str = typer.Option(
        "production", help="production, or lab: every for: 10s and rules every 5s, for the simulated data "
                           "center only."),
    runbook_base_url: str = typer.Option(
        DEFAULT_RUNBOOK_BASE_URL, help="Alerts' runbook_url is <this>/<component>/<AlertName>.md."),
    alert_webhook: str | None = typer.Option(
        None, help="Webhook every page and ticket receiver of alertmanager.yml posts to (written into the "
                   "file: use a relay, not a URL with a token). Default: receivers notify nobody."),
    watchdog_webhook: str | None = typer.Option(
        None, help="Dead man's switch the MonitoringWatchdog heartbeat is sent to every minute."),
) -> None:
    """Render Prometheus config from the inventory: same inventory, byte-identical output.

    One probe job per module and interval (dcops_if_mib_15s, ...), from the inventory's scrape_tiers;
    the availability rules (rules/dcops-*.yml) and alertmanager.yml from its goals and redundancy groups.
    """
    from dcops_exporters.prometheus_access import ExporterAccess
    from dcops_exporters.prometheus_render import RenderOptions, render_rules
    from dcops_exporters.prometheus_render import render as render_files
    from dcops_slo import RuleOptions

    inv = load_or_exit(inventory)
    try:
        access = ExporterAccess(exporter_scheme, exporter_tls_ca, exporter_tls_server_name, exporter_tls_cert_file,
                                exporter_tls_key_file, exporter_basic_auth_user, exporter_basic_auth_password_file)
        opts = RenderOptions(exporter=exporter, shards=shards, remote_write=tuple(remote_write),
                             scrape_interval=scrape_interval, scrape_timeout=scrape_timeout, access=access,
                             fragment=fragment, alertmanager=alertmanager, textfile_exporter=textfile_exporter,
                             rules=RuleOptions(rule_profile, runbook_base_url, alert_webhook, watchdog_webhook))
        files = {**render_files(inv, opts), **render_rules(inv, opts)}
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    changed, removed = write_tree(out, files, OWNED_GLOBS)
    typer.echo(f"{out}: {len(files)} files ({len(changed)} changed, {len(removed)} stale removed)")
