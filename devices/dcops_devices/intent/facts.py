"""Device facts (show version / inventory / LLDP neighbours) reconciled with the inventory.

Pure, no connection: `FACT_COMMANDS` says what to run per platform, `parse_facts` turns the
outputs into a `DeviceFacts` (ntc-templates' TextFSM templates for IOS and EOS; FortiOS'
`get system status` is `key: value` lines), and `reconcile` compares what devices said
with what the inventory says, one `Mismatch` per disagreement:

  missing        a device of the run that could not be read
  extra          an LLDP neighbour that is no device of the inventory
  serial, model  the chassis serial / model differs from the inventory's serial / device type
  hostname       the device calls itself something else (another box at that address?)
  lldp_mismatch  a cabled port sees another neighbour than the cable's far end
  lldp_missing   a cable between two LLDP-speaking devices, but no neighbour on the port
  lldp_uncabled  a neighbour on a port the inventory has no cable for

Port names are compared in their long form (`Te1/1/1` is `TenGigabitEthernet1/1/1`) and
neighbour names without a domain, so notation never counts as a contradiction.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field

from dcops_inventory import Inventory

FACT_COMMANDS: dict[str, tuple[str, ...]] = {
    "cisco_ios": ("show version", "show inventory", "show lldp neighbors"),
    "cisco_xe": ("show version", "show inventory", "show lldp neighbors"),
    "arista_eos": ("show version", "show inventory", "show lldp neighbors"),
    "fortinet": ("get system status",),
}
LLDP_PLATFORMS = frozenset(p for p, cmds in FACT_COMMANDS.items() if "show lldp neighbors" in cmds)
KINDS = ("missing", "extra", "serial", "model", "hostname", "lldp_mismatch", "lldp_missing", "lldp_uncabled")
# The abbreviations IOS and EOS print in LLDP tables, and their long names. Only these:
# FortiOS' `port1` is a name, not an abbreviation of `Port-channel1`.
_ABBREVIATIONS = {"Gi": "GigabitEthernet", "Te": "TenGigabitEthernet", "Twe": "TwentyFiveGigE",
                  "Fo": "FortyGigabitEthernet", "Hu": "HundredGigE", "Et": "Ethernet", "Eth": "Ethernet",
                  "Ma": "Management", "Po": "Port-channel"}
_PORT = re.compile(r"^([A-Za-z-]+)\s*(\d.*)$")


class FactsError(ValueError):
    """A device's output could not be read, or a platform has no facts commands here."""


def port_name(name: str) -> str:
    """`Te1/1/1` -> `TenGigabitEthernet1/1/1`; unknown prefixes and long names are kept."""
    m = _PORT.match(name.strip())
    if not m:
        return name.strip()
    prefix, rest = m.groups()
    return _ABBREVIATIONS.get(prefix, prefix) + rest


@dataclass(frozen=True)
class Neighbor:
    local_port: str
    device: str
    port: str


@dataclass(frozen=True)
class DeviceFacts:
    """What a device says about itself; `neighbors` is None where LLDP was not read."""

    device: str
    model: str | None = None
    serial: str | None = None
    version: str | None = None
    hostname: str | None = None
    inventory_serial: str | None = None  # the chassis line of `show inventory`, when it has one
    inventory_model: str | None = None
    neighbors: tuple[Neighbor, ...] | None = None

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> DeviceFacts:
        neighbors = data.get("neighbors")
        return cls(**{**data, "neighbors": None if neighbors is None else tuple(Neighbor(**n) for n in neighbors)})


def commands_for(platform: str) -> tuple[str, ...]:
    try:
        return FACT_COMMANDS[platform]
    except KeyError:
        raise FactsError(f"no facts commands for platform {platform!r}; known: {', '.join(sorted(FACT_COMMANDS))}") \
            from None


def _rows(platform: str, command: str, text: str) -> list[dict]:
    from ntc_templates.parse import parse_output

    try:
        return parse_output(platform="cisco_ios" if platform == "cisco_xe" else platform, command=command, data=text)
    except Exception as exc:  # textfsm raises its own error types for output it cannot read
        raise FactsError(f"cannot parse {command!r} output: {exc}") from None


def _first(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() or None if value else None


def parse_facts(device: str, platform: str, outputs: Mapping[str, str]) -> DeviceFacts:
    """One device's facts from the outputs of `commands_for(platform)`."""
    commands_for(platform)
    if platform == "fortinet":
        status = dict(re.findall(r"^([\w-]+):\s*(.*?)\s*$", outputs.get("get system status", ""), re.M))
        model, _, version = status.get("Version", "").partition(" ")
        return DeviceFacts(device, model=model or None, serial=status.get("Serial-Number"),
                           version=version.split(",")[0].lstrip("v") or None, hostname=status.get("Hostname"))
    version = _rows(platform, "show version", outputs.get("show version", ""))
    v = version[0] if version else {}
    inventory = _rows(platform, "show inventory", outputs.get("show inventory", ""))
    chassis = inventory[0] if inventory else {}
    lldp = _rows(platform, "show lldp neighbors", outputs.get("show lldp neighbors", ""))
    return DeviceFacts(
        device,
        model=_first(v.get("hardware") or v.get("model")),
        serial=_first(v.get("serial") or v.get("serial_number")),
        version=_first(v.get("version") or v.get("image")),
        hostname=_first(v.get("hostname")),
        inventory_serial=_first(chassis.get("sn")),
        inventory_model=_first(chassis.get("pid")),
        neighbors=tuple(Neighbor(port_name(r["local_interface"]), r["neighbor_name"].strip(),
                                 port_name(r["neighbor_interface"])) for r in lldp),
    )


@dataclass(frozen=True)
class Mismatch:
    kind: str
    device: str
    expected: str
    found: str
    detail: str = ""

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Failed:
    device: str
    error: str


@dataclass
class Reconciliation:
    mismatches: list[Mismatch] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for m in self.mismatches:
            out[m.kind] += 1
        return out


def _same_name(seen: str, expected: str) -> bool:
    """An LLDP system name against an inventory name: no domain, IOS' 20-character cut."""
    seen = seen.split(".")[0]
    return seen == expected or (len(seen) == 20 and expected.startswith(seen))


def _cabling(inv: Inventory) -> dict[tuple[str, str], tuple[str, str]]:
    """(device, long port) -> (far device, far long port), both directions."""
    ends: dict[tuple[str, str], tuple[str, str]] = {}
    for cable in inv.cables:
        for near, far in ((cable.a, cable.b), (cable.b, cable.a)):
            ends[(near.device, port_name(near.interface))] = (far.device, port_name(far.interface))
    return ends


def _device_checks(inv: Inventory, f: DeviceFacts) -> list[Mismatch]:
    dev = inv.device(f.device)
    out = []
    for found in sorted({s for s in (f.serial, f.inventory_serial) if s}):
        if found != (dev.serial or ""):
            out.append(Mismatch("serial", f.device, dev.serial or "", found))
    model = inv.device_type_of(dev).model
    for found in sorted({m for m in (f.model, f.inventory_model) if m}):
        if found != model:
            out.append(Mismatch("model", f.device, model, found))
    if f.hostname and not _same_name(f.hostname, f.device):
        out.append(Mismatch("hostname", f.device, f.device, f.hostname))
    return out


def _lldp_checks(inv: Inventory, f: DeviceFacts, cabling: dict, known: Collection[str]) -> list[Mismatch]:
    if f.neighbors is None:
        return []
    out = []
    seen_on: dict[str, list[Neighbor]] = {}
    for n in f.neighbors:
        seen_on.setdefault(n.local_port, []).append(n)
        where = f"{f.device} {n.local_port}"
        if not any(_same_name(n.device, k) for k in known):
            out.append(Mismatch("extra", n.device.split(".")[0], "", f"{n.device} {n.port}",
                                f"seen by {where}; not a device of the inventory"))
        far = cabling.get((f.device, n.local_port))
        if far is None:
            out.append(Mismatch("lldp_uncabled", f.device, "", f"{n.device} {n.port}",
                                f"{where}: no cable in the inventory"))
        elif not (_same_name(n.device, far[0]) and n.port == far[1]):
            out.append(Mismatch("lldp_mismatch", f.device, f"{far[0]} {far[1]}", f"{n.device} {n.port}",
                                f"{where}: the cabling says {far[0]} {far[1]}"))
    lldp_devices = {d.name for d in inv.devices if d.platform in LLDP_PLATFORMS}
    for (device, port), (far_dev, far_port) in sorted(cabling.items()):
        if device == f.device and far_dev in lldp_devices and port not in seen_on:
            out.append(Mismatch("lldp_missing", f.device, f"{far_dev} {far_port}", "",
                                f"{f.device} {port}: cabled to {far_dev} {far_port}, no LLDP neighbour"))
    return out


def reconcile(inv: Inventory, outcomes: Collection[DeviceFacts | Failed]) -> Reconciliation:
    """Every disagreement between the devices' facts and the inventory, sorted by kind and device."""
    known = {d.name for d in inv.devices}
    cabling = _cabling(inv)
    found: list[Mismatch] = []
    for o in outcomes:
        if isinstance(o, Failed):
            found.append(Mismatch("missing", o.device, "answering", "", o.error))
            continue
        found += _device_checks(inv, o)
        found += _lldp_checks(inv, o, cabling, known)
    # An unknown box seen by several neighbours is one extra device, its sightings joined.
    extras: dict[str, Mismatch] = {}
    for m in sorted((m for m in found if m.kind == "extra"), key=lambda m: m.detail):
        prev = extras.get(m.device)
        extras[m.device] = m if prev is None else Mismatch("extra", m.device, "", prev.found,
                                                           f"{prev.detail}; {m.detail}")
    found = [m for m in found if m.kind != "extra"] + list(extras.values())
    unique = sorted(set(found), key=lambda m: (KINDS.index(m.kind), m.device, m.found, m.detail))
    return Reconciliation(unique)
