"""Simulation data for snmpsim: one `.snmprec` per device, generated from the inventory.

A record file is what a real switch would answer to an IF-MIB walk: the system group,
ifTable and ifXTable with one row per inventory interface. Octet counters carry snmpsim's
`numeric` variation with a linear rate (value = initial + rate * seconds since the agent
started), so a scraper sees plausible, non-zero, strictly growing traffic; the rates come
from a hash of the device and interface names, so the same inventory always gives the
same file. Circuit-terminating interfaces run at a share of the contracted rate, not of
the port speed, as a 200 Mbps Internet link on a gigabit port does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dcops_inventory import Inventory
from dcops_inventory.models import Device, Interface
from dcops_lab.snmp.families import Fault, family_records

SYSTEM = "1.3.6.1.2.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"

# IANAifType values for the inventory's interface types (default ethernetCsmacd).
_IF_TYPE = {"lag": 161, "virtual": 53, "wireless": 71, "pri-e1": 18, "fc-8g": 56, "fc-16g": 56, "fc-32g": 56}
_COUNTER32_MAX = 2**32 - 1


@dataclass(frozen=True)
class PortTraffic:
    """What one simulated port does: its IF-MIB row before snmpsim makes it move."""

    ifindex: int
    name: str
    alias: str
    speed_mbps: int
    admin_up: bool
    oper_up: bool
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    rx_initial: int
    tx_initial: int
    errors_per_s: float
    iftype: int = 6


def _unit(*parts: str) -> float:
    """A stable pseudo-random number in [0, 1) from names (no global RNG state)."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def port_traffic(inv: Inventory, device: Device) -> list[PortTraffic]:
    """The simulated rows of a device, in inventory order; ifIndex is the 1-based position."""
    circuits = {c.interface: c for c in inv.circuits if c.device == device.name and c.interface}
    ports: list[PortTraffic] = []
    for i, iface in enumerate(inv.device_interfaces(device), start=1):
        ports.append(_port(device, iface, i, circuits.get(iface.name)))
    return ports


def _port(device: Device, iface: Interface, ifindex: int, circuit) -> PortTraffic:
    speed = iface.speed_mbps or 1000
    admin_up = iface.enabled and iface.role != "unused"
    # Access ports are often unplugged; infrastructure links are up.
    unplugged = iface.role in (None, "access") and _unit(device.name, iface.name, "down") < 0.25
    oper_up = admin_up and not unplugged
    if circuit is not None:
        cap_bytes = circuit.commit_rate_mbps * 1e6 / 8
        rx_share, tx_share = 0.35 + 0.5 * _unit(device.name, iface.name, "rx"), 0.1 + 0.3 * _unit(device.name, iface.name, "tx")
    else:
        cap_bytes = speed * 1e6 / 8
        rx_share, tx_share = 0.01 + 0.3 * _unit(device.name, iface.name, "rx"), 0.01 + 0.3 * _unit(device.name, iface.name, "tx")
    moving = 1.0 if oper_up else 0.0
    return PortTraffic(
        ifindex=ifindex,
        name=iface.name,
        alias=iface.description or "",
        speed_mbps=speed,
        admin_up=admin_up,
        oper_up=oper_up,
        rx_bytes_per_s=round(cap_bytes * rx_share * moving),
        tx_bytes_per_s=round(cap_bytes * tx_share * moving),
        rx_initial=int(_unit(device.name, iface.name, "rx0") * 1e12),
        tx_initial=int(_unit(device.name, iface.name, "tx0") * 1e12),
        errors_per_s=0.05 if oper_up and _unit(device.name, iface.name, "err") < 0.1 else 0.0,
        iftype=_IF_TYPE.get(iface.type or "", 6),
    )


def _oid_key(line: str) -> tuple[int, ...]:
    return tuple(int(p) for p in line.split("|", 1)[0].split("."))


def _text(value: str) -> str:
    """An OctetString value; snmprec lines are `|`-separated, so hex-encode anything odd."""
    if value.isascii() and value.isprintable() and "|" not in value:
        return f"4|{value}"
    return f"4x|{value.encode().hex()}"


def _growing(tag: int, initial: int, rate: float, wrap_max: int | None = None) -> str:
    if rate == 0:  # a still counter is a plain value: the variation module costs snmpsim CPU
        return f"{tag}|{initial}"
    rate_text = str(int(rate)) if float(rate).is_integer() else repr(float(rate))
    spec = f"initial={initial},rate={rate_text}"
    if wrap_max is not None:
        spec += f",max={wrap_max},wrap=1"
    return f"{tag}:numeric|{spec}"


def render_snmprec(inv: Inventory, device: Device, fault: Fault | None = None) -> str:
    """The `.snmprec` text of one device (sorted by OID, as snmpsim requires): the system
    group, IF-MIB, and its family's MIBs (families.py), with `fault` applied."""
    dtype = inv.device_type_of(device)
    lines = [
        f"{SYSTEM}.1.0|{_text(f'{dtype.manufacturer} {dtype.model} (dcops lab)')}",
        f"{SYSTEM}.2.0|6|1.3.6.1.4.1.8072.3.2.10",
        f"{SYSTEM}.3.0|{_growing(67, 0, 100)}",
        f"{SYSTEM}.5.0|{_text(device.name)}",
    ]
    ports = port_traffic(inv, device)
    lines.append(f"{IF_NUMBER}|2|{len(ports)}")
    for p in ports:
        i = p.ifindex
        lines += [
            f"{IF_ENTRY}.1.{i}|2|{i}",
            f"{IF_ENTRY}.2.{i}|{_text(p.name)}",
            f"{IF_ENTRY}.3.{i}|2|{p.iftype}",
            f"{IF_ENTRY}.5.{i}|66|{min(p.speed_mbps * 1_000_000, _COUNTER32_MAX)}",
            f"{IF_ENTRY}.7.{i}|2|{1 if p.admin_up else 2}",
            f"{IF_ENTRY}.8.{i}|2|{1 if p.oper_up else 2}",
            f"{IF_ENTRY}.10.{i}|{_growing(65, p.rx_initial % _COUNTER32_MAX, p.rx_bytes_per_s, _COUNTER32_MAX)}",
            f"{IF_ENTRY}.13.{i}|{_growing(65, 0, p.errors_per_s / 2)}",
            f"{IF_ENTRY}.14.{i}|{_growing(65, 0, p.errors_per_s)}",
            f"{IF_ENTRY}.16.{i}|{_growing(65, p.tx_initial % _COUNTER32_MAX, p.tx_bytes_per_s, _COUNTER32_MAX)}",
            f"{IF_ENTRY}.19.{i}|{_growing(65, 0, p.errors_per_s / 4)}",
            f"{IF_ENTRY}.20.{i}|{_growing(65, 0, p.errors_per_s / 3)}",
            f"{IFX_ENTRY}.1.{i}|{_text(p.name)}",
            f"{IFX_ENTRY}.6.{i}|{_growing(70, p.rx_initial, p.rx_bytes_per_s)}",
            f"{IFX_ENTRY}.10.{i}|{_growing(70, p.tx_initial, p.tx_bytes_per_s)}",
            f"{IFX_ENTRY}.15.{i}|66|{p.speed_mbps}",
            f"{IFX_ENTRY}.18.{i}|{_text(p.alias)}",
        ]
    lines += family_records(inv, device, fault)
    lines.sort(key=_oid_key)
    return "\n".join(lines) + "\n"

