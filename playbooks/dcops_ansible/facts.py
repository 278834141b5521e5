"""Facts: read every device's version, inventory and LLDP neighbours; report what contradicts the inventory.

`collect_device` is one device's work (what the Ansible action runs per host: one session,
the platform's commands, parsed by `dcops_devices.intent.facts`); `write_report` is the
once-per-run part: reconcile the run's devices with the inventory, write the JSON report
and the textfile metrics. A device that cannot be read is a `missing` mismatch, not an
error of the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from dcops_ansible.metrics import write_textfile
from dcops_devices.access import open_connection, target_for
from dcops_devices.intent.facts import KINDS, DeviceFacts, Failed, Mismatch, commands_for, parse_facts, reconcile
from dcops_inventory import AddressMap, Inventory
from dcops_inventory.atomicfile import write_atomic

FactsOutcome = Union[DeviceFacts, Failed]


def collect_device(inv: Inventory, name: str, address_map: AddressMap | None = None,
                   address: str = "primary") -> DeviceFacts:
    """One device's facts. Raises `AccessError` when it cannot be read and `FactsError`
    when its output cannot be parsed."""
    target = target_for(inv, name, address_map, address)
    commands = commands_for(target.platform)
    with open_connection(target) as conn:
        outputs = {cmd: conn.run(cmd) for cmd in commands}
    return parse_facts(name, target.platform, outputs)


def registered_outcome(device: str, registered: Mapping[str, Any]) -> FactsOutcome:
    """The `dcops_facts` task's registered result as an outcome."""
    if registered.get("failed") or "facts" not in registered:
        return Failed(device, str(registered.get("msg", "not collected")))
    return DeviceFacts.from_json(registered["facts"])


@dataclass(frozen=True)
class FactsReport:
    checked_at: float
    outcomes: tuple[FactsOutcome, ...]
    mismatches: tuple[Mismatch, ...]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for m in self.mismatches:
            out[m.kind] += 1
        return out

    def as_json(self) -> dict:
        devices = {o.device: ({"ok": True, **o.as_json()} if isinstance(o, DeviceFacts)
                              else {"ok": False, "error": o.error}) for o in self.outcomes}
        for entry in devices.values():
            entry.pop("device", None)
        return {"checked_at": self.checked_at, "devices": devices, "counts": self.counts(),
                "mismatches": [m.as_json() for m in self.mismatches]}


def write_report(inv: Inventory, outcomes: list[FactsOutcome], report_path: str | Path | None,
                 metrics_path: str | Path | None, now: float | None = None) -> FactsReport:
    """Reconcile the run's outcomes with the inventory; write the report and metrics when given paths."""
    report = FactsReport(time.time() if now is None else now, tuple(sorted(outcomes, key=lambda o: o.device)),
                         tuple(reconcile(inv, outcomes).mismatches))
    if report_path:
        write_atomic(report_path, json.dumps(report.as_json(), indent=1, sort_keys=True) + "\n")
    if metrics_path:
        write_textfile(metrics_path, [
            ("dcops_facts_mismatches", "Disagreements of this kind between devices' facts and the inventory.",
             ["kind"], {(k,): float(n) for k, n in report.counts().items()}),
            ("dcops_facts_collect_success", "1 if the device's facts could be read in the last run.",
             ["device"], {(o.device,): float(isinstance(o, DeviceFacts)) for o in report.outcomes}),
            ("dcops_facts_run_timestamp_seconds", "When the last facts run finished.", [], {(): report.checked_at}),
        ])
    return report
