"""The single `dcops` command. Each domain package owns its sub-command group; this module
only mounts them, so a group is added by writing its package, never by editing a chain here."""

from __future__ import annotations

import importlib

import typer

from dcops import __version__

# group name -> (module holding a typer app called `app`, one-line help)
GROUPS: dict[str, tuple[str, str]] = {
    "inventory": ("dcops_inventory.cli", "Validate, query and report on the inventory."),
    "ansible": ("dcops_ansible.cli", "Ansible inventory, config backup and compliance."),
    "exporter": ("dcops_exporters.cli", "Run the multi-target Prometheus exporter."),
    "prometheus": ("dcops_exporters.prometheus_cli", "Render Prometheus config from the inventory."),
    "stack": ("dcops_stacks.cli", "Pulumi stacks for the primary and alternate data centers."),
    "lab": ("dcops_lab.cli", "Run the simulated data center on this machine."),
    "capacity": ("dcops_capacity.cli", "Capacity planning reports."),
    "availability": ("dcops_availability.cli", "Availability against the declared goals."),
    "slo": ("dcops_slo.cli", "Service level objectives and their rules."),
}

app = typer.Typer(
    name="dcops",
    help="Infrastructure as code and monitoring for a data center, derived from one inventory.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dcops {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """dcops: the inventory under inventory/ is the single source of truth."""


def _mount_groups() -> None:
    for name, (module_name, help_text) in GROUPS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # Only a group whose own package is absent is skipped; a broken import inside it is a bug.
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        app.add_typer(module.app, name=name, help=help_text)


_mount_groups()


def main() -> None:
    app()
