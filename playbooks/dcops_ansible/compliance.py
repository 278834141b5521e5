"""Compliance: intended config (from the inventory) against the running config.

Both sides are flattened to paths ("vlan 10 > name mgmt") and secret values are replaced
by one token, so order, indentation and password hashes never count. Only managed
sections are judged: a running line is "extra" only if it lies where the baseline rules
(NTP, syslog, SNMP users, AAA users, banner, VLANs, hostname); anything else on the device
is not ours to flag.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from dcops_ansible.backup import fetch_config
from dcops_ansible.metrics import write_textfile
from dcops_ansible.outcomes import DeviceFailed
from dcops_devices.intent import configtree
from dcops_devices.intent.baseline import baseline_for, render
from dcops_inventory import AddressMap, Inventory
from dcops_inventory.atomicfile import write_atomic

_SECRET = re.compile(r"\b((?:secret|password|community)\s+(?:\d+\s+|sha512\s+|ENC\s+)?)(?!>(?:\s|$))\S+", re.I)
_FORTI_COMMUNITY = re.compile(r"^(config system snmp community > edit \S+ > set name )\S.*$")
TOKEN = "<secret>"

_INDENTED_SCOPE = re.compile(r"^(hostname |ntp server |logging host |snmp-server (user|group|community) |username |"
                             r"aaa |banner |vlan \d+)")
MANAGED: dict[str, re.Pattern[str]] = {
    "cisco_ios": _INDENTED_SCOPE, "cisco_xe": _INDENTED_SCOPE, "arista_eos": _INDENTED_SCOPE,
    "fortinet": re.compile(r"^(config system ntp|config log syslogd\d? setting|config system snmp (user|community)|"
                           r"config system admin|config system replacemsg admin|"
                           r"config system global > set (hostname|pre-login-banner) )"),
}


def _normalise(paths: list[str]) -> list[str]:
    return [_FORTI_COMMUNITY.sub(lambda m: m.group(1) + TOKEN, _SECRET.sub(lambda m: m.group(1) + TOKEN, p))
            for p in paths]


def intended_paths(inv: Inventory, device_name: str) -> list[str]:
    dev = inv.device(device_name)
    return _normalise(configtree.flatten(dev.platform or "", "\n".join(render(dev.platform or "", baseline_for(inv, dev)))))


@dataclass
class Drift:
    device: str
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return not self.missing and not self.extra

    def diff(self) -> str:
        return "".join([f"+ {p}\n" for p in self.missing] + [f"- {p}\n" for p in self.extra])


def compare(platform: str, device: str, intended: list[str], running_text: str) -> Drift:
    scope = MANAGED.get(platform)
    if scope is None:
        raise KeyError(f"no compliance scope for platform {platform!r}; known: {', '.join(sorted(MANAGED))}")
    running = _normalise(configtree.flatten(platform, running_text))
    have, want = set(running), set(intended)
    return Drift(device, missing=[p for p in intended if p not in have],
                 extra=[p for p in running if p not in want and scope.match(p)])


def check_device(inv: Inventory, name: str, address_map: AddressMap | None = None, address: str = "primary") -> Drift:
    """One device's drift. Raises `AccessError` when its running config cannot be read."""
    platform, running = fetch_config(inv, name, address_map, address)
    return compare(platform, name, intended_paths(inv, name), running)


ComplianceOutcome = Union[Drift, DeviceFailed]


def registered_outcome(device: str, registered: Mapping[str, Any]) -> ComplianceOutcome:
    """The `dcops_compliance_check` task's registered result as an outcome."""
    if registered.get("failed"):
        return DeviceFailed.registered(device, registered)
    return Drift(device, missing=list(registered["missing"]), extra=list(registered["extra"]))


@dataclass(frozen=True)
class ComplianceReport:
    """One run's outcomes, sorted by device, and the devices it did not check as the previous
    report had them (`carried`, with when they were checked): a run limited to some devices
    leaves the others' entries and metrics as they were. `non_compliant` and `failed` are
    this run's; `as_json()` is the report file's content, its lists over every device."""

    checked_at: float
    outcomes: tuple[ComplianceOutcome, ...]
    carried: tuple[tuple[ComplianceOutcome, float], ...] = ()

    @property
    def non_compliant(self) -> list[str]:
        return [o.device for o in self.outcomes if isinstance(o, Drift) and not o.compliant]

    @property
    def failed(self) -> list[str]:
        return [o.device for o in self.outcomes if isinstance(o, DeviceFailed)]

    def every_device(self) -> list[tuple[ComplianceOutcome, float]]:
        """This run's outcomes and the carried ones, by device, with when each was checked."""
        both = [(o, self.checked_at) for o in self.outcomes] + list(self.carried)
        return sorted(both, key=lambda pair: pair[0].device)

    def as_json(self) -> dict:
        devices: dict[str, dict] = {}
        for o, at in self.every_device():
            if isinstance(o, Drift):
                devices[o.device] = {"ok": True, "compliant": o.compliant, "missing": o.missing, "extra": o.extra}
            else:
                devices[o.device] = {"ok": False, "error": o.error}
                if o.error_kind is not None:
                    devices[o.device]["error_kind"] = o.error_kind
            devices[o.device]["checked_at"] = at
        return {"checked_at": self.checked_at, "checked": [o.device for o in self.outcomes], "devices": devices,
                "non_compliant": [d for d, e in devices.items() if e["ok"] and not e["compliant"]],
                "failed": [d for d, e in devices.items() if not e["ok"]]}


def previous_entries(report_path: str | Path, keep: Collection[str]) -> list[tuple[ComplianceOutcome, float]]:
    """The devices in `keep` as an earlier report at `report_path` had them (none when there
    is no readable report: it is status output, rewritten whole)."""
    try:
        data = json.loads(Path(report_path).read_text())
        devices = data["devices"]
        out: list[tuple[ComplianceOutcome, float]] = []
        for name, e in devices.items():
            if name not in keep:
                continue
            at = float(e.get("checked_at", data["checked_at"]))
            out.append((Drift(name, list(e["missing"]), list(e["extra"])) if e["ok"]
                        else DeviceFailed(name, str(e["error"]), e.get("error_kind")), at))
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def write_report(outcomes: list[ComplianceOutcome], report_path: str | Path | None, metrics_path: str | Path | None,
                 now: float | None = None, keep: Collection[str] = ()) -> ComplianceReport:
    """The report of a run; writes the JSON report and the textfile metrics when given paths.
    Devices in `keep` that this run did not check keep their entry of the previous report."""
    checked = {o.device for o in outcomes}
    carried = [(o, at) for o, at in previous_entries(report_path, keep) if o.device not in checked] \
        if report_path and keep else []
    report = ComplianceReport(time.time() if now is None else now, tuple(sorted(outcomes, key=lambda o: o.device)),
                              tuple(carried))
    if report_path:
        write_atomic(report_path, json.dumps(report.as_json(), indent=1, sort_keys=True) + "\n")
    if metrics_path:
        every = [o for o, _ in report.every_device()]
        drifts = [o for o in every if isinstance(o, Drift)]
        write_textfile(metrics_path, [
            ("dcops_config_compliance_missing_lines", "Intended config lines absent from the running config.",
             ["device"], {(o.device,): float(len(o.missing)) for o in drifts}),
            ("dcops_config_compliance_extra_lines", "Running config lines in managed sections that are not intended.",
             ["device"], {(o.device,): float(len(o.extra)) for o in drifts}),
            ("dcops_config_compliance_compliant", "1 if the running config matches the intended config.",
             ["device"], {(o.device,): float(o.compliant) for o in drifts}),
            ("dcops_config_compliance_check_success", "1 if the device's running config could be read.",
             ["device"], {(o.device,): float(isinstance(o, Drift)) for o in every}),
            ("dcops_config_compliance_last_check_timestamp_seconds", "When the device was last checked.",
             ["device"], {(o.device,): at for o, at in report.every_device()}),
            ("dcops_config_compliance_run_timestamp_seconds", "When the last compliance run finished.", [],
             {(): report.checked_at}),
        ])
    return report
