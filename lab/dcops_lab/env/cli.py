"""The environment commands of `dcops lab`: up, status (of an environment), fail, heal, alerts, down.

Mounted on the `dcops lab` group by `dcops_lab.cli` (`register`). Exit codes: 0 done (an
`up` that finds the lab up included), 1 the lab is not up or a process failed, 2 bad
input (a taken port, an unknown device, a fault that does not fit).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from dcops_inventory.cli_common import EXIT_BAD_INPUT, inventory_option, load_or_exit
from dcops_lab.env.state import ENV_VAR, LabState, LabStateError, default_state_dir, locked

console = Console(highlight=False)
BUDGET_ROWS = 10
FORMATS = ("table", "json")
STATE_DIR_HELP = f"The lab's state directory. Default: ${ENV_VAR}, else out/lab-env in the checkout."


def state_dir_option():
    return typer.Option(None, "--state-dir", help=STATE_DIR_HELP, show_default=False)


def _exit(msg: str, code: int = 1) -> None:
    typer.echo(f"dcops lab: {msg}", err=True)
    raise typer.Exit(code)


def _running_state(state_dir: Path) -> LabState:
    try:
        state = LabState.load(state_dir)
    except LabStateError as exc:
        _exit(str(exc))
    if state is None or not state.ready:
        _exit(f"no lab is up in {state_dir} (`dcops lab up` starts one)")
    assert state is not None
    return state


def up(
    inventory: Path = inventory_option(),
    state_dir: Path | None = state_dir_option(),
    exporter_port: int = typer.Option(19116, help="The dcops exporter's port on 127.0.0.1."),
    prometheus_port: int = typer.Option(19090, help="Prometheus' port on 127.0.0.1."),
    alertmanager_port: int = typer.Option(19093, help="Alertmanager's port on 127.0.0.1."),
    webhook_port: int = typer.Option(19095, help="The webhook receiver's port on 127.0.0.1."),
    scrape_interval: str | None = typer.Option(
        None, help="Scrape every target this often (e.g. 5s); default: the inventory's scrape tiers."),
    scrape_timeout: str | None = typer.Option(None, help="Override every tier's scrape timeout."),
    retention: str = typer.Option("2d", help="How long Prometheus keeps the lab's samples."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the first scrape of every target."),
) -> None:
    """Start the simulated data center with its monitoring, and keep it running.

    The switch fleet over SSH, the SNMP agents, the dcops exporter, Prometheus with the
    rendered rules (lab profile: short for: and intervals), Alertmanager and a webhook
    receiver that records every notification, all on 127.0.0.1. Running it again starts
    nothing; a taken port is refused before anything starts (exit 2)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from dcops_lab.env.up import LabInputError, LabPorts, LabUpError, UpOptions, bring_up
    from dcops_lab.env.up import Progress as UpProgress

    inv = load_or_exit(inventory)
    opts = UpOptions(state_dir or default_state_dir(), LabPorts(exporter_port, prometheus_port, alertmanager_port,
                                                                webhook_port),
                     scrape_interval, scrape_timeout, retention, wait)
    console.print(f"[bold]dcops lab up[/]: {inv.meta.title} — state in {opts.state_dir}")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("checking", total=None)

        def done(name: str, detail: str, seconds: float) -> None:
            bar.console.print(f"[green]✓[/] {name} ({seconds:.1f} s): {detail}")
            bar.advance(task)

        report = UpProgress(plan=lambda names: bar.update(task, total=len(names)),
                            start=lambda name: bar.update(task, description=name), done=done)
        try:
            state, already = bring_up(inv, opts, report)
        except LabInputError as exc:
            _exit(str(exc), EXIT_BAD_INPUT)
        except (LabUpError, LabStateError) as exc:
            _exit(f"{exc}; everything it had started is stopped")
    if already:
        console.print(f"already up in {state.state_dir} (inventory {state.inventory}); nothing started")
    else:
        console.print(f"lab up: {len(state.components)} processes")
    for name, url in ((n, c.url) for n, c in state.components.items() if c.url):
        console.print(f"  {name:<14} {url}")
    console.print(f"  address map    {state.root / 'address-map.yaml'}  (passwords: source {state.root / 'secrets.env'})")
    console.print("next: dcops lab status | dcops lab fail NAME | dcops lab heal | dcops lab down")


def _when(epoch: float | None) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%H:%M:%S") if epoch else "-"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        _exit(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", EXIT_BAD_INPUT)


def show_status(state_dir: Path, fmt: str) -> None:
    from dcops_lab.env.status import lab_status

    _check_format(fmt)
    status = lab_status(_running_state(state_dir))
    if fmt == "json":
        typer.echo(status.to_json())
    else:
        _print_status(status)
    if not all(p["running"] for p in status.processes):
        raise typer.Exit(1)


def _print_status(status) -> None:
    running = sum(p["running"] for p in status.processes)
    console.print(f"[bold]lab[/] {status.inventory} in {status.state_dir}: {running}/{len(status.processes)} "
                  "processes running")
    for p in status.processes:
        if not p["running"]:
            console.print(f"  [red]not running[/]: {p['name']} (pid {p['pid']})")
    for name, url in status.urls.items():
        console.print(f"  {name:<14} {url}")
    if status.prometheus_error:
        console.print(f"[red]Prometheus does not answer[/]: {status.prometheus_error}")
    else:
        targets = Table("job", "targets", "scraped", "answering", "silent", title="Targets")
        for j in status.jobs:
            silent = ", ".join(j.silent[:6]) + (f" (+{len(j.silent) - 6})" if len(j.silent) > 6 else "")
            targets.add_row(j.job, str(j.targets), f"{j.scraped_up}/{j.targets}",
                            "-" if j.answering is None else f"{j.answering}/{j.targets}", silent or "-")
        console.print(targets)
        alerts = Table("state", "alert", "severity", "labels", "since", title="Alerts")
        for a in status.alerts:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(a["labels"].items()) if k not in ("dcops_inventory",))
            colour = "red" if a["state"] == "firing" else "yellow"
            alerts.add_row(f"[{colour}]{a['state']}[/]", a["alertname"], a["severity"], labels,
                           (a["since"] or "")[11:19])
        console.print(alerts if status.alerts else "Alerts: none pending or firing")
        if status.budgets:
            budgets = Table("goal", "subject", "error budget left", title="SLO error budgets (least left first)")
            for b in status.budgets[:BUDGET_ROWS]:
                budgets.add_row(b["slo"], f"{b['subject_kind']} {b['subject']}".strip(), _percent(b["remaining"]))
            console.print(budgets)
            if len(status.budgets) > BUDGET_ROWS:
                console.print(f"  ... and {len(status.budgets) - BUDGET_ROWS} more (--format json lists all)")
        if status.circuits:
            circuits = Table("circuit", "direction", "now", "committed", "utilisation now", "5m (rules)",
                             title="Circuits against their contracted rate")
            for c in status.circuits:
                now = "-" if c.now_mbps is None else f"{c.now_mbps:.1f} Mbps"
                circuits.add_row(c.circuit, c.direction, now, f"{c.committed_mbps:g} Mbps", _percent(c.utilisation_now),
                                 _percent(c.utilisation_5m))
            console.print(circuits)
    faults = ", ".join(f"{f['target']} {f['kind']} since {_when(f['since'])}" for f in status.faults)
    console.print(f"Faults injected: {faults or 'none'}")
    console.print(f"Webhook receiver: {status.notifications} notifications")
    for e in status.recent_events[-5:]:
        console.print(f"  {_when(e['received'])} {e['receiver']}: {e['status']} {e['alertname']} "
                      f"{e['labels'].get('redundancy_group') or e['labels'].get('instance') or ''}")


def fail(
    name: str = typer.Argument(..., help="A device or circuit of the lab's inventory."),
    fault: str | None = typer.Option(
        None, "--fault", help="down (a device's default), saturated (a circuit's default), ups_on_battery, "
                              "cooling_alarm, fan_failure or pool_filling."),
    state_dir: Path | None = state_dir_option(),
) -> None:
    """Break the running lab: stop a device, saturate a link, put a UPS on battery, ..."""
    from dcops_lab.env.faults import FaultInputError
    from dcops_lab.env.faults import fail as inject

    directory = state_dir or default_state_dir()
    _running_state(directory)  # before the lock, which would create the directory
    with locked(directory):
        state = _running_state(directory)
        inv = load_or_exit(state.inventory)
        try:
            typer.echo(inject(state, inv, name, fault))
        except FaultInputError as exc:
            _exit(str(exc), EXIT_BAD_INPUT)
        except RuntimeError as exc:
            _exit(str(exc))


def heal(
    names: list[str] = typer.Argument(None, help="Devices or circuits to heal; none: every fault injected."),
    state_dir: Path | None = state_dir_option(),
) -> None:
    """Mend what `dcops lab fail` broke."""
    from dcops_lab.env.faults import FaultInputError
    from dcops_lab.env.faults import heal as mend

    directory = state_dir or default_state_dir()
    _running_state(directory)
    with locked(directory):
        state = _running_state(directory)
        inv = load_or_exit(state.inventory)
        try:
            for line in mend(state, inv, names or None):
                typer.echo(line)
        except FaultInputError as exc:
            _exit(str(exc), EXIT_BAD_INPUT)
        except RuntimeError as exc:
            _exit(str(exc))


def alerts(
    state_dir: Path | None = state_dir_option(),
    last: int = typer.Option(20, help="Show the last N alert notifications."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """What the webhook receiver got from Alertmanager: one row per alert per notification."""
    from dcops_lab.env.up import NOTIFICATIONS
    from dcops_lab.env.webhook import alert_events, read_notifications

    _check_format(fmt)
    directory = state_dir or default_state_dir()
    events = alert_events(read_notifications(directory / NOTIFICATIONS))[-last:] if last > 0 else []
    if fmt == "json":
        typer.echo(json.dumps(events, indent=2, sort_keys=True))
        return
    table = Table("received", "receiver", "status", "alert", "labels", title=f"Notifications ({directory / NOTIFICATIONS})")
    for e in events:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(e["labels"].items()) if k not in ("alertname", "dcops_inventory"))
        table.add_row(_when(e["received"]), e["receiver"] or "", e["status"] or "", e["alertname"] or "", labels)
    console.print(table)


def down(state_dir: Path | None = state_dir_option()) -> None:
    """Stop every process `dcops lab up` started (by PID and process group), even if some died."""
    from dcops_lab.env.processes import StopError
    from dcops_lab.env.up import bring_down

    directory = state_dir or default_state_dir()
    try:
        state = bring_down(directory, lambda name, outcome: console.print(f"  {name}: {outcome}"))
    except (StopError, LabStateError) as exc:
        _exit(str(exc))
    if state is None:
        console.print(f"no lab recorded in {directory}; nothing to stop")
        return
    console.print(f"lab down: {len(state.components)} processes stopped; logs and notifications stay in {directory}")


def register(app: typer.Typer) -> None:
    app.command()(up)
    app.command()(fail)
    app.command()(heal)
    app.command()(alerts)
    app.command()(down)
