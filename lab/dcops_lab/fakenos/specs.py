"""Turns inventory devices into lab device specs: facts, ports, LLDP neighbours, config.

The lab serves every network device the inventory manages (see `dcops_devices.intent.baseline.
network_devices`) with its own platform; each boots with the baseline config rendered
from the inventory plus its described interfaces, so a fresh lab is compliant and any
drift is something a test or a user pushed.
"""

from __future__ import annotations

from dcops_devices.intent import configtree
from dcops_devices.intent.baseline import baseline_for, network_devices, render
from dcops_inventory import Inventory
from dcops_inventory.models import Device
from dcops_lab.fakenos.devices import DeviceSpec, NeighborSpec, PortSpec
from dcops_lab.fakenos.dialects import DIALECTS

VERSIONS = {"cisco_ios": "17.9.4a", "cisco_xe": "17.9.4a", "arista_eos": "4.28.3M", "fortinet": "7.2.5"}


def _interface_config(inv: Inventory, device: Device) -> list[str]:
    """Described ports as IOS/EOS interface blocks (FortiOS ports carry no such lines)."""
    if configtree.PARSERS.get(device.platform or "") is not configtree.parse_indented:
        return []
    lines: list[str] = []
    vid = {v.name: v.vid for v in inv.vlans}
    for iface in inv.device_interfaces(device):
        if not iface.description and not iface.mode:
            continue
        lines.append(f"interface {iface.name}")
        if iface.description:
            lines.append(f" description {iface.description}")
        if iface.mode == "trunk":
            lines.append(" switchport mode trunk")
            if iface.tagged_vlans:
                lines.append(" switchport trunk allowed vlan " + ",".join(str(vid[v]) for v in iface.tagged_vlans))
        elif iface.mode == "access":
            lines.append(" switchport mode access")
            if iface.untagged_vlan:
                lines.append(f" switchport access vlan {vid[iface.untagged_vlan]}")
    return lines


def _neighbors(inv: Inventory, device: Device) -> tuple[NeighborSpec, ...]:
    out = []
    for cable in inv.cables:
        for near, far in ((cable.a, cable.b), (cable.b, cable.a)):
            if near.device == device.name:
                out.append(NeighborSpec(near.interface, far.device, far.interface))
    return tuple(sorted(out, key=lambda n: n.local_port))


def device_spec(inv: Inventory, device: Device) -> DeviceSpec:
    platform = device.platform or ""
    dtype = inv.device_type_of(device)
    ports = tuple(PortSpec(i.name, i.description or "", i.enabled, i.speed_mbps or 1000)
                  for i in inv.device_interfaces(device) if i.type not in ("lag", "virtual", "power"))
    config = render(platform, baseline_for(inv, device)) + _interface_config(inv, device)
    return DeviceSpec(name=device.name, platform=platform, model=dtype.model, serial=device.serial or "UNKNOWN",
                      version=VERSIONS.get(platform, "1.0"), config=tuple(config), ports=ports,
                      neighbors=_neighbors(inv, device))


def lab_devices(inv: Inventory, names: list[str] | None = None) -> list[Device]:
    """The devices a lab serves: managed network devices, optionally only `names`."""
    devices = [d for d in network_devices(inv) if d.platform in DIALECTS]
    if names:
        known = {d.name for d in devices}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise KeyError(f"not network devices the lab can serve: {', '.join(unknown)}")
        devices = [d for d in devices if d.name in set(names)]
    return devices
