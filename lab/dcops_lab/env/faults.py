"""`dcops lab fail` and `dcops lab heal`: break the running lab, and mend it.

    down            a device: its SSH server stops (FakeNOS), its SNMP agent goes silent (the
                    lab's relay drops its datagrams, as the network would for a dead device:
                    relay.py) and an array's API closes its port
    saturated       a circuit: the terminating port's octet counters run at the contracted
                    rate in both directions (counters.py), what the link carries when full
    ups_on_battery, cooling_alarm, fan_failure
                    the SNMP families' faults (dcops_lab.snmp.inject): UPS runtime and charge
                    fall, a CRAC raises its alarm, a switch loses a fan
    pool_filling    a storage array's first pool fills (the WSAPI simulator)

Every fault is recorded in the state file until healed, so `heal` with no name mends them
all. A device carries one family fault at a time (a new one replaces the old); a device
that is down takes no other fault until it is healed.
"""

from __future__ import annotations

from pathlib import Path

from dcops_inventory import AddressMap, Inventory
from dcops_lab.env import counters
from dcops_lab.env.state import Fault, LabState
from dcops_lab.fakenos.process import LabError, control
from dcops_lab.snmp.families import FAULTS
from dcops_lab.snmp.inject import FAULT_ROLES, FaultError, clear_fault, inject_fault
from dcops_lab.snmp.lab import SnmpLab

DOWN, SATURATED = "down", "saturated"
KINDS = (DOWN, SATURATED, *FAULTS)


class FaultInputError(ValueError):
    """No such device or circuit, or the fault does not fit it (exit 2)."""


def _data_dir(state: LabState, device: str) -> Path:
    if not state.snmp_datadir:
        raise FaultInputError("this lab runs no SNMP agents")
    return Path(state.snmp_datadir) / "data" / device


def _data_file(state: LabState, device: str) -> Path:
    files = sorted(_data_dir(state, device).glob("*.snmprec"))
    if len(files) != 1:
        raise FaultInputError(f"{device}: its SNMP agent has {len(files)} data files, expected 1")
    return files[0]


def _agents(state: LabState) -> SnmpLab:
    """The running agents as the fault API reads them: which data file is whose. A device's
    file name is its community (its stem stands in for it; `self` for an SNMPv3 device)."""
    communities = {d: _data_file(state, d).stem for d in state.snmp_devices}
    return SnmpLab(address_map=AddressMap(devices={d: {} for d in state.snmp_devices}), env={},
                   datadir=Path(state.snmp_datadir or "."), logdir=state.root / "snmp", communities=communities)


def _agents_started(state: LabState) -> float:
    started = [c.create_time for name, c in state.components.items() if name.startswith("snmp-agents-")]
    if not started:
        raise FaultInputError("this lab runs no SNMP agents")
    return min(started)


def _control(directory: Path, request: str) -> None:
    try:
        control(directory, request)
    except LabError as exc:
        raise RuntimeError(f"{request}: {exc}") from None


def _reapply_overrides(state: LabState, device: str) -> None:
    """A re-rendered data file (a family fault injected or cleared) loses the lab's counter
    overrides: put them back before the agent reads it."""
    if state.overrides.get(device):
        counters.apply(_data_file(state, device), state.overrides[device])


def _set_down(state: LabState, device: str, down: bool) -> None:
    """Its SSH server stops (or starts), its SNMP relay port drops (or passes) every datagram,
    an array's API closes (or opens) its port."""
    if device in state.ssh_devices:
        _control(state.root / "fleet", f"{'stop' if down else 'start'} {device}")
    if device in state.snmp_devices:
        _control(state.root / "relay", f"{'down' if down else 'up'} {device}")
    if device in state.storage_devices:
        _control(state.root / "storage", f"{'down' if down else 'up'} {device}")


def _stoppable(state: LabState, device: str) -> list[str]:
    return [what for what, served in (("its SSH server", state.ssh_devices), ("its SNMP agent", state.snmp_devices),
                                      ("its storage API", state.storage_devices)) if device in served]


def _saturate(state: LabState, inv: Inventory, circuit: str, on: bool) -> str:
    c = inv.index("circuits")[circuit]
    if not c.device or not c.interface:
        raise FaultInputError(f"circuit {circuit} names no terminating device and interface in the inventory")
    if c.device not in state.snmp_devices:
        raise FaultInputError(f"circuit {circuit} ends on {c.device}, which has no SNMP agent in this lab")
    port = counters.port(inv, c.device, c.interface)
    commit = c.commit_rate_mbps * 1e6 / 8
    rates = {"receive": commit, "transmit": commit} if on else counters.normal_rates(port)
    overrides = counters.retimed(port, state.overrides.get(c.device, {}), rates, _agents_started(state))
    counters.apply(_data_file(state, c.device), overrides)
    state.overrides[c.device] = overrides
    return c.device


def _target(state: LabState, inv: Inventory, target: str, kind: str | None) -> tuple[str, str | None]:
    """(kind, device) for `fail target [--fault kind]`, checked against the inventory and the lab."""
    devices, circuits = inv.index("devices"), inv.index("circuits")
    if target not in devices and target not in circuits:
        raise FaultInputError(f"{target}: neither a device nor a circuit of inventory {inv.meta.name}")
    kind = (kind or (SATURATED if target in circuits else DOWN)).replace("-", "_")
    if kind not in KINDS:
        raise FaultInputError(f"unknown fault {kind!r}; valid: {', '.join(KINDS)}")
    if kind == SATURATED:
        if target not in circuits:
            raise FaultInputError(f"{target}: `saturated` applies to a circuit, {target} is a device")
        return kind, circuits[target].device
    if target not in devices:
        raise FaultInputError(f"{target}: `{kind}` applies to a device, {target} is a circuit")
    if kind == DOWN:
        if not _stoppable(state, target):
            raise FaultInputError(f"{target}: this lab runs no SSH server, SNMP agent or storage API for it "
                                  "(a Linux server's node_exporter is shared by all of them)")
    elif kind in FAULT_ROLES and devices[target].role not in FAULT_ROLES[kind]:
        raise FaultInputError(f"{target} is a {devices[target].role}: {kind} applies to "
                              f"{', '.join(FAULT_ROLES[kind])}")
    if kind != DOWN and state.fault(target, DOWN):
        raise FaultInputError(f"{target} is down; `dcops lab heal {target}` first")
    return kind, target


def fail(state: LabState, inv: Inventory, target: str, kind: str | None = None) -> str:
    """Inject the fault, record it, save the state; a line saying what happened."""
    kind, device = _target(state, inv, target, kind)
    if state.fault(target, kind):
        return f"{target} is already {kind.replace('_', ' ')}"
    if device and kind != DOWN and state.fault(device, DOWN):
        raise FaultInputError(f"{target} ends on {device}, which is down; `dcops lab heal {device}` first")
    replaced = ""
    if kind == DOWN:
        _set_down(state, target, True)
        what = "stopped: " + ", ".join(_stoppable(state, target))
    elif kind == SATURATED:
        _saturate(state, inv, target, True)
        what = f"saturated: {device}'s port carries the contracted rate both ways"
    elif kind == "pool_filling":
        if target not in state.storage_devices:
            raise FaultInputError(f"{target}: no simulated WSAPI for it in this lab")
        _control(state.root / "storage", f"fault {target} {kind}")
        what = "its first pool is filling"
    else:
        old = next((f for f in state.faults if f.target == target and f.kind in FAULTS), None)
        try:
            inject_fault(_agents(state), inv, target, kind)
        except FaultError as exc:
            raise FaultInputError(str(exc)) from None
        _reapply_overrides(state, target)
        if old is not None:
            state.faults.remove(old)
            replaced = f" (replaces {old.kind})"
        what = kind.replace("_", " ")
    state.faults.append(Fault(target, kind, device=device))
    state.save()
    return f"{target}: {what}{replaced}"


def _undo(state: LabState, inv: Inventory, fault: Fault) -> str:
    if fault.kind == DOWN:
        _set_down(state, fault.target, False)
        return f"{fault.target}: up again"
    if fault.kind == SATURATED:
        _saturate(state, inv, fault.target, False)
        return f"{fault.target}: back to its normal traffic"
    if fault.kind == "pool_filling":
        _control(state.root / "storage", f"clear {fault.target}")
        return f"{fault.target}: pool no longer filling"
    clear_fault(_agents(state), inv, fault.target)
    _reapply_overrides(state, fault.target)
    return f"{fault.target}: {fault.kind.replace('_', ' ')} cleared"


def heal(state: LabState, inv: Inventory, targets: list[str] | None = None) -> list[str]:
    """Undo the faults of `targets` (every recorded fault when none), newest first."""
    if targets:
        unknown = [t for t in targets if t not in inv.index("devices") and t not in inv.index("circuits")]
        if unknown:
            raise FaultInputError(f"neither a device nor a circuit of inventory {inv.meta.name}: {', '.join(unknown)}")
    chosen = [f for f in state.faults if not targets or f.target in targets]
    lines = [f"{t}: no fault to heal" for t in (targets or []) if not any(f.target == t for f in chosen)]
    # a device comes up before the faults on it are cleared (its data file must be in place)
    for fault in sorted(reversed(chosen), key=lambda f: f.kind != DOWN):
        lines.append(_undo(state, inv, fault))
        state.faults.remove(fault)
        state.save()
    if not chosen and not targets:
        lines.append("no fault to heal")
    return lines
