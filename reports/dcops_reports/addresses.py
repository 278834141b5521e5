"""Address and VLAN usage, as NetBox shows it: per prefix usable, used, free and the next
free address; per VLAN its prefixes, ports and addressed devices; per site the VLAN IDs left.

Why Python's `ipaddress` and not SQL: DuckDB's INET extension is not installed (and the
report connection never downloads one), and most addresses are not `ip_addresses` records
but devices' and VMs' `mgmt_ip`/`oob_ip`, in the VRFs the meta names - the same rule the
inventory's address check applies (checks.py `_addresses`).

Arithmetic, per VRF:

- A network prefix (any role but `container`): usable = all addresses but the network and
  broadcast ones (a /31 or /32 uses all); used = distinct addresses recorded inside it;
  next free = its lowest usable address nobody holds.
- A container prefix holds prefixes, not addresses: used = the addresses its outermost
  child prefixes cover; next free = the first free block (CIDR) between them.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Iterator

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Prefix
from dcops_reports.reports import Report, ReportSet


@dataclass(frozen=True)
class Holder:
    """Who holds an address: `devices[sc-core-01].mgmt_ip`, `ip_addresses[prod:10.0.0.5/24]`."""

    vrf: str
    address: IPv4Address
    owner: str
    device: str | None  # the device or VM holding it, when known


def holders(inv: Inventory) -> Iterator[Holder]:
    mgmt, oob = inv.meta.mgmt_vrf, inv.meta.oob_vrf or inv.meta.mgmt_vrf
    for dev in inv.devices:
        if dev.mgmt_ip:
            yield Holder(mgmt, dev.mgmt_ip.ip, f"devices[{dev.name}].mgmt_ip", dev.name)
        if dev.oob_ip:
            yield Holder(oob, dev.oob_ip.ip, f"devices[{dev.name}].oob_ip", dev.name)
    for vm in inv.vms:
        if vm.mgmt_ip:
            yield Holder(mgmt, vm.mgmt_ip.ip, f"vms[{vm.name}].mgmt_ip", vm.name)
    for ip in inv.ip_addresses:
        yield Holder(ip.vrf, ip.address.ip, f"ip_addresses[{ip.key}]", ip.device or ip.vm)


def usable_range(net: IPv4Network) -> tuple[int, int]:
    """First and last usable address as integers (a /31 or /32 has no network/broadcast)."""
    first, last = int(net.network_address), int(net.broadcast_address)
    return (first, last) if net.prefixlen >= 31 else (first + 1, last - 1)


def next_free_address(net: IPv4Network, used: set[int]) -> IPv4Address | None:
    first, last = usable_range(net)
    for candidate in range(first, last + 1):
        if candidate not in used:
            return IPv4Address(candidate)
    return None


def outermost(children: list[IPv4Network]) -> list[IPv4Network]:
    """The children not inside another child, in address order."""
    out: list[IPv4Network] = []
    for net in sorted(set(children), key=lambda n: (int(n.network_address), n.prefixlen)):
        if not out or not net.subnet_of(out[-1]):
            out.append(net)
    return out


def free_blocks(container: IPv4Network, children: list[IPv4Network]) -> list[IPv4Network]:
    """The container's address space its children leave free, as CIDR blocks in address order."""
    free = [container]
    for child in outermost(children):
        nxt: list[IPv4Network] = []
        for block in free:
            if child.subnet_of(block):
                nxt.extend(block.address_exclude(child))
            else:
                nxt.append(block)
        free = nxt
    return sorted(ipaddress.collapse_addresses(free), key=lambda n: int(n.network_address))


PREFIX_COLUMNS = ["prefix", "vrf", "site", "vlan", "role", "usable", "used", "free", "utilisation_percent",
                  "next_free"]
VLAN_COLUMNS = ["vlan", "vid", "site", "role", "prefixes", "addresses_used", "devices_addressed",
                "untagged_ports", "tagged_ports", "devices_with_ports"]
VID_COLUMNS = ["site", "vlans", "vids_free", "next_free_vid"]


def _in_scope(p: Prefix, site: str | None, vrf: str | None) -> bool:
    return (site is None or p.site == site) and (vrf is None or p.vrf == vrf)


def _prefix_rows(inv: Inventory, site: str | None, vrf: str | None,
                 used_by_vrf: dict[str, Held]) -> list[tuple]:
    by_vrf: dict[str, list[Prefix]] = defaultdict(list)
    for p in inv.prefixes:
        by_vrf[p.vrf].append(p)
    rows = []
    for p in sorted(inv.prefixes, key=lambda p: (p.vrf, int(p.prefix.network_address), p.prefix.prefixlen)):
        if not _in_scope(p, site, vrf):
            continue
        net = p.prefix
        children = [q.prefix for q in by_vrf[p.vrf] if q.prefix != net and q.prefix.subnet_of(net)]
        if p.role == "container" or children:
            usable = net.num_addresses
            used = sum(c.num_addresses for c in outermost(children))
            blocks = free_blocks(net, children)
            nxt: str | None = str(blocks[0]) if blocks else None
        else:
            first, last = usable_range(net)
            usable = last - first + 1
            inside = used_by_vrf.get(p.vrf, EMPTY).inside(net)
            held = {int(h.address) for h in inside if first <= int(h.address) <= last}
            used = len(held)
            free_ip = next_free_address(net, held)
            nxt = str(free_ip) if free_ip else None
        rows.append((str(net), p.vrf, p.site, p.vlan, p.role, usable, used, usable - used,
                     round(100.0 * used / usable, 1) if usable else None, nxt))
    return rows


def _vlan_rows(inv: Inventory, site: str | None, used_by_vrf: dict[str, Held]) -> list[tuple]:
    untagged: dict[str, list[str]] = defaultdict(list)
    tagged: dict[str, list[str]] = defaultdict(list)
    for iface in inv.interfaces:
        if iface.untagged_vlan:
            untagged[iface.untagged_vlan].append(iface.device)
        for name in iface.tagged_vlans:
            tagged[name].append(iface.device)
    prefixes: dict[str, list[Prefix]] = defaultdict(list)
    for p in inv.prefixes:
        if p.vlan:
            prefixes[p.vlan].append(p)
    rows = []
    for v in sorted(inv.vlans, key=lambda v: (v.site or "", v.vid, v.name)):
        if site is not None and v.site != site:
            continue
        mine = sorted(prefixes[v.name], key=lambda p: int(p.prefix.network_address))
        held = [h for p in mine for h in used_by_vrf.get(p.vrf, EMPTY).inside(p.prefix)]
        rows.append((v.name, v.vid, v.site, v.role, [str(p.prefix) for p in mine], len(held),
                     len({h.device for h in held if h.device}), len(untagged[v.name]), len(tagged[v.name]),
                     sorted(set(untagged[v.name]) | set(tagged[v.name]))))
    return rows


def _vid_rows(inv: Inventory, site: str | None) -> list[tuple]:
    vids: dict[str, set[int]] = defaultdict(set)
    for v in inv.vlans:
        vids[v.site or "(global)"].add(v.vid)
    rows = []
    for name in sorted(vids):
        if site is not None and name != site:
            continue
        used = vids[name]
        nxt = next((vid for vid in range(2, 4095) if vid not in used), None)  # VLAN 1 is the default VLAN
        rows.append((name, len(used), 4093 - len(used - {1}), nxt))
    return rows


class Held:
    """The addresses held in one VRF, sorted, so a prefix's share is two bisections away."""

    def __init__(self) -> None:
        self.by_int: dict[int, Holder] = {}
        self._keys: list[int] | None = None

    def add(self, holder: Holder) -> None:
        self.by_int.setdefault(int(holder.address), holder)  # validation rejects duplicates
        self._keys = None

    def inside(self, net: IPv4Network) -> list[Holder]:
        if self._keys is None:
            self._keys = sorted(self.by_int)
        lo = bisect.bisect_left(self._keys, int(net.network_address))
        hi = bisect.bisect_right(self._keys, int(net.broadcast_address))
        return [self.by_int[k] for k in self._keys[lo:hi]]


EMPTY = Held()  # a VRF nobody holds an address in


def used_addresses(inv: Inventory) -> dict[str, Held]:
    """Per VRF, every address held and its holder."""
    out: dict[str, Held] = defaultdict(Held)
    for h in holders(inv):
        out[h.vrf].add(h)
    return dict(out)


def addresses_report(inv: Inventory, site: str | None = None, vrf: str | None = None) -> ReportSet:
    """Prefix utilisation (usable, used, free, next free), VLAN usage and VLAN IDs left per site."""
    used = used_addresses(inv)
    notes = ["used = device/VM mgmt_ip and oob_ip (in the meta's mgmt/oob VRF) and ip_addresses records; "
             "a container's used = its child prefixes; next_free in a container is the first free block."]
    if not any(i.untagged_vlan or i.tagged_vlans for i in inv.interfaces):
        notes.append("No interface record names a VLAN: port counts per VLAN are 0 until interfaces record "
                     "untagged_vlan / tagged_vlans.")
    where = ", ".join(x for x in (f"site {site}" if site else "", f"VRF {vrf}" if vrf else "") if x)
    return ReportSet(f"Addresses and VLANs{' (' + where + ')' if where else ''}", {
        "prefixes": Report("Prefixes: usable, used, free and the next free address", PREFIX_COLUMNS,
                           _prefix_rows(inv, site, vrf, used)),
        "vlans": Report("VLANs: prefixes, addresses and ports", VLAN_COLUMNS, _vlan_rows(inv, site, used)),
        "vlan_ids": Report("VLAN IDs per site (2-4094; 1 is the default VLAN)", VID_COLUMNS, _vid_rows(inv, site)),
    }, notes)
