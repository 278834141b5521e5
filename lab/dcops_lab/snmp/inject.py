"""Faults injected into a running lab, for tests and `dcops lab fail`:

    inject_fault(lab, inv, "sc-ups-01", "ups_on_battery")   # runtime and charge start falling
    inject_fault(lab, inv, "sc-crac-01", "cooling_alarm")   # common alarm, return air warming
    inject_fault(lab, inv, "sc-core-01", "fan_failure")     # the first fan fails
    inject_fault(lab, inv, "sc-stor-01", "pool_filling", storage=wsapi_lab)
    clear_fault(lab, inv, "sc-ups-01")

An SNMP fault rewrites the device's data file with `families.Fault` applied (atomically,
same owner, a newer mtime): snmpsim re-reads a data file whose mtime changed on its
next request, so the agent keeps its port and engine and the exporter sees the fault
at its next scrape. A storage fault changes the simulated array's state.
"""

from __future__ import annotations

import os
import time

from dcops_inventory import Inventory
from dcops_lab.snmp.families import FAULTS, Fault
from dcops_lab.snmp.lab import SnmpLab
from dcops_lab.snmp.records import render_snmprec
from dcops_lab.snmp.wsapi import WsapiLab

# which fault fits which device: its role, or for fans the roles the health module probes
FAULT_ROLES = {
    "ups_on_battery": ("ups",),
    "cooling_alarm": ("cooling",),
    "fan_failure": ("core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch", "router", "firewall"),
    "pool_filling": ("storage",),
}


class FaultError(ValueError):
    """The fault does not exist, or does not fit the device."""


def _check(inv: Inventory, device: str, kind: str) -> None:
    if kind not in FAULTS:
        raise FaultError(f"unknown fault {kind!r}; valid: {', '.join(FAULTS)}")
    if device not in inv.index("devices"):
        raise FaultError(f"{device}: not in the inventory")
    role = inv.device(device).role
    if role not in FAULT_ROLES[kind]:
        raise FaultError(f"{device} is a {role}: {kind} applies to {', '.join(FAULT_ROLES[kind])}")


def inject_fault(lab: SnmpLab, inv: Inventory, device: str, kind: str, *, storage: WsapiLab | None = None) -> None:
    _check(inv, device, kind)
    if kind == "pool_filling":
        if storage is None or device not in storage.arrays:
            raise FaultError(f"{device}: no simulated WSAPI for it in this lab")
        storage.set_fault(device, kind)
        return
    _rewrite(lab, inv, device, Fault(kind, time.time()))


def clear_fault(lab: SnmpLab, inv: Inventory, device: str, *, storage: WsapiLab | None = None) -> None:
    if storage is not None and device in storage.arrays:
        storage.set_fault(device, None)
    if device in lab.address_map.devices:
        _rewrite(lab, inv, device, None)


def _rewrite(lab: SnmpLab, inv: Inventory, device: str, fault: Fault | None) -> None:
    path = lab.data_file(device)
    if not path.exists():
        raise FaultError(f"{device}: not simulated by this lab (no {path.name})")
    before = path.stat()
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_snmprec(inv, inv.device(device), fault))
    tmp.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(tmp, before.st_uid, before.st_gid)
    os.replace(tmp, path)
    # snmpsim compares whole-second mtimes: always move it forward, past its index's
    mtime = max(int(before.st_mtime) + 1, int(time.time()) + 1)
    os.utime(path, (mtime, mtime))
