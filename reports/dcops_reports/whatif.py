"""What-if placement: where would N more devices of one type go, or, per constraint, why not.

Why a plan and not five reports side by side: a rack with 10 U free may have no feed that
survives its partner's failure, or no free switch port near it; a planner wants the racks
that pass every constraint at once, filled one device after the other, so the second
device sees the first one's U, watts, heat, ports and address. Each constraint is judged
with the headroom reports' own arithmetic, imported, never written again:

- space: a contiguous free block of the type's height (`space.rack_spaces`); the device
  goes to the lowest fitting U.
- power: the rack's typical and max draw within its derated capacity, and A/B feeds: the
  rack needs two feeds, and in normal running and when each of its feeds (or a UPS feeding
  several) fails, every surviving feed and UPS carries its load plus the new draw within
  its derated rating (`power.PowerModel`, `power.verdict`; FAIL at max counts as a fail:
  the nameplate draw is what a feed may have to carry).
- cooling: the room's cooling units (devices with `cooling` in the rack's location) with
  the largest unit lost (N+1) must remove the heat of every device in the room's racks
  plus the new one (typical watts; every watt drawn becomes heat).
- ports: free switch ports (a switch's non-management ports no cable uses) in the same
  rack, else in the same row (the rack's location); `--ports` per device, default 2 (one
  to each switch of a pair).
- addresses: free addresses in the site's management prefixes (the meta's mgmt VRF, role
  `mgmt`), those already holding devices of the same type first (`addresses.used_addresses`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import DeviceType, Prefix
from dcops_reports.addresses import EMPTY, usable_range, used_addresses
from dcops_reports.dr import CapacityError
from dcops_reports.power import PowerModel, PowerPolicy, verdict
from dcops_reports.reports import Report, ReportSet
from dcops_reports.space import RackSpace, rack_spaces

CONSTRAINTS = ("space", "power", "cooling", "ports", "addresses")
SWITCH_ROLES = ("core_switch", "distribution_switch", "edge_switch", "poe_switch")
DEFAULT_PORTS = 2


@dataclass(frozen=True)
class Check:
    constraint: str
    ok: bool
    reason: str


@dataclass
class PlanState:
    """What the devices placed so far take: U blocks, watts per rack, ports, addresses."""

    blocks: dict[str, list[tuple[int, int]]]
    typical_w: Counter = field(default_factory=Counter)
    max_w: Counter = field(default_factory=Counter)
    ports_taken: dict[str, list[str]] = field(default_factory=dict)
    addresses_taken: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Placement:
    index: int
    rack: str
    position: int | None  # None: a zero-U device
    top: int
    ports: tuple[str, ...]
    address: str | None


def _w(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


class Planner:
    """The inventory's racks at one site (or all), and each constraint judged for one more device."""

    def __init__(self, inv: Inventory, dtype: DeviceType, site: str | None = None, ports: int = DEFAULT_PORTS,
                 policy: PowerPolicy | None = None) -> None:
        self.inv, self.dtype, self.ports = inv, dtype, ports
        self.spaces: list[RackSpace] = [sp for sp in rack_spaces(inv, site) if sp.rack.status != "retired"]
        self.power = PowerModel(inv, None, policy)
        self.rack_load = {r.name: r for r in self.power.racks}
        self.state = PlanState({sp.rack.name: sp.free_blocks() for sp in self.spaces})
        self.used = used_addresses(inv)
        self.cabled = {(end.device, end.interface) for c in inv.cables for end in (c.a, c.b)}
        self.types = inv.index("device_types")
        self.room = {r.name: r.location for r in inv.racks}  # a rack's row: the room it stands in
        # looked up once: judging every rack must not rescan every device (50k-device inventories)
        self.switches = sorted((d for d in inv.devices if d.role in SWITCH_ROLES and d.rack is not None
                                and d.status not in ("offline", "decommissioning")), key=lambda d: d.name)
        self._prefixes: dict[str, list[Prefix]] = {}

    # -- constraints ---------------------------------------------------------------------------
    def space(self, sp: RackSpace) -> tuple[Check, int | None]:
        height = self.dtype.u_height
        if height == 0:
            return Check("space", True, "zero-U device"), None
        blocks = self.state.blocks[sp.rack.name]
        fit = next((b for b in blocks if b[1] - b[0] + 1 >= height), None)
        if fit is None:
            largest = max((b[1] - b[0] + 1 for b in blocks), default=0)
            return Check("space", False, f"needs {height}U contiguous; largest free block is {largest}U"), None
        return Check("space", True, f"U{fit[0]}-U{fit[0] + height - 1}"), fit[0]

    def power_check(self, rack: str) -> Check:
        load = self.rack_load.get(rack)
        add_t, add_m = self.state.typical_w[rack] + self.dtype.typical_power_w, self.state.max_w[rack] + self.dtype.max_power_w
        usable = load.capacity_w * self.power.policy.derate if load else 0
        if load is None:
            return Check("power", False, "rack unknown to the power model")
        v = verdict(load.typical_w + add_t, load.max_w + add_m, usable)
        if v != "OK":
            return Check("power", False, f"rack {v}: {_w(load.typical_w + add_t)} W typical / {_w(load.max_w + add_m)} W "
                                         f"max against {_w(usable)} W usable")
        if not load.feeds:
            return Check("power", False, "no feed recorded: A/B redundancy cannot be checked")
        if len(load.feeds) < 2:
            return Check("power", False, f"one feed ({load.feeds[0]}): no A/B redundancy")
        scenarios = [("nothing", frozenset())] + [(label, down) for label, down in self.power.scenarios()
                                                  if down & set(load.feeds)]
        for label, down in scenarios:
            problem = self._feeds_after(rack, down)
            if problem:
                when = "in normal running" if not down else f"when {label} fails"
                return Check("power", False, f"{when}, {problem}")
        return Check("power", True, f"A/B: {', '.join(load.feeds)} carry it, each alone too")

    def _feeds_after(self, rack: str, down: frozenset[str]) -> str | None:
        """The first surviving feed or UPS over its derated rating with the plan's added load."""
        loads = self.power.loads(down)
        extra = dict(self.state.typical_w)
        extra_max = dict(self.state.max_w)
        extra[rack] = extra.get(rack, 0) + self.dtype.typical_power_w
        extra_max[rack] = extra_max.get(rack, 0) + self.dtype.max_power_w
        for name, watts in extra.items():
            alive = [f for f in self.rack_load[name].feeds if f not in down]
            for f in alive:
                loads.typical[f] += watts / len(alive)
                loads.maximum[f] += extra_max[name] / len(alive)
        involved = {f for f in self.rack_load[rack].feeds if f not in down}
        for f in sorted(involved):
            usable = self.power.usable_w(self.power.feed_rating_w(self.power.feeds[f]))
            if usable is not None and verdict(loads.typical[f], loads.maximum[f], usable) != "OK":
                return (f"{f} carries {_w(loads.typical[f])} W typical / {_w(loads.maximum[f])} W max; "
                        f"it can carry {_w(usable)} W")
        for ups in sorted({u for f in involved if (u := self.power.feeds[f].ups)}):
            feeds = self.power.feeds_of_ups(ups)
            usable = self.power.usable_w(self.power.ups_rating_w(ups))
            if len(feeds) > 1 and usable is not None:
                t, m = sum(loads.typical[f] for f in feeds), sum(loads.maximum[f] for f in feeds)
                if verdict(t, m, usable) != "OK":
                    return f"UPS {ups} carries {_w(t)} W typical / {_w(m)} W max; it can carry {_w(usable)} W"
        return None

    def cooling(self, sp: RackSpace) -> Check:
        room = sp.rack.location
        if room is None:
            return Check("cooling", False, "rack has no location: no cooling unit can be found for it")
        racks_here = {r.name for r in self.inv.racks if r.location == room}
        units = sorted((d.cooling.capacity_kw, d.name) for d in self.inv.devices
                       if d.cooling is not None and d.status != "offline"
                       and (d.location == room or d.rack in racks_here))
        if not units:
            return Check("cooling", False, f"no cooling unit recorded in room {room}")
        after_loss = sum(kw for kw, _ in units[:-1]) * 1000
        heat = sum(self.rack_load[r].typical_w for r in racks_here if r in self.rack_load)
        heat += sum(self.state.typical_w[r] for r in racks_here) + self.dtype.typical_power_w
        if heat > after_loss:
            return Check("cooling", False, f"room {room}: {_w(heat)} W of heat; with {units[-1][1]} lost the other "
                                           f"{len(units) - 1} unit(s) remove {_w(after_loss)} W")
        return Check("cooling", True, f"room {room}: {_w(heat)} W within {_w(after_loss)} W (N+1)")

    def free_ports(self, sp: RackSpace) -> tuple[str, dict[str, list[str]]]:
        """(scope, switch -> free ports): the rack's switches, else those of its row (location)."""
        switches = self.switches
        for scope, members in (("rack", [d for d in switches if d.rack == sp.rack.name]),
                               ("row", [d for d in switches if sp.rack.location
                                        and self.room.get(d.rack or "") == sp.rack.location])):
            free = {}
            for d in sorted(members, key=lambda d: d.name):
                taken = set(self.state.ports_taken.get(d.name, []))
                free[d.name] = [n for tpl in self.types[d.device_type].interfaces if not tpl.mgmt_only
                                for n in tpl.names() if (d.name, n) not in self.cabled and n not in taken]
            if any(free.values()):
                return scope, free
        return "none", {}

    def port_check(self, sp: RackSpace) -> tuple[Check, list[tuple[str, str]]]:
        if self.ports == 0:
            return Check("ports", True, "no port needed (--ports 0)"), []
        scope, free = self.free_ports(sp)
        total = sum(len(v) for v in free.values())
        if total < self.ports:
            where = f"{total} free in the {scope}" if scope != "none" else "no switch with a free port in the rack or row"
            return Check("ports", False, f"needs {self.ports}; {where}"), []
        picks: list[tuple[str, str]] = []
        names = [s for s in free if free[s]]
        i = 0
        while len(picks) < self.ports:  # one per switch in turn: a dual-homed device spans the pair
            sw = names[i % len(names)]
            left = [p for p in free[sw] if (sw, p) not in picks]
            if left:
                picks.append((sw, left[0]))
            i += 1
        return Check("ports", True, f"{scope}: " + ", ".join(f"{s}:{p}" for s, p in picks)), picks

    def prefixes(self, site: str) -> list[Prefix]:
        if site not in self._prefixes:
            self._prefixes[site] = self._rank_prefixes(site)
        return self._prefixes[site]

    def _rank_prefixes(self, site: str) -> list[Prefix]:
        mgmt = self.inv.meta.mgmt_vrf
        own = Counter()
        nets = [p for p in self.inv.prefixes if p.vrf == mgmt and p.role == "mgmt" and p.site == site]
        for d in self.inv.devices:
            if d.device_type == self.dtype.name and d.mgmt_ip is not None:
                for p in nets:
                    if d.mgmt_ip.ip in p.prefix:
                        own[p.ref] += 1
        return sorted(nets, key=lambda p: (-own[p.ref], int(p.prefix.network_address)))

    def address_check(self, site: str) -> tuple[Check, IPv4Address | None]:
        nets = self.prefixes(site)
        if not nets:
            return Check("addresses", False, f"no management prefix (VRF {self.inv.meta.mgmt_vrf}, role mgmt) at "
                                             f"site {site}"), None
        held = self.used.get(self.inv.meta.mgmt_vrf, EMPTY)
        for p in nets:
            found = _next_free(p.prefix, {int(h.address) for h in held.inside(p.prefix)} | self.state.addresses_taken)
            if found is not None:
                return Check("addresses", True, f"{found} in {p.prefix}"), found
        return Check("addresses", False, f"every management prefix at {site} is full: "
                                         f"{', '.join(str(p.prefix) for p in nets)}"), None

    # -- the plan ------------------------------------------------------------------------------
    def judge(self, sp: RackSpace) -> tuple[list[Check], int | None, list[tuple[str, str]], IPv4Address | None]:
        space, position = self.space(sp)
        ports, picks = self.port_check(sp)
        address, ip = self.address_check(sp.rack.site)
        return [space, self.power_check(sp.rack.name), self.cooling(sp), ports, address], position, picks, ip

    def place(self, index: int) -> Placement | None:
        for sp in self.spaces:
            checks, position, picks, ip = self.judge(sp)
            if all(c.ok for c in checks):
                self._take(sp, position, picks, ip)
                top = (position or 0) + self.dtype.u_height - 1
                return Placement(index, sp.rack.name, position, top, tuple(f"{s}:{p}" for s, p in picks),
                                 str(ip) if ip else None)
        return None

    def _take(self, sp: RackSpace, position: int | None, picks: list[tuple[str, str]], ip: IPv4Address | None) -> None:
        rack = sp.rack.name
        if position is not None:
            blocks = self.state.blocks[rack]
            i = next(i for i, b in enumerate(blocks) if b[0] == position)
            hi = blocks[i][1]
            blocks[i:i + 1] = [(position + self.dtype.u_height, hi)] if position + self.dtype.u_height <= hi else []
        self.state.typical_w[rack] += self.dtype.typical_power_w
        self.state.max_w[rack] += self.dtype.max_power_w
        for sw, port in picks:
            self.state.ports_taken.setdefault(sw, []).append(port)
        if ip is not None:
            self.state.addresses_taken.add(int(ip))


def _next_free(net: IPv4Network, used: set[int]) -> IPv4Address | None:
    first, last = usable_range(net)
    return next((IPv4Address(a) for a in range(first, last + 1) if a not in used), None)


PLAN_COLUMNS = ["device", "rack", "position", "ports", "mgmt_ip"]
CONSTRAINT_COLUMNS = ["rack", "site", "space", "power", "cooling", "ports", "addresses", "verdict"]


def whatif_add(inv: Inventory, device_type: str, count: int, site: str | None = None, ports: int = DEFAULT_PORTS,
               policy: PowerPolicy | None = None) -> ReportSet:
    """Place `count` devices of `device_type` greedily (racks by site and name, lowest U first)."""
    types = inv.index("device_types")
    if device_type not in types:
        raise CapacityError(f"--type {device_type!r} is not a device type of this inventory; valid: "
                            f"{', '.join(sorted(types))}")
    if site is not None and site not in inv.index("sites"):
        raise CapacityError(f"--site {site!r} is not a site of this inventory; valid: "
                            f"{', '.join(sorted(inv.index('sites')))}")
    dtype = types[device_type]
    planner = Planner(inv, dtype, site, ports, policy)
    placed: list[Placement] = []
    for i in range(1, count + 1):
        spot = planner.place(i)
        if spot is None:
            break
        placed.append(spot)
    # every rack judged for the next device: why it takes it or not, per constraint
    rows = []
    for sp in planner.spaces:
        checks = planner.judge(sp)[0]
        rows.append((sp.rack.name, sp.rack.site, *[("OK: " if c.ok else "FAIL: ") + c.reason for c in checks],
                     "fits" if all(c.ok for c in checks) else "no"))
    where = f" at site {site}" if site else ""
    notes = []
    if len(placed) < count:
        failing = Counter(c.constraint for sp in planner.spaces for c in planner.judge(sp)[0] if not c.ok)
        notes.append(f"CANNOT PLACE {count - len(placed)} of {count} {device_type}{where}: no rack passes every "
                     f"constraint (racks failing: " + ", ".join(f"{k} {failing[k]}" for k in CONSTRAINTS if failing[k])
                     + f" of {len(planner.spaces)}); see the constraints table")
    else:
        notes.append(f"PLACED {count} {device_type}{where}")
    notes.append(f"{dtype.u_height}U, {_w(dtype.typical_power_w)} W typical / {_w(dtype.max_power_w)} W max each; "
                 f"{ports} switch port(s) each; power derate {planner.power.policy.derate:g}, power factor "
                 f"{planner.power.policy.power_factor:g}; cooling N+1 per room.")
    return ReportSet(f"What if: add {count} x {device_type}{where}", {
        "plan": Report("Placement plan (greedy: racks by site and name, lowest free U)", PLAN_COLUMNS,
                       [(f"new-{p.index}", p.rack, f"U{p.position}-U{p.top}" if p.position else "0U",
                         list(p.ports), p.address)
                        for p in placed]),
        "constraints": Report(f"Each rack for device {len(placed) + 1}: every constraint and why", CONSTRAINT_COLUMNS,
                              rows),
    }, notes)
