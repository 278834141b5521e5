"""`dcops exporter serve`: the multi-target exporter on HOST:PORT.

The default port, 19116, lies outside the 9100-9999 range of the Prometheus wiki's
"Default port allocations" page (fully allocated to other exporters) and outside
Prometheus' own 9090-9094.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from dcops_exporters import DEFAULT_PORT
from dcops_inventory.cli_common import inventory_option, load_or_exit

app = typer.Typer(no_args_is_help=True, add_completion=False)


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise typer.BadParameter(f"expected HOST:PORT, got {value!r}", param_hint="--listen")
    return (host.strip("[]") or "0.0.0.0"), int(port)


@app.command()
def serve(
    listen: str = typer.Option(f"0.0.0.0:{DEFAULT_PORT}", help=f"HOST:PORT to listen on (default port {DEFAULT_PORT})."),
    inventory: Path | None = inventory_option(),
    address_map: Path | None = typer.Option(None, "--address-map", help="Lab address map: reach devices here instead of their inventory addresses."),
    default_timeout: float = typer.Option(10.0, help="Probe timeout when Prometheus sends no scrape-timeout header."),
    max_timeout: float = typer.Option(120.0, help="Upper bound on any probe timeout."),
    max_concurrent_probes: int = typer.Option(
        512, min=1, help="Upper bound on probes running at once. The exporter adapts the actual bound to "
                         "load (it shrinks when probes slow down) and refuses at once, with "
                         "dcops_probe_success 0, a probe that could no longer finish before its deadline."),
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
    web_config_file: Path | None = typer.Option(
        None, "--web.config.file", help="TLS and basic auth, in the Prometheus exporter-toolkit format that every "
                                        "official exporter reads (tls_server_config, http_server_config, "
                                        "basic_auth_users with bcrypt hashes). Checked at startup: any error exits 2."),
    textfile_dir: list[Path] = typer.Option(
        [], "--textfile-dir", help="Also serve the *.prom files of this directory on /metrics, read on every "
                                   "scrape, like node_exporter's textfile collector: where `dcops ansible backup` "
                                   "and `compliance` write their metrics (their default: out/metrics). "
                                   "Repeatable. Default: none."),
) -> None:
    """Serve /probe?target=<device>&module=<module> and /metrics."""
    from prometheus_client import disable_created_metrics

    from dcops_exporters.probe import Prober
    from dcops_exporters.server import Exporter
    from dcops_exporters.webconfig import WebConfigError, load_web_config
    from dcops_inventory import AddressMap

    disable_created_metrics()  # `_created` series double the exporter's own metrics for no use
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = parse_listen(listen)
    web = None
    if web_config_file is not None:
        try:
            web = load_web_config(web_config_file)
        except WebConfigError as exc:
            typer.echo(f"--web.config.file: {exc}", err=True)
            raise typer.Exit(2) from None
    textfile_dirs = [d.resolve() for d in textfile_dir]
    for directory in textfile_dirs:
        if not directory.is_dir():
            typer.echo(f"--textfile-dir: {directory}: not a directory", err=True)
            raise typer.Exit(2)
    inv = load_or_exit(inventory)
    amap = None
    if address_map is not None:
        try:
            amap = AddressMap.load(address_map)
        except (OSError, ValueError) as exc:
            typer.echo(f"--address-map: {exc}", err=True)
            raise typer.Exit(2) from None
    exporter = Exporter(Prober(inv, amap, max_concurrent_probes=max_concurrent_probes),
                        default_timeout=default_timeout, max_timeout=max_timeout, web=web,
                        textfile_dirs=textfile_dirs)
    try:
        httpd = exporter.bind(host, port)
    except OSError as exc:
        typer.echo(f"cannot listen on {host}:{port}: {exc}", err=True)
        raise typer.Exit(1) from None
    log = logging.getLogger("dcops.exporter")
    log.info("listening on %s:%d, %d devices, modules loaded", *httpd.server_address[:2], len(inv.devices))
    log.info("TLS is %s; basic auth is %s", f"enabled (min {web.tls.min_version}, client certificates: "
             f"{web.tls.client_auth_type})" if web and web.tls else "disabled",
             f"required ({len(web.users)} users)" if web and web.users else "off")
    if textfile_dirs:
        log.info("serving the *.prom files of %s on /metrics", ", ".join(map(str, textfile_dirs)))
    if web and web.users and not web.tls:
        log.warning("basic auth without TLS: passwords cross the network in clear text")
    try:
        exporter.serve_forever()
    except KeyboardInterrupt:
        pass
