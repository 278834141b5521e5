"""`dcops lab ...`: run the simulated data center on this machine (loopback only).

    dcops lab run [--workdir DIR]                             # the whole toolchain, start to stop

    dcops lab up [--inventory PATH]                          # the data center and its monitoring, kept running
    dcops lab status [--format json] | dcops lab alerts
    dcops lab fail NAME [--fault KIND] | dcops lab heal [NAME ...]
    dcops lab down                                           # stops every process `up` started

    dcops lab start [--inventory PATH] [--device NAME ...]   # the switch fleet alone, in the background
    dcops lab status --state-dir out/lab | dcops lab stop
    dcops lab device-stop NAME / device-start NAME           # make one switch fail, bring it back
"""

from __future__ import annotations

from pathlib import Path

import typer

from dcops_inventory.cli_common import inventory_option, load_or_exit, resolve_or_exit
from dcops_lab.env.cli import register as register_environment
from dcops_lab.fakenos.process import DEFAULT_STATE_DIR, LabError, LabFleet, control, pid_alive, read_manifest, stop_pid

app = typer.Typer(no_args_is_help=True, add_completion=False)
register_environment(app)

STATE_DIR = typer.Option(DEFAULT_STATE_DIR, "--state-dir", help="Where the lab keeps its address map and socket.")


def _fail(msg: str) -> None:
    typer.echo(f"dcops lab: {msg}", err=True)
    raise typer.Exit(1)


@app.command()
def start(
    inventory: Path = inventory_option(),
    device: list[str] = typer.Option(None, "--device", "-d", help="Serve only these devices."),
    base_port: int = typer.Option(None, "--base-port", help="Consecutive ports from here (default: free ports)."),
    state_dir: Path = STATE_DIR,
) -> None:
    """Start the FakeNOS switch fleet in the background."""
    fleet = LabFleet(state_dir, inventory=resolve_or_exit(inventory).path, devices=device or [], base_port=base_port)
    try:
        fleet.start()
    except LabError as exc:
        _fail(str(exc))
    manifest = fleet.manifest()
    typer.echo(f"lab running (pid {manifest['pid']}): {len(manifest['devices'])} devices in "
               f"{manifest['started_in_s']}s; address map: {fleet.address_map_path}")
    if (state_dir / "secrets.env").exists():
        typer.echo(f"generated lab passwords: source {state_dir / 'secrets.env'}")


@app.command()
def status(
    state_dir: Path | None = typer.Option(
        None, "--state-dir", show_default=False,
        help="A lab's state directory: one `dcops lab up` made (default: $DCOPS_LAB_STATE_DIR, else out/lab-env "
             "in the checkout) or one `dcops lab start` made (out/lab when no `up` lab exists)."),
    fmt: str = typer.Option("table", "--format", help="table or json (a lab made by `up`)."),
) -> None:
    """Show the running lab: targets, alerts, error budgets, circuits.

    For a lab made by `dcops lab up`, what its Prometheus says (exit 1 when one of its
    processes has died); for a fleet made by `dcops lab start`, which devices are up."""
    from dcops_lab.env.cli import show_status
    from dcops_lab.env.state import STATE_FILE, default_state_dir

    chosen = state_dir or default_state_dir()
    if (chosen / STATE_FILE).exists():
        return show_status(chosen, fmt)
    if state_dir is None and read_manifest(DEFAULT_STATE_DIR) is None:
        _fail(f"no lab is up in {chosen} (`dcops lab up` starts one) and no fleet in {DEFAULT_STATE_DIR}")
    _fleet_status(state_dir or DEFAULT_STATE_DIR)


def _fleet_status(state_dir: Path) -> None:
    manifest = read_manifest(state_dir)
    if not manifest or not pid_alive(manifest["pid"]):
        _fail(f"no lab running in {state_dir}")
    try:
        running = control(state_dir, "status")["running"]
    except LabError as exc:
        _fail(str(exc))
    for name, info in sorted(manifest["devices"].items()):
        state = "up" if running.get(name) else "down"
        typer.echo(f"{name:<24} {info['platform']:<12} 127.0.0.1:{info['port']:<6} {state}")
    typer.echo(f"{sum(running.values())}/{len(running)} up")


@app.command()
def stop(state_dir: Path = STATE_DIR) -> None:
    """Stop the fleet and every process it started."""
    manifest = read_manifest(state_dir)
    if not manifest:
        _fail(f"no lab running in {state_dir}")
    stop_pid(manifest["pid"])
    typer.echo(f"lab stopped (pid {manifest['pid']})")


def _device_control(action: str, name: str, state_dir: Path) -> None:
    manifest = read_manifest(state_dir)
    if not manifest or not pid_alive(manifest["pid"]):
        _fail(f"no lab running in {state_dir} (`dcops lab start` starts one)")
    if name not in manifest["devices"]:
        typer.echo(f"dcops lab: unknown device {name!r}: the lab in {state_dir} serves "
                   f"{len(manifest['devices'])} devices (`dcops lab status` lists them)", err=True)
        raise typer.Exit(2)
    try:
        control(state_dir, f"{action} {name}")
    except LabError as exc:
        _fail(str(exc))
    typer.echo(f"{name} {action}ped" if action == "stop" else f"{name} {action}ed")


@app.command("device-stop")
def device_stop(name: str, state_dir: Path = STATE_DIR) -> None:
    """Stop one device's SSH server (its port refuses connections)."""
    _device_control("stop", name, state_dir)


@app.command("device-start")
def device_start(name: str, state_dir: Path = STATE_DIR) -> None:
    """Start one stopped device again."""
    _device_control("start", name, state_dir)


@app.command()
def run(
    inventory: Path = inventory_option(),
    workdir: Path = typer.Option(Path("out/lab-run"), "--workdir", help="Where backups, reports and lab state go."),
) -> None:
    """Run the whole toolchain against the simulated data center, then stop it all.

    Starts every managed network device over SSH and every SNMP agent on 127.0.0.1,
    backs up their configs with the Ansible playbook (twice: the second run must change
    nothing), pushes one unintended line to a switch and lets the compliance playbook find
    it, lets a real Prometheus scrape every target through the dcops exporter, and runs the
    offline Pulumi preview of both data centers with their HA policies. Exit 0 when every
    stage passed.

    Each stage prints its wall time and the CPU it cost: `cpu` counts this process, its
    children and every lab service it started (a service started earlier bills the stage
    it runs in); `machine` is every CPU's busy time, other jobs on the machine included.
    """
    import shutil

    from rich.console import Console

    from dcops_lab.walkthrough import run_walkthrough

    console = Console()
    inv = load_or_exit(inventory)
    console.print(f"[bold]dcops lab run[/]: {inv.meta.title} — {len(inv.devices)} devices, "
                  f"{len(inv.vms)} VMs, {len(inv.services)} services; work in {workdir}")
    shutil.rmtree(workdir, ignore_errors=True)

    def report(step) -> None:
        mark = "[green]PASS[/]" if step.ok else "[red]FAIL[/]"
        console.print(f"{mark} {step.name} ({step.cost()})\n     {step.detail}", highlight=False)

    result = run_walkthrough(inv, workdir, report)
    passed = sum(s.ok for s in result.steps)
    cpu = [s.cpu_seconds for s in result.steps if s.cpu_seconds is not None]
    machine = [s.machine_cpu_seconds for s in result.steps if s.machine_cpu_seconds is not None]
    spent = f" (cpu {sum(cpu):.1f} s, machine {sum(machine):.1f} s)" if cpu and machine else ""
    console.print(f"{passed}/{len(result.steps)} stages passed{spent}; every lab process is stopped.")
    if not result.ok:
        raise typer.Exit(1)
