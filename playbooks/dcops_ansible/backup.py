"""Config backup: fetch, mask, store one file per device, commit changes, write metrics.

`backup_device` is one device's work (what the Ansible action runs per host);
`finalize` is the once-per-run part (commit what the run fetched, state, metrics) and runs
whatever subset of devices the run covered; `run_backup` does both with the access
layer's bounded concurrency (what `dcops ansible backup` and the benchmark run), after
committing what an interrupted run left (`BackupStore.recover`). A device that fails
keeps its previous file untouched and shows up in the report. Secrets are masked with the
inventory's mask key (`mask_key`); without it they become `<masked>` and the run says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcops_ansible.backup_store import BackupStore, Committed
from dcops_ansible.mask_key import MaskKey, mask_key
from dcops_ansible.metrics import write_textfile
from dcops_ansible.outcomes import BackedUp, BackupOutcome, DeviceFailed, outcome_of
from dcops_devices.access import open_connection, run_bulk, target_for
from dcops_devices.intent.baseline import network_devices
from dcops_devices.intent.masking import mask
from dcops_inventory import AddressMap, Inventory

# The command that prints the whole running config, by platform.
CONFIG_COMMANDS: dict[str, str] = {"fortinet": "show"}
DEFAULT_CONFIG_COMMAND = "show running-config"


def config_command(platform: str) -> str:
    return CONFIG_COMMANDS.get(platform, DEFAULT_CONFIG_COMMAND)


def fetch_config(inv: Inventory, name: str, address_map: AddressMap | None = None, address: str = "primary") -> tuple[str, str]:
    target = target_for(inv, name, address_map, address)
    with open_connection(target) as conn:
        return target.platform, conn.run(config_command(target.platform))


def backup_device(inv: Inventory, name: str, store: BackupStore, address_map: AddressMap | None = None,
                  check: bool = False, address: str = "primary", key: bytes | None = None) -> BackedUp:
    """One device: fetch, mask (secrets digested with `key`), store. Raises `AccessError`
    when the device cannot be read, so the caller decides what a failure is (a `HostFailed`
    in a bulk run, a failed Ansible task)."""
    platform, raw = fetch_config(inv, name, address_map, address)
    result = store.write(name, mask(platform, raw, key), check=check)
    return BackedUp(name, result.changed, result.diff, result.before, result.after)


def registered_outcome(device: str, registered: Mapping[str, Any]) -> BackupOutcome:
    """The `dcops_config_backup` task's registered result as an outcome."""
    if registered.get("failed"):
        return DeviceFailed.registered(device, registered)
    return BackedUp(device, bool(registered.get("changed")))


def metrics_families(state: dict[str, dict], now: float, secrets_keyed: bool | None = None) -> list:
    ok = {(d,): float(e.get("ok", False)) for d, e in state.items()}
    success = {(d,): e["last_success"] for d, e in state.items() if "last_success" in e}
    change = {(d,): e["last_change"] for d, e in state.items() if "last_change" in e}
    families = [
        ("dcops_config_backup_last_success_timestamp_seconds",
         "When the device's running config was last fetched successfully.", ["device"], success),
        ("dcops_config_backup_last_change_timestamp_seconds",
         "When the device's masked running config last changed in the backup repository.", ["device"], change),
        ("dcops_config_backup_success", "1 if the device's last backup attempt succeeded.", ["device"], ok),
        ("dcops_config_backup_run_timestamp_seconds", "When the last backup run finished.", [], {(): now}),
    ]
    if secrets_keyed is not None:
        families.append(("dcops_config_backup_secret_digests",
                         "1 if masked secrets carry a keyed digest, so a secret's change shows as a config change; "
                         "0 when the mask key is missing.", [], {(): float(secrets_keyed)}))
    return families


@dataclass(frozen=True)
class Finalized:
    changed_devices: list[str]
    failed_devices: list[str]
    commit: str | None


def finalize(store: BackupStore, outcomes: list[BackupOutcome], metrics_path: str | Path | None,
             check: bool = False, now: float | None = None, secrets_keyed: bool | None = None) -> Finalized:
    """Commit the file of every device this run fetched that differs from the last commit,
    record state, write metrics. `changed_devices` are the committed ones (in check mode,
    those whose fetched config differs from their file); in check mode nothing is written."""
    now = time.time() if now is None else now
    failed = sorted(o.device for o in outcomes if isinstance(o, DeviceFailed))
    if check:
        return Finalized(sorted(o.device for o in outcomes if isinstance(o, BackedUp) and o.changed), failed, None)
    committed: Committed | None = store.commit(o.device for o in outcomes if isinstance(o, BackedUp))
    state = store.record(outcomes, now, committed.devices if committed else ())
    if metrics_path:
        write_textfile(metrics_path, metrics_families(state, now, secrets_keyed))
    return Finalized(committed.devices if committed else [], failed, committed.sha if committed else None)


@dataclass
class BackupReport:
    results: list[BackupOutcome]
    commit: str | None
    changed_devices: list[str]
    failed_devices: list[str]
    seconds: float
    recovered: Committed | None = None  # what an interrupted run had left uncommitted
    pending: list[str] = field(default_factory=list)  # check mode: what would be recovered
    mask: MaskKey = MaskKey(None, "not resolved")

    @property
    def errors(self) -> dict[str, str]:
        """Failed device -> "kind: message"."""
        return {o.device: o.reason for o in self.results if isinstance(o, DeviceFailed)}


def run_backup(inv: Inventory, repo: str | Path, metrics_path: str | Path | None = None,
               address_map: AddressMap | None = None, devices: list[str] | None = None, check: bool = False,
               workers: int = 32, address: str = "primary",
               on_done: Callable[[str], None] | None = None) -> BackupReport:
    """Back up `devices` (default: every network device) at most `workers` at a time;
    `on_done(device)` is called as each one finishes (a progress display)."""
    started = time.monotonic()
    store = BackupStore(repo)
    recovered, pending = None, store.pending()
    if not check:
        store.ensure()
        recovered = store.recover()
    key = mask_key(inv)
    names = devices or [d.name for d in network_devices(inv)]
    def one(name: str) -> BackedUp:
        try:
            return backup_device(inv, name, store, address_map, check, address, key.key)
        finally:
            if on_done is not None:
                on_done(name)

    results = run_bulk(names, one, workers)
    outcomes = [outcome_of(r) for r in results]
    done = finalize(store, outcomes, metrics_path, check, secrets_keyed=key.keyed)
    return BackupReport(outcomes, done.commit, done.changed_devices, done.failed_devices, time.monotonic() - started,
                        recovered, pending if check else [], key)
