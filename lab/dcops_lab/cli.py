"""`dcops lab ...`: run the simulated switch fleet on this machine (loopback only).

    dcops lab start [--inventory PATH] [--device NAME ...]   # background; prints the address map
    dcops lab status | dcops lab stop
    dcops lab device-stop NAME / device-start NAME           # make one switch fail, bring it back
"""

from __future__ import annotations

from pathlib import Path

import typer

from dcops_lab.fakenos_process import DEFAULT_STATE_DIR, LabError, LabFleet, control, pid_alive, read_manifest, stop_pid

app = typer.Typer(no_args_is_help=True, add_completion=False)

STATE_DIR = typer.Option(DEFAULT_STATE_DIR, "--state-dir", help="Where the lab keeps its address map and socket.")


def _fail(msg: str) -> None:
    typer.echo(f"dcops lab: {msg}", err=True)
    raise typer.Exit(1)


@app.command()
def start(
    inventory: Path = typer.Option(None, "--inventory", "-i", help="Inventory path (default: embedded MTPE)."),
    device: list[str] = typer.Option(None, "--device", "-d", help="Serve only these devices."),
    base_port: int = typer.Option(None, "--base-port", help="Consecutive ports from here (default: free ports)."),
    state_dir: Path = STATE_DIR,
) -> None:
    """Start the FakeNOS switch fleet in the background."""
    fleet = LabFleet(state_dir, inventory=inventory, devices=device or [], base_port=base_port)
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
def status(state_dir: Path = STATE_DIR) -> None:
    """Show which lab devices are up."""
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


@app.command("device-stop")
def device_stop(name: str, state_dir: Path = STATE_DIR) -> None:
    """Stop one device's SSH server (its port refuses connections)."""
    try:
        control(state_dir, f"stop {name}")
    except LabError as exc:
        _fail(str(exc))
    typer.echo(f"{name} stopped")


@app.command("device-start")
def device_start(name: str, state_dir: Path = STATE_DIR) -> None:
    """Start one stopped device again."""
    try:
        control(state_dir, f"start {name}")
    except LabError as exc:
        _fail(str(exc))
    typer.echo(f"{name} started")
