"""`dcops ansible ...`: the Ansible inventory, config backup and compliance from the shell.

    dcops ansible inventory [--list]                      # groups, or ansible-inventory-style JSON
    dcops ansible backup --lab [--check]                  # concurrent backup into out/backups
    dcops ansible compliance --lab [--check]              # drift report in out/compliance
`--lab` uses the running lab's address map (out/lab); `--address-map PATH` any other one.
Without either, devices are contacted at their inventory addresses (production use).
The inventory is `-i PATH`, else $DCOPS_INVENTORY, else the embedded MTPE one - the same
choice the `dcops` Ansible inventory plugin makes.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from dcops_ansible.backup import run_backup
from dcops_ansible.backup_store import RECOVERED
from dcops_ansible.compliance import check_device, write_report
from dcops_ansible.hostvars import DEFAULT_GROUP_BY, build_view
from dcops_ansible.outcomes import DeviceFailed, outcome_of
from dcops_devices.access import run_bulk
from dcops_devices.intent.baseline import network_devices
from dcops_inventory import AddressMap
from dcops_inventory.cli_common import inventory_option, load_or_exit

app = typer.Typer(no_args_is_help=True, add_completion=False)

INVENTORY = inventory_option()
ADDRESS_MAP = typer.Option(None, "--address-map", help="Lab address map to connect through.")
LAB = typer.Option(False, "--lab", help="Use the running lab's address map (out/lab/address-map.yaml).")
LAB_DIR = typer.Option(Path("out/lab"), "--lab-dir", help="State directory of the lab for --lab.")
DEVICE = typer.Option(None, "--device", "-d", help="Only these devices (default: every network device).")


def _load(inventory: Path | None, address_map: Path | None, lab: bool, lab_dir: Path):
    inv = load_or_exit(inventory)
    path = lab_dir / "address-map.yaml" if lab else address_map
    try:
        amap = AddressMap.load(path) if path else None
    except (OSError, ValueError) as exc:
        typer.echo(f"dcops ansible: address map {path}: {exc}", err=True)
        raise typer.Exit(2) from None
    return inv, amap


@app.command()
def inventory(
    inventory: Path = INVENTORY, address_map: Path = ADDRESS_MAP, lab: bool = LAB, lab_dir: Path = LAB_DIR,
    list_: bool = typer.Option(False, "--list", help="Print hosts and groups as JSON like ansible-inventory --list."),
    management_address: str = typer.Option("primary", "--management-address", help="mgmt, oob or primary."),
    group_by: list[str] = typer.Option(list(DEFAULT_GROUP_BY), "--group-by", help="Group keys."),
) -> None:
    """The Ansible view of the inventory (what the `dcops` inventory plugin adds)."""
    inv, amap = _load(inventory, address_map, lab, lab_dir)
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
    device: list[str] = DEVICE,
    repo: Path = typer.Option(Path("out/backups"), "--repo", help="Git repository of masked configs."),
    metrics: Path = typer.Option(Path("out/metrics/dcops_config_backup.prom"), "--metrics",
                                 help="node_exporter textfile to write."),
    check: bool = typer.Option(False, "--check", help="Fetch and compare only; write nothing."),
    workers: int = typer.Option(32, "--workers", min=1, help="Devices backed up at once."),
) -> None:
    """Back up every network device's running config (exit 2 when some device failed)."""
    inv, amap = _load(inventory, address_map, lab, lab_dir)
    report = run_backup(inv, repo, None if check else metrics, amap, device or None, check, workers)
    if not report.mask.keyed:
        typer.echo(f"dcops ansible backup: {report.mask.warning()}", err=True)
    if report.recovered:
        typer.echo(f"{RECOVERED} (commit {report.recovered.sha[:10]}): {', '.join(report.recovered.devices)}")
    if report.pending:
        typer.echo(f"would commit, {RECOVERED}: {', '.join(report.pending)}")
    verb = "would change" if check else "changed"
    typer.echo(f"{len(report.results)} devices in {report.seconds:.1f}s: {len(report.changed_devices)} {verb}, "
               f"{len(report.failed_devices)} failed" + (f"; commit {report.commit[:10]}" if report.commit else ""))
    for name in report.changed_devices:
        typer.echo(f"  {verb}: {name}")
    for name, err in sorted(report.errors.items()):
        typer.echo(f"  failed: {name}: {err.splitlines()[0]} (previous backup kept)")
    if report.failed_devices:
        raise typer.Exit(2)


@app.command()
def compliance(
    inventory: Path = INVENTORY, address_map: Path = ADDRESS_MAP, lab: bool = LAB, lab_dir: Path = LAB_DIR,
    device: list[str] = DEVICE,
    report: Path = typer.Option(Path("out/compliance/report.json"), "--report", help="JSON drift report."),
    metrics: Path = typer.Option(Path("out/metrics/dcops_config_compliance.prom"), "--metrics",
                                 help="node_exporter textfile to write."),
    check: bool = typer.Option(False, "--check", help="Show drift only; write no report or metrics."),
    workers: int = typer.Option(32, "--workers", min=1, help="Devices checked at once."),
) -> None:
    """Compare running configs with the inventory's intended config (exit 1 on drift, 2 on failures).
    With --device, the other devices keep their entries of the previous report."""
    inv, amap = _load(inventory, address_map, lab, lab_dir)
    every = [d.name for d in network_devices(inv)]
    names = device or every
    outcomes = [outcome_of(r) for r in run_bulk(names, lambda n: check_device(inv, n, amap), workers)]
    summary = write_report(outcomes, None if check else report, None if check else metrics, keep=frozenset(every))
    for o in summary.outcomes:
        if isinstance(o, DeviceFailed):
            typer.echo(f"{o.device}: unreachable: {o.error.splitlines()[0] if o.error else o.reason}")
        elif not o.compliant:
            typer.echo(f"{o.device}: {len(o.missing)} missing, {len(o.extra)} extra")
            for line in o.missing:
                typer.echo(f"  + {line}")
            for line in o.extra:
                typer.echo(f"  - {line}")
    typer.echo(f"{len(outcomes)} devices: {len(summary.non_compliant)} non-compliant, {len(summary.failed)} unreachable")
    if summary.failed:
        raise typer.Exit(2)
    if summary.non_compliant:
        raise typer.Exit(1)
