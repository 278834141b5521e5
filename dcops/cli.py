"""The single `dcops` command. Each domain package owns its sub-command group; this module
only mounts them, so a group is added by writing its package, never by editing a chain here.

A group whose package is not installed at all (the planned availability and slo groups
today) stays hidden. A group whose package is there but does not import - a missing
dependency, a missing module, an error inside it - is a broken install: it stays listed,
marked broken, every `dcops` run warns about it on stderr, and running it exits 1 with the
import error instead of silently disappearing.
"""

from __future__ import annotations

import importlib

import typer

from dcops import __version__

# group name -> (module holding a typer app called `app`, one-line help)
GROUPS: dict[str, tuple[str, str]] = {
    "inventory": ("dcops_inventory.cli", "Validate and summarise the inventory."),
    "ansible": ("dcops_ansible.cli", "Ansible inventory, config backup and compliance."),
    "exporter": ("dcops_exporters.cli", "Run the multi-target Prometheus exporter."),
    "prometheus": ("dcops_exporters.prometheus_cli", "Render Prometheus config from the inventory."),
    "stack": ("dcops_stacks.cli", "Pulumi stacks for the primary and alternate data centers."),
    "lab": ("dcops_lab.cli", "Run the simulated data center on this machine."),
    "report": ("dcops_reports.cli", "Queries, tables and reports for capacity planners."),
    "capacity": ("dcops_reports.capacity_cli", "Forecasts, what-if placement and DR readiness for capacity planners."),
    "availability": ("dcops_availability.cli", "Availability against the declared goals."),
    "slo": ("dcops_slo.cli", "Service level objectives and their rules."),
    "dashboards": ("dcops_dashboards.cli", "Grafana dashboards and provisioning from the inventory."),
}
EXIT_BROKEN = 1
REINSTALL = "reinstall with scripts/bootstrap.sh"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dcops {__version__}")
        raise typer.Exit()


def import_group(module_name: str):
    """The group's module; None when its package is absent; raises when it is there but broken."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name.partition(".")[0]:
            return None  # the group's own package is not installed: a planned group
        raise


def _mount_broken(app: typer.Typer, name: str, help_text: str, reason: str) -> None:
    @app.command(name, help=f"BROKEN: {help_text} ({reason})", short_help=f"BROKEN: {reason}", add_help_option=False,
                 context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def broken(ctx: typer.Context) -> None:
        typer.echo(f"dcops {name}: this install is broken: {reason}; {REINSTALL}", err=True)
        raise typer.Exit(EXIT_BROKEN)


def make_app(groups: dict[str, tuple[str, str]] = GROUPS) -> typer.Typer:
    app = typer.Typer(
        name="dcops",
        help="Infrastructure as code and monitoring for a data center, derived from one inventory.\n\n"
             "Every command reads the inventory given with -i/--inventory, else $DCOPS_INVENTORY, "
             "else the embedded MTPE one (inventory/mtpe).",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
    )
    broken: dict[str, str] = {}

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                     help="Print the version and exit."),
    ) -> None:
        """dcops: the inventory under inventory/ is the single source of truth."""
        for name, reason in broken.items():
            typer.echo(f"dcops: warning: command group {name!r} is broken: {reason}; {REINSTALL}", err=True)

    for name, (module_name, help_text) in groups.items():
        try:
            module = import_group(module_name)
        except Exception as exc:  # ImportError, SyntaxError, or anything its import raised
            broken[name] = f"cannot import {module_name}: {type(exc).__name__}: {exc}"
            _mount_broken(app, name, help_text, broken[name])
            continue
        if module is not None:
            app.add_typer(module.app, name=name, help=help_text)
    return app


def __getattr__(name: str) -> typer.Typer:
    """`app` is built on first use, not at import: mounting every group imports them all
    (~1 s), which `main` skips when the store answers a `report query` on its own."""
    if name == "app":
        built = globals()["app"] = make_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    import sys

    argv = sys.argv[1:]
    if argv[:2] == ["report", "query"]:
        # A repeated query on an unchanged inventory, answered from its compiled store before
        # any group is imported (dcops_reports/quick.py); None leaves it to the full command.
        from dcops_reports.quick import answer

        status = answer(argv[2:])
        if status is not None:
            sys.exit(status)
    __getattr__("app")()
