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
from collections.abc import Mapping
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
    """One run's outcomes, sorted by device; `as_json()` is the report file's content."""

    checked_at: float
    outcomes: tuple[ComplianceOutcome, ...]

    @property
    def non_compliant(self) -> list[str]:
        return [o.device for o in self.outcomes if isinstance(o, Drift) and not o.compliant]

    @property
    def failed(self) -> list[str]:
        return [o.device for o in self.outcomes if isinstance(o, DeviceFailed)]

    def as_json(self) -> dict:
        devices: dict[str, dict] = {}
        for o in self.outcomes:
            if isinstance(o, Drift):
                devices[o.device] = {"ok": True, "compliant": o.compliant, "missing": o.missing, "extra": o.extra}
            else:
                devices[o.device] = {"ok": False, "error": o.error}
                if o.error_kind is not None:
                    devices[o.device]["error_kind"] = o.error_kind
        return {"checked_at": self.checked_at, "devices": devices, "non_compliant": self.non_compliant,
                "failed": self.failed}


def write_report(outcomes: list[ComplianceOutcome], report_path: str | Path | None, metrics_path: str | Path | None,
                 now: float | None = None) -> ComplianceReport:
    """The report of a run; writes the JSON report and the textfile metrics when given paths."""
    report = ComplianceReport(time.time() if now is None else now, tuple(sorted(outcomes, key=lambda o: o.device)))
    if report_path:
        write_atomic(report_path, json.dumps(report.as_json(), indent=1, sort_keys=True) + "\n")
    if metrics_path:
        checked = [o for o in report.outcomes if isinstance(o, Drift)]
        write_textfile(metrics_path, [
            ("dcops_config_compliance_missing_lines", "Intended config lines absent from the running config.",
             ["device"], {(o.device,): float(len(o.missing)) for o in checked}),
            ("dcops_config_compliance_extra_lines", "Running config lines in managed sections that are not intended.",
             ["device"], {(o.device,): float(len(o.extra)) for o in checked}),
            ("dcops_config_compliance_compliant", "1 if the running config matches the intended config.",
             ["device"], {(o.device,): float(o.compliant) for o in checked}),
            ("dcops_config_compliance_check_success", "1 if the device's running config could be read.",
             ["device"], {(o.device,): float(isinstance(o, Drift)) for o in report.outcomes}),
            ("dcops_config_compliance_run_timestamp_seconds", "When the last compliance run finished.", [],
             {(): report.checked_at}),
        ])
    return report
