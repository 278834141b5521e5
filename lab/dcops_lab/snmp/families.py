"""What each device family answers besides IF-MIB, rendered from the inventory.

The records follow the MIBs the exporter's modules read (see their docstrings): RFC 1628
and PowerNet for the UPSes, Stulz-WIB8000 for the CRAC units, HOST-RESOURCES for the
agentless servers, and per manufacturer CISCO-PROCESS/ENVMON, ENTITY(-SENSOR), FORTINET-
FORTIGATE and Brocade SW-MIB for the network devices. Readings wave around a base with
the `dcopsvalue` variation (variation/dcopsvalue.py), phases and bases drawn from the
device name so the same inventory gives the same file. A `Fault` turns a family's
readings into the failure it stands for, ramping from the moment it was injected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dcops_exporters.coverage import host_probe
from dcops_inventory import Inventory
from dcops_inventory.models import Device

FAULTS = ("ups_on_battery", "cooling_alarm", "fan_failure", "pool_filling")


@dataclass(frozen=True)
class Fault:
    kind: str
    since: float  # wall-clock time it was injected: ramps start there


def unit(*parts: str) -> float:
    from dcops_lab.snmp.records import _unit

    return _unit(*parts)


def wave(tag: int, device: str, what: str, base: float, amp: float, period: float = 600, lo: float = 0,
         hi: float = 4294967295) -> str:
    phase = round(6.283 * unit(device, what, "phase"), 3)
    return f"{tag}:dcopsvalue|base={base:.12g},amp={amp:.12g},period={period:g},phase={phase:g},min={lo:.12g},max={hi:.12g}"


def ramp(tag: int, base: float, rate: float, since: float, lo: float = 0, hi: float = 4294967295) -> str:
    return f"{tag}:dcopsvalue|base={base:.12g},rate={rate:.12g},t0={since:.0f},min={lo:.12g},max={hi:.12g}"


def _text(value: str) -> str:
    from dcops_lab.snmp.records import _text as text

    return text(value)


def ups_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    u, apc = "1.3.6.1.2.1.33.1", "1.3.6.1.4.1.318.1.1.1"
    n = dev.name
    minutes = 20 + int(40 * unit(n, "runtime"))
    out = fault is not None and fault.kind == "ups_on_battery"
    lines = [f"{u}.1.1.0|{_text('APC')}", f"{u}.1.2.0|{_text(inv.device_type_of(dev).model)}",
             f"{u}.2.1.0|2|2", f"{u}.2.7.0|{wave(2, n, 'btemp', 26, 2)}", f"{u}.3.1.0|65|{int(10 * unit(n, 'bads'))}",
             f"{u}.3.2.0|2|1", f"{u}.4.3.0|2|1", f"{u}.3.3.1.1.1|2|1", f"{u}.4.4.1.1.1|2|1",
             f"{u}.4.4.1.4.1|{wave(2, n, 'watts', 1200, 150)}", f"{apc}.2.2.4.0|2|1"]
    if not out:
        lines += [f"{u}.2.2.0|2|0", f"{u}.2.3.0|2|{minutes}", f"{u}.2.4.0|2|100", f"{u}.4.1.0|2|3",
                  f"{u}.3.3.1.2.1|{wave(2, n, 'hz', 600, 1)}",
                  f"{u}.3.3.1.3.1|{wave(2, n, 'vin', 220, 3)}", f"{u}.4.4.1.2.1|{wave(2, n, 'vout', 220, 1)}",
                  f"{u}.4.4.1.5.1|{wave(2, n, 'load', 30 + 30 * unit(n, 'load0'), 5, 900, 0, 100)}",
                  f"{u}.6.1.0|66|0", f"{apc}.2.2.3.0|67|{minutes * 6000}", f"{apc}.4.1.1.0|2|2"]
        return lines
    # On battery: runtime and charge fall from the moment of the outage, faster than real
    # time (a 3 s per second drain, so tests see it move), until the battery is flat.
    t0 = fault.since
    seconds = minutes * 60
    lines += [f"{u}.2.2.0|{ramp(2, 0, 1, t0)}", f"{u}.2.3.0|{ramp(2, minutes, -3 / 60, t0, 0, minutes)}",
              f"{u}.2.4.0|{ramp(2, 100, -300 / seconds, t0, 0, 100)}", f"{u}.4.1.0|2|5",
              f"{u}.3.3.1.2.1|2|0", f"{u}.3.3.1.3.1|2|0", f"{u}.4.4.1.2.1|{wave(2, n, 'vout', 220, 1)}",
              f"{u}.4.4.1.5.1|{wave(2, n, 'load', 30 + 30 * unit(n, 'load0'), 5, 900, 0, 100)}",
              f"{u}.6.1.0|66|1", f"{u}.6.2.1.1.1|2|1", f"{u}.6.2.1.2.1|6|{u}.6.3.2", f"{u}.6.2.1.3.1|67|0",
              f"{apc}.2.2.3.0|{ramp(67, seconds * 100, -300, t0, 0, seconds * 100)}", f"{apc}.4.1.1.0|2|3"]
    return lines


def cooling_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    wib, n, idx = "1.3.6.1.4.1.29462.10.2.1", dev.name, "1.1.1"
    alarm = fault is not None and fault.kind == "cooling_alarm"
    ret = ramp(2, 265, 0.5, fault.since, 0, 380) if alarm else wave(2, n, "ret", 262, 6, 900)
    return [f"{wib}.1.1.1.1.1.1.1192.{idx}|{ret}", f"{wib}.1.1.1.1.1.1.1193.{idx}|{wave(2, n, 'sup', 180, 4, 900)}",
            f"{wib}.1.1.1.2.1.1.1194.{idx}|{wave(2, n, 'rh', 450, 20, 1200)}",
            f"{wib}.1.1.1.2.1.1.1195.{idx}|{wave(2, n, 'srh', 480, 15, 1200)}",
            f"{wib}.4.1.1.1.1013.{idx}|2|1", f"{wib}.4.4.1.1.1.1010.{idx}|2|{1 if alarm else 0}"]


def host_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    hr, n = "1.3.6.1.2.1.25", dev.name
    windows = dev.platform == "windows"
    disks = [("C:\\ Label:System  Serial Number 5a3c0f11", 4096, 30_000_000), ("D:\\ Label:Data  Serial Number 1b2c", 4096,
                                                                             120_000_000)] if windows else \
        [("/", 4096, 12_000_000), ("/var", 4096, 50_000_000)]
    lines = [f"{hr}.1.1.0|67:numeric|initial={int(8e8 * unit(n, 'up'))},rate=100",
             f"{hr}.1.6.0|{wave(66, n, 'procs', 180, 20)}", f"{hr}.2.2.0|2|{64 * 1024 * 1024}",
             f"{hr}.2.3.1.1.1|2|1", f"{hr}.2.3.1.2.1|6|{hr}.2.1.2", f"{hr}.2.3.1.3.1|{_text('Physical Memory')}",
             f"{hr}.2.3.1.4.1|2|65536", f"{hr}.2.3.1.5.1|2|1048576",
             f"{hr}.2.3.1.6.1|{wave(2, n, 'ram', 600_000, 80_000, 900, 0, 1048576)}"]
    for k, (descr, units, size) in enumerate(disks, start=2):
        used = size * (0.3 + 0.5 * unit(n, descr))
        lines += [f"{hr}.2.3.1.1.{k}|2|{k}", f"{hr}.2.3.1.2.{k}|6|{hr}.2.1.4", f"{hr}.2.3.1.3.{k}|{_text(descr)}",
                  f"{hr}.2.3.1.4.{k}|2|{units}", f"{hr}.2.3.1.5.{k}|2|{size}",
                  f"{hr}.2.3.1.6.{k}|{wave(2, n, descr, used, size * 0.01, 3600, 0, size)}"]
    for cpu in range(1, 5):
        lines.append(f"{hr}.3.3.1.2.{cpu}|{wave(2, n, f'cpu{cpu}', 10 + 40 * unit(n, f'c{cpu}'), 8, 300, 0, 100)}")
    return lines


def cisco_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    n, proc, env = dev.name, "1.3.6.1.4.1.9.9.109.1.1.1.1", "1.3.6.1.4.1.9.9.13.1"
    fan_down = fault is not None and fault.kind == "fan_failure"
    lines = [f"{proc}.8.1|{wave(66, n, 'cpu', 8 + 20 * unit(n, 'cpu0'), 4, 300, 0, 100)}",
             f"{proc}.12.1|{wave(66, n, 'mem', 500_000, 20_000)}", f"{proc}.13.1|{wave(66, n, 'free', 300_000, 20_000)}"]
    for i, name in ((1, "Switch 1 - Inlet Temp Sensor"), (2, "Switch 1 - Hotspot Temp Sensor")):
        lines += [f"{env}.3.1.2.{i}|{_text(name)}", f"{env}.3.1.3.{i}|{wave(66, n, name, 30 + 10 * i, 2)}",
                  f"{env}.3.1.6.{i}|2|1"]
    for i in (1, 2):
        lines += [f"{env}.4.1.2.{i}|{_text(f'Switch 1 - FAN {i}')}", f"{env}.4.1.3.{i}|2|{6 if fan_down and i == 1 else 1}",
                  f"{env}.5.1.2.{i}|{_text(f'Switch 1 - Power Supply {i}')}", f"{env}.5.1.3.{i}|2|1"]
    return lines


def arista_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    n, ent, sen, hr = dev.name, "1.3.6.1.2.1.47.1.1.1.1", "1.3.6.1.2.1.99.1.1.1", "1.3.6.1.2.1.25"
    fan_down = fault is not None and fault.kind == "fan_failure"
    lines = [f"{hr}.2.3.1.2.1|6|{hr}.2.1.2", f"{hr}.2.3.1.4.1|2|1024", f"{hr}.2.3.1.5.1|2|16000000",
             f"{hr}.2.3.1.6.1|{wave(2, n, 'ram', 6_000_000, 300_000)}"]
    for cpu in (1, 2):
        lines.append(f"{hr}.3.3.1.2.{cpu}|{wave(2, n, f'cpu{cpu}', 12, 5, 300, 0, 100)}")

    def entity(index: int, descr: str, klass: int, parent: int = 1) -> None:
        lines.extend([f"{ent}.2.{index}|{_text(descr)}", f"{ent}.4.{index}|2|{parent}", f"{ent}.5.{index}|2|{klass}"])

    def sensor(index: int, kind: int, precision: int, value: str, ok: bool = True) -> None:
        lines.extend([f"{sen}.1.{index}|2|{kind}", f"{sen}.2.{index}|2|9", f"{sen}.3.{index}|2|{precision}",
                      f"{sen}.4.{index}|{value}", f"{sen}.5.{index}|2|{1 if ok else 3}"])

    for tray in (1, 2, 3):
        entity(100601100 + 10 * tray, f"Fan Tray {tray}", 7)
        entity(100601101 + 10 * tray, f"Fan Tray {tray} Fan 1 Sensor", 8, 100601100 + 10 * tray)
        sensor(100601101 + 10 * tray, 10, 0, wave(2, n, f"rpm{tray}", 9000, 300), not (fan_down and tray == 1))
    for psu in (1, 2):
        entity(100711100 + psu * 1000, f"PowerSupply{psu}", 6)
        entity(100711101 + psu * 1000, f"PowerSupply{psu} Sensor", 8, 100711100 + psu * 1000)
        sensor(100711101 + psu * 1000, 8, 1, wave(2, n, f"psu{psu}", 350, 20))
    entity(100006001, "Cpu temp sensor", 8)
    sensor(100006001, 8, 1, wave(2, n, "cpu-temp", 450, 30))
    return lines


def fortigate_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    n, fg = dev.name, "1.3.6.1.4.1.12356.101"
    fan_down = fault is not None and fault.kind == "fan_failure"
    group = inv.redundancy_group_of(n)
    members = sorted(group.members) if group else [n]
    lines = [f"{fg}.4.1.3.0|{wave(66, n, 'cpu', 20, 8, 300, 0, 100)}", f"{fg}.4.1.4.0|{wave(66, n, 'mem', 45, 3)}",
             f"{fg}.4.1.5.0|66|8000000", f"{fg}.4.1.8.0|{wave(66, n, 'sessions', 40_000, 8_000)}",
             f"{fg}.13.1.1.0|2|{3 if group else 1}"]
    sensors = [("Fan 1", "5200", fan_down), ("Fan 2", "5300", False), ("PS1 Status", "0", False),
               ("PS2 Status", "0", False), ("TD1 CPU", None, False)]
    for i, (name, val, alarm) in enumerate(sensors, start=1):
        # fgHwSensorEntValue is a DisplayString: a fixed text per device, not a varying number
        text_value = val if val is not None else str(44 + int(8 * unit(n, name)))
        lines += [f"{fg}.4.3.2.1.1.{i}|2|{i}", f"{fg}.4.3.2.1.2.{i}|{_text(name)}",
                  f"{fg}.4.3.2.1.3.{i}|{_text(text_value)}", f"{fg}.4.3.2.1.4.{i}|2|{1 if alarm else 0}"]
    for i, member in enumerate(members, start=1):
        lines += [f"{fg}.13.2.1.1.1.{i}|2|{i}", f"{fg}.13.2.1.1.11.{i}|{_text(member)}", f"{fg}.13.2.1.1.12.{i}|2|1"]
    return lines


def brocade_records(inv: Inventory, dev: Device, fault: Fault | None) -> list[str]:
    n, sw = dev.name, "1.3.6.1.4.1.1588.2.1.1.1"
    fan_down = fault is not None and fault.kind == "fan_failure"
    lines = [f"{sw}.26.1.0|{wave(2, n, 'cpu', 5, 2, 300, 0, 100)}", f"{sw}.26.6.0|{wave(2, n, 'mem', 35, 2)}"]
    sensors = [(1, 1, "SLOT #0: TEMP #1", wave(2, n, "t1", 38, 2), 4), (2, 1, "SLOT #0: TEMP #2", wave(2, n, "t2", 41, 2), 4),
               (4, 2, "FAN #1", wave(2, n, "f1", 9000, 200), 2 if fan_down else 4), (5, 2, "FAN #2", wave(2, n, "f2", 9100, 200), 4),
               (7, 3, "Power Supply #1", "2|0", 4), (8, 3, "Power Supply #2", "2|0", 4)]
    for i, kind, info, value, status in sensors:
        lines += [f"{sw}.1.22.1.1.{i}|2|{i}", f"{sw}.1.22.1.2.{i}|2|{kind}", f"{sw}.1.22.1.3.{i}|2|{status}",
                  f"{sw}.1.22.1.4.{i}|{value}", f"{sw}.1.22.1.5.{i}|{_text(info)}"]
    return lines


HEALTH_RECORDS: dict[str, Callable[[Inventory, Device, Fault | None], list[str]]] = {
    "Cisco": cisco_records, "Arista": arista_records, "Fortinet": fortigate_records, "Brocade": brocade_records,
}


def family_records(inv: Inventory, dev: Device, fault: Fault | None = None) -> list[str]:
    """Every family record a device answers, besides the system group and IF-MIB."""
    lines: list[str] = []
    if dev.role == "ups":
        lines += ups_records(inv, dev, fault)
    if dev.role == "cooling":
        lines += cooling_records(inv, dev, fault)
    if dev.snmp_profile and host_probe(inv, dev) is None:
        lines += host_records(inv, dev, fault)
    maker = inv.device_type_of(dev).manufacturer
    if maker in HEALTH_RECORDS and dev.role != "storage":
        lines += HEALTH_RECORDS[maker](inv, dev, fault)
    return lines
