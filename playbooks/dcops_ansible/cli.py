"""`dcops ansible ...`: the Ansible inventory, config backup and compliance from the shell.

    dcops ansible inventory [--list]                      # groups, or ansible-inventory-style JSON
    dcops ansible backup --lab [--site pb] [--role edge_switch] [--limit 'sc-core-*'] [--check]
    dcops ansible compliance --lab [--platform cisco_ios] [--check]
`--lab` uses the running lab's address map (out/lab); `--address-map PATH` (or
$DCOPS_ADDRESS_MAP) any other one. Without either, devices are contacted at their inventory
addresses (production use) - refused in one line when DCOPS_LAB_ONLY is set.
The inventory is `-i PATH`, else $DCOPS_INVENTORY, else the embedded MTPE one - the same
choice the `dcops` Ansible inventory plugin makes.

Exit codes mean one thing each: 0 clean, 1 drift found (compliance), 2 a device or the
input failed (an unknown device, site or pattern is a usage error, found before any device
is contacted).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import typer

from dcops_ansible.backup import run_backup
from dcops_ansible.backup_store import RECOVERED
from dcops_ansible.compliance import Drift, check_device, intended_paths, write_report
from dcops_ansible.console import failure_lines, progress, status_lines, unified_drift
from dcops_ansible.hostvars import DEFAULT_GROUP_BY, build_view
from dcops_ansible.outcomes import BackedUp, DeviceFailed, outcome_of
from dcops_ansible.selection import Selection, SelectionError, preflight, select
from dcops_devices.access import run_bulk
from dcops_inventory import AddressMap, Inventory
from dcops_inventory.cli_common import inventory_option, load_or_exit

EXIT_DRIFT = 1
EXIT_FAILED = 2

app = typer.Typer(no_args_is_help=True, add_completion=False)

INVENTORY = inventory_option()
ADDRESS_MAP = typer.Option(None, "--address-map", envvar="DCOPS_ADDRESS_MAP",
                           help="Lab address map to connect through (also $DCOPS_ADDRESS_MAP).")
LAB = typer.Option(False, "--lab", help="Use the running lab's address map (out/lab/address-map.yaml).")
LAB_DIR = typer.Option(Path("out/lab"), "--lab-dir", help="State directory of the lab for --lab.")
DEVICE = typer.Option(None, "--device", "-d", help="Only these devices (default: every network device).")
SITE = typer.Option(None, "--site", help="Only devices of this site (repeatable).")
ROLE = typer.Option(None, "--role", help="Only devices of this role, e.g. edge_switch (repeatable).")
PLATFORM = typer.Option(None, "--platform", help="Only devices of this platform, e.g. cisco_ios (repeatable).")
LIMIT = typer.Option(None, "--limit", "-l", metavar="PATTERN",
                     help="Ansible-style: names or groups (site_pb, role_edge_switch), wildcards, ',' or ':' "
                          "between patterns, '!' to exclude.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Name every device in the summary.")

# Where a `dcops lab start` fleet (or the fleet of `dcops lab up`) records its process.
LAB_MANIFESTS = ("fleet.json", "fleet/fleet.json")


def _fail(command: str, message: str) -> NoReturn:
    typer.echo(f"dcops ansible {command}: {message}", err=True)
    raise typer.Exit(EXIT_FAILED)


def _echo(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


def _lab_running(lab_dir: Path) -> str | None:
    """Why no lab is running in `lab_dir` (None when one is): its address map outlives the
    lab, and ports in a stale map may belong to anything by now."""
    pids = []
    for name in LAB_MANIFESTS:
        try:
            pids.append(int(json.loads((lab_dir / name).read_text())["pid"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    for pid in pids:
        try:
            os.kill(pid, 0)
            return None
        except PermissionError:
            return None
        except ProcessLookupError:
            continue
    if pids:
        return f"the lab that wrote {lab_dir} has stopped (pid {', '.join(map(str, pids))} is gone)"
    return f"no lab is running in {lab_dir}"


def _load(command: str, inventory: Path | None, address_map: Path | None, lab: bool,
          lab_dir: Path) -> tuple[Inventory, AddressMap | None]:
    inv = load_or_exit(inventory)
    if lab:
        why = _lab_running(lab_dir)
        if why:
            _fail(command, f"--lab: {why}; start one with `dcops lab start` (its old address map is not used)")
    path = lab_dir / "address-map.yaml" if lab else address_map
    try:
        amap = AddressMap.load(path) if path else None
    except (OSError, ValueError) as exc:
        _fail(command, f"address map {path}: {exc}")
    return inv, amap


def _select(command: str, inv: Inventory, amap: AddressMap | None, device: list[str] | None, site: list[str] | None,
            role: list[str] | None, platform: list[str] | None, limit: str | None) -> tuple[Selection, list[str]]:
    """The selected devices that can be contacted; a usage error (exit 2) otherwise."""
    try:
        chosen = select(inv, device, site, role, platform, limit)
        ready = preflight(inv, chosen.devices, amap, explicit=bool(device))
    except SelectionError as exc:
        _fail(command, str(exc))
    if ready.not_in_map:
        typer.echo(f"dcops ansible {command}: left out {len(ready.not_in_map)} device(s) not in the address map "
                   f"{amap.source if amap else ''}", err=True)
    return chosen, list(ready.reachable)


@app.command()
def inventory(
    inventory: Path = INVENTORY, address_map: Path = ADDRESS_MAP, lab: bool = LAB, lab_dir: Path = LAB_DIR,
    list_: bool = typer.Option(False, "--list", help="Print hosts and groups as JSON like ansible-inventory --list."),
    management_address: str = typer.Option("primary", "--management-address", help="mgmt, oob or primary."),
    group_by: list[str] = typer.Option(list(DEFAULT_GROUP_BY), "--group-by", help="Group keys."),
) -> None:
    """The Ansible view of the inventory (what the `dcops` inventory plugin adds)."""
    inv, amap = _load("inventory", inventory, address_map, lab, lab_dir)
    try:
        view = build_view(inv, address=management_address, address_map=amap, group_by=group_by,
                          inventory_source=str(inv.root))
    except ValueError as exc:
        typer.echo(f"dcops ansible: {exc}", err=True)
        raise typer.Exit(2) from None
    if list_:
        out = {"_meta": {"hostvars": view.hosts},
               "all": {"children": sorted(view.groups), "vars": view.all_vars}}
        out.update({g: {"hosts": hosts} for g, hosts in view.groups.items()})
        typer.echo(json.dumps(out, indent=2, sort_keys=True))
        return
    for group, hosts in view.groups.items():
        typer.echo(f"{group:<40} {len(hosts):>5}")
    typer.echo(f"{len(view.hosts)} hosts in {len(view.groups)} groups")


@app.command()
def backup(
    inventory: Path = INVENTORY, address_map: Path = ADDRESS_MAP, lab: bool = LAB, lab_dir: Path = LAB_DIR,
    device: list[str] = DEVICE, site: list[str] = SITE, role: list[str] = ROLE, platform: list[str] = PLATFORM,
    limit: str = LIMIT,
    repo: Path = typer.Option(Path("out/backups"), "--repo", help="Git repository of masked configs."),
    metrics: Path = typer.Option(Path("out/metrics/dcops_config_backup.prom"), "--metrics",
                                 help="node_exporter textfile to write."),
    check: bool = typer.Option(False, "--check", help="Fetch and compare only; write nothing."),
    workers: int = typer.Option(32, "--workers", min=1, help="Devices backed up at once."),
    verbose: bool = VERBOSE,
) -> None:
    """Back up the selected network devices' running configs (exit 2 when a device failed or
    was unreachable; its previous backup stays)."""
    inv, amap = _load("backup", inventory, address_map, lab, lab_dir)
    _, names = _select("backup", inv, amap, device, site, role, platform, limit)
    with progress("backup", len(names)) as done:
        report = run_backup(inv, repo, None if check else metrics, amap, names, check, workers, on_done=done)
    if not report.mask.keyed:
        typer.echo(f"dcops ansible backup: {report.mask.warning()}", err=True)
    if report.recovered:
        typer.echo(f"{RECOVERED} (commit {report.recovered.sha[:10]}): {', '.join(report.recovered.devices)}")
    if report.pending:
        typer.echo(f"would commit, {RECOVERED}: {', '.join(report.pending)}")
    failures = [o for o in report.results if isinstance(o, DeviceFailed)]
    changed = report.changed_devices
    unchanged = sorted(o.device for o in report.results if isinstance(o, BackedUp) and o.device not in changed)
    title = (f"backup {'check (nothing written) ' if check else ''}of {len(report.results)} devices in "
             f"{report.seconds:.1f}s" + (f"; commit {report.commit[:10]}" if report.commit else ""))
    _echo(status_lines(title, [
        ("would change" if check else "changed", changed), ("unchanged", unchanged),
        ("unreachable", sorted(f.device for f in failures if f.unreachable)),
        ("failed", sorted(f.device for f in failures if not f.unreachable))], verbose))
    for line in failure_lines(failures, "" if check else " (previous backup kept)", verbose):
        typer.echo(line)
    if failures:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def compliance(
    inventory: Path = INVENTORY, address_map: Path = ADDRESS_MAP, lab: bool = LAB, lab_dir: Path = LAB_DIR,
    device: list[str] = DEVICE, site: list[str] = SITE, role: list[str] = ROLE, platform: list[str] = PLATFORM,
    limit: str = LIMIT,
    report: Path = typer.Option(Path("out/compliance/report.json"), "--report", help="JSON drift report."),
    metrics: Path = typer.Option(Path("out/metrics/dcops_config_compliance.prom"), "--metrics",
                                 help="node_exporter textfile to write."),
    check: bool = typer.Option(False, "--check", help="Show drift only; write no report or metrics."),
    workers: int = typer.Option(32, "--workers", min=1, help="Devices checked at once."),
    verbose: bool = VERBOSE,
) -> None:
    """Compare running configs with the inventory's intended config: exit 0 when every
    selected device complies, 1 on drift (printed as a unified diff), 2 when a device
    failed or was unreachable. Devices not selected keep their entries of the previous report."""
    inv, amap = _load("compliance", inventory, address_map, lab, lab_dir)
    chosen, names = _select("compliance", inv, amap, device, site, role, platform, limit)
    with progress("compliance", len(names)) as done:
        def one(name: str) -> Drift:
            try:
                return check_device(inv, name, amap)
            finally:
                done(name)

        outcomes = [outcome_of(r) for r in run_bulk(names, one, workers)]
    summary = write_report(outcomes, None if check else report, None if check else metrics,
                           keep=frozenset(chosen.every))
    drifts = [o for o in summary.outcomes if isinstance(o, Drift)]
    failures = [o for o in summary.outcomes if isinstance(o, DeviceFailed)]
    for o in drifts:
        if not o.compliant:
            typer.echo(unified_drift(o.device, intended_paths(inv, o.device), o.missing, o.extra), nl=False)
    title = f"compliance {'check (nothing written) ' if check else ''}of {len(outcomes)} devices"
    _echo(status_lines(title, [
        ("compliant", [o.device for o in drifts if o.compliant]),
        ("drift", [o.device for o in drifts if not o.compliant]),
        ("unreachable", [f.device for f in failures if f.unreachable]),
        ("failed", [f.device for f in failures if not f.unreachable])], verbose))
    for line in failure_lines(failures, verbose=verbose):
        typer.echo(line)
    if failures:
        raise typer.Exit(EXIT_FAILED)
    if summary.non_compliant:
        raise typer.Exit(EXIT_DRIFT)
