"""The Ansible view of the inventory: hosts with their variables, and groups.

Pure data in, plain dicts out, so the inventory plugin stays a thin adapter and the golden
tests and the benchmark can call the same code. A host is every device and VM that has a
management address of the chosen kind; with a lab address map, ansible_host/ansible_port
come from the map (and a device missing from the map is left out, never given its
production address).

Linux hosts (platform `linux`, devices and VMs) form the group `linux` and carry
`dcops_ntp_servers`: the inventory's NTP servers by the convention the network baseline
follows (`dcops_devices.intent.baseline`: management addresses of active devices tagged
`ntp` and of active VMs whose role is `ntp`, own site first), without the host itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dcops_inventory import AddressMap, Inventory
from dcops_inventory.choices import NETWORK_PLATFORMS

GROUP_BY_CHOICES = ("site", "role", "platform", "rack", "cluster", "status", "manufacturer", "model",
                    "device_type", "tags", "ownership", "kind")
DEFAULT_GROUP_BY = ("site", "role", "platform", "rack", "cluster", "status")
ADDRESS_CHOICES = ("mgmt", "oob", "primary")

# ansible_network_os for platforms that have an Ansible network collection.
NETWORK_OS: dict[str, str] = {
    "cisco_ios": "cisco.ios.ios", "cisco_xe": "cisco.ios.ios", "cisco_nxos": "cisco.nxos.nxos",
    "arista_eos": "arista.eos.eos", "fortinet": "fortinet.fortios.fortios",
    "juniper_junos": "junipernetworks.junos.junos", "paloalto_panos": "paloaltonetworks.panos.panos",
    "hp_comware": "community.network.ce", "hp_procurve": "community.network.aruba",
}
# ansible_connection for the platforms whose collection (in the `ansible` package) drives
# them that way: network_cli (SSH CLI) for IOS/IOS-XE, NX-OS, EOS and Junos, httpapi (the
# REST API) for FortiOS, whose collection has no CLI plugins. dcops' own plays run on the
# controller whatever this says (they set ansible_connection: local as a play variable).
NETWORK_CONNECTION: dict[str, str] = {
    "cisco_ios": "ansible.netcommon.network_cli", "cisco_xe": "ansible.netcommon.network_cli",
    "cisco_nxos": "ansible.netcommon.network_cli", "arista_eos": "ansible.netcommon.network_cli",
    "juniper_junos": "ansible.netcommon.network_cli", "fortinet": "ansible.netcommon.httpapi",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
LINUX_PLATFORM = "linux"


def group_name(kind: str, value: str) -> str:
    return _UNSAFE.sub("_", f"{kind}_{value}")


def ntp_sources(inv: Inventory) -> list[tuple[str, str]]:
    """(site, address) of every NTP server, collected once for the whole view."""
    found = [(dev.site, str(dev.mgmt_ip.ip)) for dev in inv.devices
             if "ntp" in dev.tags and dev.mgmt_ip and dev.status == "active"]
    clusters = inv.index("clusters")
    found += [(clusters[vm.cluster].site, str(vm.mgmt_ip.ip)) for vm in inv.vms
              if vm.role == "ntp" and vm.mgmt_ip and vm.status == "active"]
    return found


def ntp_servers_for(sources: list[tuple[str, str]], site: str, own_ip: str | None) -> list[str]:
    """The host's own site first, then the others (ordered as the network baseline orders them)."""
    return [ip for _, ip in sorted((s != site, ip) for s, ip in sources if ip != own_ip)]


@dataclass
class AnsibleView:
    hosts: dict[str, dict] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    all_vars: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"hosts": self.hosts, "groups": self.groups, "all_vars": self.all_vars}

    @classmethod
    def from_dict(cls, data: dict) -> "AnsibleView":
        return cls(data["hosts"], data["groups"], data["all_vars"])


def build_view(inv: Inventory, *, address: str = "primary", address_map: AddressMap | None = None,
               group_by: tuple[str, ...] | list[str] = DEFAULT_GROUP_BY, include_vms: bool = True,
               statuses: list[str] | None = None, inventory_source: str = "",
               address_map_source: str = "") -> AnsibleView:
    if address not in ADDRESS_CHOICES:
        raise ValueError(f"management_address: unknown choice {address!r}; valid: {', '.join(ADDRESS_CHOICES)}")
    unknown = [g for g in group_by if g not in GROUP_BY_CHOICES]
    if unknown:
        raise ValueError(f"group_by: unknown {unknown}; valid: {', '.join(GROUP_BY_CHOICES)}")
    view = AnsibleView()
    types = inv.index("device_types")
    groups: dict[str, list[str]] = {"devices": [], "vms": [], "network": [], "linux": []}
    ntp = ntp_sources(inv)

    def place(host: str, facts: dict) -> None:
        for kind in group_by:
            value = facts.get(kind)
            for v in (value if isinstance(value, list) else [value]):
                if v:
                    groups.setdefault(group_name(kind, str(v)), []).append(host)

    def endpoint(name: str, ip: str | None) -> dict | None:
        if address_map is not None:
            ep = address_map.endpoint(name, "ssh")
            return {"ansible_host": ep.host, "ansible_port": ep.port} if ep else None
        return {"ansible_host": ip} if ip else None

    for dev in inv.devices:
        if statuses and dev.status not in statuses:
            continue
        ep = endpoint(dev.name, inv.mgmt_address(dev, address))
        if ep is None:
            continue
        dtype = types[dev.device_type]
        hv: dict[str, object] = dict(ep)
        if dev.platform in NETWORK_OS:
            hv["ansible_network_os"] = NETWORK_OS[dev.platform]
        if dev.platform in NETWORK_CONNECTION:
            hv["ansible_connection"] = NETWORK_CONNECTION[dev.platform]
        if dev.platform in NETWORK_PLATFORMS:
            # Network devices are driven from the controller (connection: local in the plays).
            hv["ansible_python_interpreter"] = "{{ ansible_playbook_python }}"
        if dev.credentials:
            hv["ansible_user"] = inv.get("credentials", dev.credentials).username
        facts = {
            "kind": "device", "site": dev.site, "role": dev.role, "platform": dev.platform, "rack": dev.rack,
            "cluster": dev.cluster, "status": dev.status, "manufacturer": dtype.manufacturer,
            "model": dtype.model, "device_type": dev.device_type, "tags": list(dev.tags),
            "ownership": dev.ownership,
        }
        hv.update({f"dcops_{k}": v for k, v in facts.items() if v not in (None, [])})
        hv.update({k: v for k, v in (("dcops_serial", dev.serial), ("dcops_credentials", dev.credentials),
                                      ("dcops_snmp_profile", dev.snmp_profile),
                                      ("dcops_mgmt_ip", str(dev.mgmt_ip.ip) if dev.mgmt_ip else None),
                                      ("dcops_oob_ip", str(dev.oob_ip.ip) if dev.oob_ip else None)) if v})
        if dev.platform == LINUX_PLATFORM:
            hv["dcops_ntp_servers"] = ntp_servers_for(ntp, dev.site, str(dev.mgmt_ip.ip) if dev.mgmt_ip else None)
            groups["linux"].append(dev.name)
        view.hosts[dev.name] = hv
        groups["devices"].append(dev.name)
        if dev.platform in NETWORK_PLATFORMS:
            groups["network"].append(dev.name)
        place(dev.name, facts)

    if include_vms:
        clusters = inv.index("clusters")
        for vm in inv.vms:
            if statuses and vm.status not in statuses:
                continue
            ep = endpoint(vm.name, str(vm.mgmt_ip.ip) if vm.mgmt_ip and address != "oob" else None)
            if ep is None:
                continue
            site = clusters[vm.cluster].site
            hv = dict(ep)
            if vm.credentials:
                hv["ansible_user"] = inv.get("credentials", vm.credentials).username
            facts = {"kind": "vm", "site": site, "role": vm.role, "platform": vm.platform, "cluster": vm.cluster,
                     "status": vm.status}
            hv.update({f"dcops_{k}": v for k, v in facts.items() if v})
            hv.update({k: v for k, v in (("dcops_host", vm.host), ("dcops_os", vm.os),
                                          ("dcops_credentials", vm.credentials),
                                          ("dcops_mgmt_ip", str(vm.mgmt_ip.ip) if vm.mgmt_ip else None)) if v})
            if vm.platform == LINUX_PLATFORM:
                hv["dcops_ntp_servers"] = ntp_servers_for(ntp, site, str(vm.mgmt_ip.ip) if vm.mgmt_ip else None)
                groups["linux"].append(vm.name)
            view.hosts[vm.name] = hv
            groups["vms"].append(vm.name)
            place(vm.name, facts)

    view.groups = {g: members for g, members in sorted(groups.items()) if members}
    view.all_vars = {"dcops_inventory_source": inventory_source}
    if address_map_source:
        view.all_vars["dcops_address_map"] = address_map_source
    return view
