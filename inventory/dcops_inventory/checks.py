"""Cross-record checks: references, placement, rack space, addressing, redundancy, cycles.

Each check is a small function `(inventory, ctx) -> iterable of Problem` registered in
CHECKS, so adding one never means editing the others.

When a file did not load, or a record has no valid name, records are missing, and "unknown
X" for each reference to one of them would bury the one real error. `Context.exists`
therefore answers yes for a reference into a collection such a cause (errors.Unchecked)
covers, counting it; `run_checks` reports each count as one line at its cause. A check that
concludes something from an absence (no prefix holds an address, a host has no capacity
record) asks `ctx.unverifiable` first.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from dcops_inventory.errors import CROSS_RECORD, UNCHECKED, Problem, Unchecked
from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Prefix
from dcops_inventory.models.monitoring import ScrapeTier, format_duration


@dataclass
class Context:
    inv: Inventory
    raw_keys: dict[str, set[str]]  # every key seen, valid or not: no cascades of "unknown X"
    causes: Sequence[Unchecked] = ()  # why some collections may be missing records
    unchecked: dict[int, int] = dataclasses.field(default_factory=dict)  # cause index -> references not checked

    def problem(self, collection: str, key: str, field: str, reason: str) -> Problem:
        src = self.inv.source_of(collection, key)
        top = field.split(".")[0].split("[")[0]
        file, line = (src.file, src.line_of(top)) if src else (str(self.inv.root), 1)
        return Problem(file, line, f"{collection}[{key}].{field}", reason, CROSS_RECORD)

    def meta_problem(self, field: str, reason: str) -> Problem:
        src = self.inv.meta_source
        file, line = (src.file, src.line_of(field)) if src else (str(self.inv.root), 1)
        return Problem(file, line, f"meta.{field}", reason, CROSS_RECORD)

    def known(self, collection: str, key: str) -> bool:
        return key in self.raw_keys.get(collection, ()) or key in self.inv.index(collection)

    def unverifiable(self, *collections: str) -> bool:
        """Whether an absence in these collections may be due to a cause (counted against it)."""
        for i, cause in enumerate(self.causes):
            if not cause.collections.isdisjoint(collections):
                self.unchecked[i] = self.unchecked.get(i, 0) + 1
                return True
        return False

    def exists(self, collection: str, key: str) -> bool:
        return self.known(collection, key) or self.unverifiable(collection)

    def exists_any(self, collections: Sequence[str], key: str) -> bool:
        return any(self.known(c, key) for c in collections) or self.unverifiable(*collections)


Check = Callable[[Context], Iterable[Problem]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def run_checks(inv: Inventory, raw_keys: dict[str, set[str]], causes: Sequence[Unchecked] = ()) -> list[Problem]:
    """Every check's problems, then one line per cause of references that could not be checked."""
    ctx = Context(inv, raw_keys, causes)
    problems = [p for fn in CHECKS for p in fn(ctx)]
    for i, n in sorted(ctx.unchecked.items()):
        cause = causes[i]
        problems.append(Problem(cause.file, cause.line, "references",
                                f"{n} reference{'' if n == 1 else 's'} could not be checked because {cause.because}",
                                UNCHECKED))
    return problems


# -- references ---------------------------------------------------------------------------
# (collection, field, target collection); list fields are checked item by item.
REFERENCES: list[tuple[str, str, str]] = [
    ("locations", "site", "sites"),
    ("power_feeds", "site", "sites"),
    ("power_feeds", "ups", "devices"),
    ("racks", "site", "sites"),
    ("racks", "location", "locations"),
    ("racks", "feeds", "power_feeds"),
    ("devices", "device_type", "device_types"),
    ("devices", "site", "sites"),
    ("devices", "location", "locations"),
    ("devices", "rack", "racks"),
    ("devices", "credentials", "credentials"),
    ("devices", "snmp_profile", "snmp_profiles"),
    ("devices", "cluster", "clusters"),
    ("devices", "os", "software"),
    ("interfaces", "device", "devices"),
    ("interfaces", "untagged_vlan", "vlans"),
    ("interfaces", "tagged_vlans", "vlans"),
    ("prefixes", "vrf", "vrfs"),
    ("prefixes", "site", "sites"),
    ("prefixes", "vlan", "vlans"),
    ("vlans", "site", "sites"),
    ("ip_addresses", "vrf", "vrfs"),
    ("ip_addresses", "device", "devices"),
    ("ip_addresses", "vm", "vms"),
    ("circuits", "site", "sites"),
    ("circuits", "device", "devices"),
    ("clusters", "site", "sites"),
    ("vms", "cluster", "clusters"),
    ("vms", "host", "devices"),
    ("vms", "os", "software"),
    ("vms", "credentials", "credentials"),
    ("services", "depends_on", "services"),
    ("services", "external", "external_parties"),
    ("services", "availability_goal", "availability_goals"),
    ("services", "owner", "staff"),
    ("external_parties", "via", "external_parties"),
    ("credentials", "password_secret", "secrets"),
    ("credentials", "enable_secret", "secrets"),
    ("snmp_profiles", "community_secret", "secrets"),
    ("snmp_profiles", "auth_secret", "secrets"),
    ("snmp_profiles", "priv_secret", "secrets"),
    ("asset_pools", "site", "sites"),
]


# How a message names one record of a collection.
SINGULAR = {
    "sites": "site", "locations": "location", "power_feeds": "power feed", "racks": "rack",
    "device_types": "device type", "devices": "device", "vlans": "VLAN", "vrfs": "VRF",
    "vms": "VM", "clusters": "cluster", "software": "software", "services": "service",
    "external_parties": "external party", "availability_goals": "availability goal",
    "redundancy_groups": "redundancy group", "secrets": "secret", "credentials": "credentials",
    "snmp_profiles": "SNMP profile", "staff": "staff role", "circuits": "circuit",
}


def _values(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _unknown(ctx: Context, target: str, value: str) -> str:
    """"unknown <kind> <value>", except that a secret reference is never echoed: a user who
    pasted a password where its name belongs must not see it in a log."""
    if target != "secrets":
        return f"unknown {SINGULAR[target]} {value!r}"
    close = difflib.get_close_matches(value, list(ctx.inv.index("secrets")), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown secret{hint}: expected the name of a `secrets` entry; the value is not shown, as it may be a secret"


@check
def dangling_references(ctx: Context) -> Iterator[Problem]:
    for collection, field, target in REFERENCES:
        # every key seen (ctx.known's first test), looked up here without a call per value
        seen = ctx.raw_keys.get(target, set())
        for rec in getattr(ctx.inv, collection):
            given = getattr(rec, field)
            if given is None or (given in seen if isinstance(given, str) else seen.issuperset(given)):
                continue
            for value in _values(given):
                if not ctx.exists(target, value):
                    yield ctx.problem(collection, rec.key, field, _unknown(ctx, target, value))
    for svc in ctx.inv.services:
        for field, target in (("vms", "vms"), ("devices", "devices"), ("circuits", "circuits")):
            for value in getattr(svc.runs_on, field):
                if not ctx.exists(target, value):
                    yield ctx.problem("services", svc.key, f"runs_on.{field}", f"unknown {SINGULAR[target]} {value!r}")
    for group in ctx.inv.redundancy_groups:
        for member in group.members:
            if not ctx.exists_any(("devices", "vms", "circuits"), member):
                yield ctx.problem("redundancy_groups", group.key, "members",
                                  f"unknown member {member!r} (not a device, VM or circuit)")
    for goal in ctx.inv.availability_goals:
        target = {"site": "sites", "component_group": "redundancy_groups", "service": "services"}[goal.scope]
        for subject in goal.subjects:
            if not ctx.exists(target, subject):
                yield ctx.problem("availability_goals", goal.key, "subjects", f"unknown {SINGULAR[target]} {subject!r}")
    # citations (provenance) and the meta's vocabularies: checks_sources.py


@check
def meta_references(ctx: Context) -> Iterator[Problem]:
    """The VRFs the meta names: written ones always, the default `mgmt` once an address uses it."""
    inv, meta = ctx.inv, ctx.inv.meta
    mgmt_used = any(d.mgmt_ip for d in inv.devices) or any(v.mgmt_ip for v in inv.vms)
    oob_used = any(d.oob_ip for d in inv.devices)
    for field, used in (("mgmt_vrf", mgmt_used or (oob_used and meta.oob_vrf is None)), ("oob_vrf", oob_used)):
        value = getattr(meta, field)
        written = field in meta.model_fields_set
        if value is None or not (written or used) or ctx.exists("vrfs", value):
            continue
        default = "" if written else " (the default; name the management VRF in meta.mgmt_vrf)"
        yield ctx.meta_problem(field, f"unknown VRF {value!r}{default}")


@check
def placement(ctx: Context) -> Iterator[Problem]:
    """A rack's room is in the rack's site; a device is in its rack's site and room, and its
    room in its site; a VM runs on a host of its own cluster. One message per record: the
    first disagreement found, in that order."""
    inv = ctx.inv
    locations = inv.index("locations")
    racks = inv.index("racks")
    devices = inv.index("devices")
    for rack in inv.racks:
        room = locations.get(rack.location) if rack.location else None
        if room is not None and room.site != rack.site:
            yield ctx.problem("racks", rack.key, "location", f"location {room.name!r} is in site {room.site!r}, not {rack.site!r}")
    for dev in inv.devices:
        in_rack = racks.get(dev.rack) if dev.rack else None
        room = locations.get(dev.location) if dev.location else None
        if in_rack is not None and in_rack.site != dev.site:
            yield ctx.problem("devices", dev.key, "rack", f"rack {in_rack.name!r} is in site {in_rack.site!r}, not {dev.site!r}")
        elif room is not None and room.site != dev.site:
            yield ctx.problem("devices", dev.key, "location", f"location {room.name!r} is in site {room.site!r}, not {dev.site!r}")
        elif room is not None and in_rack is not None and in_rack.location is not None and in_rack.location != room.name:
            yield ctx.problem("devices", dev.key, "location",
                              f"location {room.name!r} is not where its rack {in_rack.name!r} is ({in_rack.location!r})")
    for vm in inv.vms:
        host = devices.get(vm.host) if vm.host else None
        if host is not None and host.cluster != vm.cluster:
            where = f"in cluster {host.cluster!r}" if host.cluster else "in no cluster"
            yield ctx.problem("vms", vm.key, "host", f"host {host.name!r} is {where}, not {vm.cluster!r}")


@check
def rack_placement(ctx: Context) -> Iterator[Problem]:
    inv = ctx.inv
    racks = inv.index("racks")
    types = inv.index("device_types")
    occupied: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for dev in inv.devices:
        if dev.rack is None or dev.rack not in racks or dev.device_type not in types:
            continue
        rack = racks[dev.rack]
        height = types[dev.device_type].u_height
        if height == 0:
            continue
        if dev.position is None:
            yield ctx.problem("devices", dev.key, "position", f"a {height}U device in rack {rack.name!r} needs a position")
            continue
        top = dev.position + height - 1
        if top > rack.u_height:
            yield ctx.problem("devices", dev.key, "position",
                              f"U{dev.position}-U{top} is past the top of rack {rack.name!r} ({rack.u_height}U)")
            continue
        for lo, hi, other in occupied[rack.name]:
            if dev.position <= hi and lo <= top:
                yield ctx.problem("devices", dev.key, "position",
                                  f"U{dev.position}-U{top} overlaps {other!r} (U{lo}-U{hi}) in rack {rack.name!r}")
                break
        else:
            occupied[rack.name].append((dev.position, top, dev.name))


def _addresses(inv: Inventory) -> Iterator[tuple[str, str, str, ipaddress.IPv4Interface]]:
    """(collection, key, field, address) with the VRF implied: device/VM management addresses
    live in the meta's mgmt VRF (oob addresses in its oob VRF), ip_addresses name theirs."""
    for dev in inv.devices:
        if dev.mgmt_ip:
            yield "devices", dev.key, "mgmt_ip", dev.mgmt_ip
        if dev.oob_ip:
            yield "devices", dev.key, "oob_ip", dev.oob_ip
    for vm in inv.vms:
        if vm.mgmt_ip:
            yield "vms", vm.key, "mgmt_ip", vm.mgmt_ip


class _PrefixFinder:
    """The most specific non-container prefix holding an address, per VRF.

    Non-container prefixes of a VRF must not overlap (overlapping_prefixes reports it), so
    sorted by network they are disjoint and a bisect finds the one holding an address: the
    50k-device benchmark spends seconds in a linear scan otherwise. A VRF whose prefixes do
    overlap (an invalid inventory) falls back to the scan, so its messages stay the same.
    """

    def __init__(self, prefixes: Iterable[Prefix]) -> None:
        by_vrf: dict[str, list[Prefix]] = defaultdict(list)
        for pfx in prefixes:
            if pfx.role != "container":
                by_vrf[pfx.vrf].append(pfx)
        self._starts: dict[str, list[int]] = {}
        self._spans: dict[str, list[tuple[int, int, Prefix]]] = {}
        self._overlapping: dict[str, list[Prefix]] = {}
        for vrf, pfxs in by_vrf.items():
            spans = sorted((int(p.prefix.network_address), int(p.prefix.broadcast_address), p) for p in pfxs)
            if any(nxt[0] <= prev[1] for prev, nxt in zip(spans, spans[1:])):
                self._overlapping[vrf] = pfxs
                continue
            self._starts[vrf] = [lo for lo, _, _ in spans]
            self._spans[vrf] = spans

    def best(self, vrf: str, ip: int) -> Prefix | None:
        if vrf in self._overlapping:
            containing = [p for p in self._overlapping[vrf]
                          if int(p.prefix.network_address) <= ip <= int(p.prefix.broadcast_address)]
            return max(containing, key=lambda p: p.prefix.prefixlen) if containing else None
        i = bisect.bisect_right(self._starts.get(vrf, []), ip) - 1
        if i < 0:
            return None
        lo, hi, pfx = self._spans[vrf][i]
        return pfx if lo <= ip <= hi else None


@check
def addressing(ctx: Context) -> Iterator[Problem]:
    inv = ctx.inv
    finder = _PrefixFinder(inv.prefixes)
    vrf_of = {"mgmt_ip": inv.meta.mgmt_vrf, "oob_ip": inv.meta.oob_vrf or inv.meta.mgmt_vrf}
    entries = [(c, k, f, vrf_of[f], a) for c, k, f, a in _addresses(inv)]
    entries += [("ip_addresses", ip.key, "address", ip.vrf, ip.address) for ip in inv.ip_addresses]
    seen: dict[tuple[str, int], tuple[str, str, str]] = {}
    vrfs = {vrf: ctx.known("vrfs", vrf) for vrf in {e[3] for e in entries}}
    for collection, key, field, vrf, addr in entries:
        if not vrfs[vrf]:  # the unknown VRF is the one message (meta_references, dangling_references)
            ctx.unverifiable("vrfs")  # or its file did not load: then this address is unchecked
            continue
        ip = int(addr)
        if (vrf, ip) in seen:
            owner = "{}[{}].{}".format(*seen[(vrf, ip)])
            yield ctx.problem(collection, key, field, f"{addr.ip} is already used by {owner} in VRF {vrf!r}")
            continue
        seen[(vrf, ip)] = (collection, key, field)
        best = finder.best(vrf, ip)
        if best is None:
            if ctx.unverifiable("prefixes"):
                continue
            yield ctx.problem(collection, key, field, f"{addr} is outside every prefix of VRF {vrf!r}")
            continue
        if addr.network.prefixlen != best.prefix.prefixlen:
            yield ctx.problem(collection, key, field,
                              f"{addr} has mask /{addr.network.prefixlen} but its prefix {best.prefix} is /{best.prefix.prefixlen}")
        elif ip in (int(best.prefix.network_address), int(best.prefix.broadcast_address)) and best.prefix.prefixlen < 31:
            yield ctx.problem(collection, key, field, f"{addr.ip} is the network or broadcast address of {best.prefix}")


@check
def overlapping_prefixes(ctx: Context) -> Iterator[Problem]:
    by_vrf: dict[str, list[Prefix]] = defaultdict(list)
    for pfx in ctx.inv.prefixes:
        by_vrf[pfx.vrf].append(pfx)
    for vrf, prefixes in by_vrf.items():
        prefixes.sort(key=lambda p: (int(p.prefix.network_address), p.prefix.prefixlen))
        open_: list[Prefix] = []  # prefixes whose range may still contain the next ones
        for pfx in prefixes:
            open_ = [o for o in open_ if pfx.prefix.network_address <= o.prefix.broadcast_address]
            for other in open_:
                if other.role != "container" and pfx.prefix.subnet_of(other.prefix):
                    yield ctx.problem("prefixes", pfx.key, "prefix",
                                      f"{pfx.prefix} overlaps {other.prefix} in VRF {vrf!r} (only a container prefix may hold others)")
                    break
            open_.append(pfx)


@check
def vlan_ids(ctx: Context) -> Iterator[Problem]:
    seen: dict[tuple[str | None, int], str] = {}
    for vlan in ctx.inv.vlans:
        slot = (vlan.site, vlan.vid)
        if slot in seen:
            yield ctx.problem("vlans", vlan.key, "vid",
                              f"VLAN {vlan.vid} is already {seen[slot]!r} in {'site ' + repr(vlan.site) if vlan.site else 'the global scope'}")
        else:
            seen[slot] = vlan.name


@check
def redundancy(ctx: Context) -> Iterator[Problem]:
    for group in ctx.inv.redundancy_groups:
        if len(group.members) < group.minimum_members:
            yield ctx.problem("redundancy_groups", group.key, "members",
                              f"{group.requirement} with needed={group.needed} requires at least "
                              f"{group.minimum_members} members, has {len(group.members)}")
        dupes = {m for m in group.members if group.members.count(m) > 1}
        if dupes:
            yield ctx.problem("redundancy_groups", group.key, "members", f"listed twice: {sorted(dupes)}")


@check
def interfaces_and_cables(ctx: Context) -> Iterator[Problem]:
    inv = ctx.inv
    devices = inv.index("devices")
    ports = {t.name: set(t.interface_names()) for t in inv.device_types}
    logical = {(i.device, i.name) for i in inv.interfaces if i.type in ("lag", "virtual")}
    lags = {(i.device, i.name) for i in inv.interfaces if i.type == "lag"}

    def known(device: str, name: str) -> bool:
        dev = devices.get(device)
        if dev is None or dev.device_type not in ports:
            return True  # reported as a dangling reference already
        return name in ports[dev.device_type] or (device, name) in logical

    for iface in inv.interfaces:
        if iface.type not in ("lag", "virtual") and not known(iface.device, iface.name):
            yield ctx.problem("interfaces", iface.key, "name",
                              f"{iface.name!r} is not a port of {iface.device}'s device type")
        if iface.lag and (iface.device, iface.lag) not in lags and not ctx.unverifiable("interfaces"):
            yield ctx.problem("interfaces", iface.key, "lag", f"no LAG interface {iface.lag!r} on {iface.device}")
    used: dict[tuple[str, str], str] = {}
    for cable in inv.cables:
        for side in ("a", "b"):
            end = getattr(cable, side)
            if not ctx.exists("devices", end.device):
                yield ctx.problem("cables", cable.key, f"{side}.device", f"unknown device {end.device!r}")
                continue
            if not known(end.device, end.interface) and not ctx.unverifiable("interfaces", "device_types"):
                yield ctx.problem("cables", cable.key, f"{side}.interface",
                                  f"{end.interface!r} is not a port of {end.device}")
                continue
            slot = (end.device, end.interface)
            if slot in used:
                yield ctx.problem("cables", cable.key, f"{side}.interface",
                                  f"{end.device}:{end.interface} is already cabled ({used[slot]})")
            used[slot] = cable.key


@check
def scrape_tiers(ctx: Context) -> Iterator[Problem]:
    """One tier per role, at most one default, and one timeout per interval: tiers of the
    same interval share a Prometheus job (one per module and interval), so its timeout."""
    role_tier: dict[str, str] = {}
    default: str | None = None
    by_interval: dict[int, ScrapeTier] = {}
    for tier in ctx.inv.scrape_tiers:
        for role in tier.roles:
            if role in role_tier:
                yield ctx.problem("scrape_tiers", tier.key, "roles",
                                  f"role {role!r} is already in tier {role_tier[role]!r} (a role has one scrape interval)")
            else:
                role_tier[role] = tier.name
        if tier.default:
            if default is not None:
                yield ctx.problem("scrape_tiers", tier.key, "default", f"tier {default!r} is already the default")
            else:
                default = tier.name
        elif not tier.roles:
            yield ctx.problem("scrape_tiers", tier.key, "roles", "a tier that is not the default needs at least one role")
        elif tier.name == "default":
            yield ctx.problem("scrape_tiers", tier.key, "default",
                              "the tier named 'default' must be the default tier (default: true)")
        other = by_interval.setdefault(tier.interval_ms, tier)
        if other is not tier and other.timeout_ms != tier.timeout_ms:
            yield ctx.problem("scrape_tiers", tier.key, "timeout",
                              f"{format_duration(tier.timeout_ms)} differs from the {format_duration(other.timeout_ms)} "
                              f"of tier {other.name!r}, which has the same interval "
                              f"({format_duration(tier.interval_ms)}): they share one scrape job")


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle through each strongly connected part of `graph` that has one, as
    [a, b, ..., a] starting at its smallest name; linear in the graph (iterative Tarjan),
    plus a breadth-first search inside each part for its shortest cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    parts: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    part = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == node:
                            break
                    if len(part) > 1 or node in graph[node]:
                        parts.append(part)
    cycles = []
    for part in parts:
        members, start = set(part), min(part)
        came_from: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in came_from:
            following = []
            for node in frontier:
                for nxt in sorted(set(graph[node])):
                    if nxt in members and nxt not in came_from:
                        came_from[nxt] = node
                        following.append(nxt)
            frontier = following
        path = [start]
        while len(path) == 1 or path[-1] != start:
            path.append(came_from[path[-1]])
        cycles.append(path[::-1])
    return sorted(cycles)


@check
def dependency_cycles(ctx: Context) -> Iterator[Problem]:
    """Services may not depend on themselves through others, nor external parties reach
    each other `via` a loop: anything walking the chain would never end."""
    services = {s.name: list(s.depends_on) for s in ctx.inv.services}
    for cycle in _cycles(services):
        yield ctx.problem("services", cycle[0], "depends_on", "dependency cycle: " + " -> ".join(cycle))
    parties = {p.name: [p.via] if p.via else [] for p in ctx.inv.external_parties}
    for cycle in _cycles(parties):
        yield ctx.problem("external_parties", cycle[0], "via", "cycle: " + " -> ".join(cycle))
