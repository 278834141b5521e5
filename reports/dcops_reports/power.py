"""Power headroom: load and derated capacity per rack, feed and UPS, and what each surviving
feed carries when its partner fails.

Why: A/B feeds are redundant only if either one alone carries everything both carry
together. The racks report compares a rack with its own circuit; nothing compared a feed or
its UPS with the load it inherits when the other side fails, and hand-written SQL was the
only way to see that a small B-side UPS cannot take over from a large A side.

The model, every figure derived from the inventory:

- Load: every device placed in a rack draws its device type's typical and maximum
  (nameplate) power; planned devices count too (they are load to plan for). A rack's load is
  shared evenly by its feeds (dual-corded power supplies share the load); when a feed fails
  its share moves, evenly, to the rack's other feeds. A rack whose every feed failed is
  unpowered and carries nothing.
- Feeds: `racks[].feeds` name `power_feeds`. A rack with no feed recorded but with UPS
  devices mounted in it is taken to be fed by those UPSes, one implicit feed each (an
  assumption, shown in the `basis` column); a rack with neither has no feed to check.
- Rating: a feed's `max_power_w`, capped by its UPS's real-power rating, the UPS's kVA x
  power factor (default 0.8; the inventory records kVA, a UPS delivers kVA x PF in watts).
  A UPS feeding several feeds is checked against their sum as well.
- Usable capacity: rating x derate, default 80 %: continuous load kept at or below 80 % of
  a circuit's rating (NEC 210.20(A) sizes breakers at 125 % of the continuous load; IEC
  60364 installations and UPS vendors follow the same practice for headroom and battery
  runtime). A rack's usable capacity is its `power_capacity_w` x the same derate.
- Verdicts compare against usable capacity: `OK`, `FAIL at max` (typical fits, maximum
  does not), `FAIL` (even the typical draw does not fit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Device, PowerFeed
from dcops_reports.reports import Report, ReportSet

DEFAULT_DERATE = 0.8
DEFAULT_POWER_FACTOR = 0.8


@dataclass(frozen=True)
class PowerPolicy:
    """The two factors every capacity figure depends on, stated once and printed with the report."""

    derate: float = DEFAULT_DERATE  # usable share of a rating for continuous load
    power_factor: float = DEFAULT_POWER_FACTOR  # UPS watts per VA

    def __post_init__(self) -> None:
        for name in ("derate", "power_factor"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValueError(f"{name} must be > 0 and <= 1, got {value}")


@dataclass(frozen=True)
class Feed:
    """A feed as the report uses it: declared (`power_feeds`) or implied by an in-rack UPS."""

    name: str
    site: str
    ups: str | None
    side: str | None
    feed_rating_w: float | None  # the feed's own max_power_w; None for an implied feed
    basis: str  # "power_feeds", or the assumption an implied feed rests on


@dataclass(frozen=True)
class RackLoad:
    name: str
    site: str
    feeds: tuple[str, ...]
    devices: int
    typical_w: float
    max_w: float
    capacity_w: float


@dataclass
class Loads:
    """Per feed, the typical and max watts it carries in one scenario, and the racks left dark."""

    typical: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    unpowered: list[str] = field(default_factory=list)


def verdict(typical_w: float, max_w: float, usable_w: float) -> str:
    if typical_w > usable_w:
        return "FAIL"
    if max_w > usable_w:
        return "FAIL at max"
    return "OK"


_RANK = {"OK": 0, "FAIL at max": 1, "FAIL": 2}


def _percent(part: float, whole: float | None) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _w(value: float) -> int | float:
    """Watts as an integer when whole (every MTPE figure is), so tables read 21790, not 21790.0."""
    return int(value) if float(value).is_integer() else round(value, 1)


class PowerModel:
    """Racks, feeds and UPSes of one inventory (optionally one site), and loads per scenario."""

    def __init__(self, inv: Inventory, site: str | None = None, policy: PowerPolicy | None = None) -> None:
        self.inv = inv
        self.policy = policy or PowerPolicy()
        devices = inv.index("devices")
        types = inv.index("device_types")
        racks = [r for r in inv.racks if site is None or r.site == site]
        in_rack: dict[str, list[Device]] = {}
        for dev in inv.devices:
            if dev.rack is not None:
                in_rack.setdefault(dev.rack, []).append(dev)
        self.feeds: dict[str, Feed] = {}
        for pf in inv.power_feeds:
            if site is None or pf.site == site:
                self.feeds[pf.name] = self._declared(pf)
        self.racks: list[RackLoad] = []
        for rack in sorted(racks, key=lambda r: (r.site, r.name)):
            members = in_rack.get(rack.name, [])
            feeds = tuple(rack.feeds)
            if not feeds:
                feeds = self._implied_feeds(rack.name, rack.site, members)
            for name in feeds:  # a declared feed of another site still feeds this rack
                if name not in self.feeds:
                    self.feeds[name] = self._declared(inv.get("power_feeds", name))
            self.racks.append(RackLoad(
                rack.name, rack.site, feeds, len(members),
                sum(types[d.device_type].typical_power_w for d in members),
                sum(types[d.device_type].max_power_w for d in members),
                rack.power_capacity_w))
        self.ups_devices: dict[str, Device | None] = {
            f.ups: devices.get(f.ups) for f in self.feeds.values() if f.ups is not None}

    @staticmethod
    def _declared(pf: PowerFeed) -> Feed:
        return Feed(pf.name, pf.site, pf.ups, pf.side, pf.max_power_w, "power_feeds")

    def _implied_feeds(self, rack: str, site: str, members: list[Device]) -> tuple[str, ...]:
        upses = sorted(d.name for d in members if d.ups is not None)
        for ups in upses:
            self.feeds.setdefault(ups, Feed(ups, site, ups, None, None,
                                            f"assumption: in-rack UPS {ups} powers rack {rack} (no feed recorded)"))
        return tuple(upses)

    # -- capacity ----------------------------------------------------------------------------
    def ups_rating_w(self, ups: str | None) -> float | None:
        """The UPS's real-power rating, kVA x power factor; None when the inventory has no kVA."""
        dev = self.ups_devices.get(ups) if ups else None
        if dev is None or dev.ups is None:
            return None
        return dev.ups.capacity_kva * 1000 * self.policy.power_factor

    def feed_rating_w(self, feed: Feed) -> float | None:
        ratings = [r for r in (feed.feed_rating_w, self.ups_rating_w(feed.ups)) if r is not None]
        return min(ratings) if ratings else None

    def usable_w(self, rating_w: float | None) -> float | None:
        return None if rating_w is None else rating_w * self.policy.derate

    def feeds_of_ups(self, ups: str) -> list[str]:
        return sorted(f.name for f in self.feeds.values() if f.ups == ups)

    # -- load --------------------------------------------------------------------------------
    def loads(self, failed: Iterable[str] = ()) -> Loads:
        """What every feed carries when the feeds in `failed` are down."""
        down = set(failed)
        out = Loads({f: 0.0 for f in self.feeds}, {f: 0.0 for f in self.feeds})
        for rack in self.racks:
            alive = [f for f in rack.feeds if f not in down]
            if not alive:
                if rack.feeds:
                    out.unpowered.append(rack.name)
                continue
            for name in alive:
                out.typical[name] += rack.typical_w / len(alive)
                out.maximum[name] += rack.max_w / len(alive)
        return out

    def scenarios(self) -> list[tuple[str, frozenset[str]]]:
        """(label, feeds down): each feed alone, then each UPS that feeds more than one."""
        out = [(self._feed_label(name), frozenset([name])) for name in sorted(self.feeds)]
        for ups in sorted({f.ups for f in self.feeds.values() if f.ups}):
            feeds = self.feeds_of_ups(ups)
            if len(feeds) > 1:
                out.append((f"UPS {ups} ({', '.join(feeds)})", frozenset(feeds)))
        return out

    def _feed_label(self, name: str) -> str:
        ups = self.feeds[name].ups
        return name if ups in (None, name) else f"{name} (UPS {ups})"


# -- the report's tables ------------------------------------------------------------------------
RACK_COLUMNS = ["rack", "site", "feeds", "devices", "typical_w", "max_w", "rated_w", "usable_w",
                "typical_percent", "max_percent", "rack_verdict", "feed_loss"]
FEED_COLUMNS = ["feed", "site", "side", "ups", "basis", "racks", "typical_w", "max_w", "rated_w", "usable_w",
                "typical_percent", "max_percent", "verdict"]
UPS_COLUMNS = ["ups", "site", "capacity_kva", "power_factor", "rated_w", "usable_w", "runtime_minutes", "feeds",
               "typical_w", "max_w", "typical_percent", "max_percent", "verdict"]
FAILOVER_COLUMNS = ["fails", "survivor", "kind", "typical_w", "max_w", "rated_w", "usable_w", "typical_percent",
                    "max_percent", "verdict", "unpowered_racks"]


@dataclass(frozen=True)
class FailoverRow:
    fails: str  # the scenario's label
    failed: frozenset[str]  # the feeds down
    survivor: str  # label of the feed or UPS taking over
    survivor_feeds: frozenset[str]  # the feed, or every feed of the UPS
    kind: str  # "feed" or "ups"
    typical_w: float
    max_w: float
    rated_w: float | None
    usable_w: float | None
    unpowered: tuple[str, ...]

    @property
    def verdict(self) -> str:
        return "no rating" if self.usable_w is None else verdict(self.typical_w, self.max_w, self.usable_w)

    def row(self) -> tuple:
        return (self.fails, self.survivor, self.kind, _w(self.typical_w), _w(self.max_w), _opt_w(self.rated_w),
                _opt_w(self.usable_w), _percent(self.typical_w, self.usable_w), _percent(self.max_w, self.usable_w),
                self.verdict, list(self.unpowered))


def _opt_w(value: float | None) -> int | float | None:
    return None if value is None else _w(value)


def failover(model: PowerModel) -> list[FailoverRow]:
    """For each scenario, every feed (and multi-feed UPS) that takes over load from a failed one."""
    normal = model.loads()
    rows: list[FailoverRow] = []
    for label, down in model.scenarios():
        after = model.loads(down)
        gained = [f for f in sorted(model.feeds)
                  if f not in down and after.typical[f] + after.maximum[f] > normal.typical[f] + normal.maximum[f]]
        for name in gained:
            rated = model.feed_rating_w(model.feeds[name])
            rows.append(FailoverRow(label, down, model._feed_label(name), frozenset([name]), "feed", after.typical[name],
                                    after.maximum[name], rated, model.usable_w(rated), tuple(after.unpowered)))
        for ups in sorted({u for f in gained if (u := model.feeds[f].ups) is not None}):
            feeds = model.feeds_of_ups(ups)
            if len(feeds) < 2:
                continue  # its one feed's row, capped by the UPS rating, already says it
            rated = model.ups_rating_w(ups)
            rows.append(FailoverRow(label, down, f"UPS {ups}", frozenset(feeds), "ups", sum(after.typical[f] for f in feeds),
                                    sum(after.maximum[f] for f in feeds), rated, model.usable_w(rated),
                                    tuple(after.unpowered)))
    return rows


def _rack_rows(model: PowerModel, fails: list[FailoverRow]) -> list[tuple]:
    rows = []
    for rack in model.racks:
        usable = rack.capacity_w * model.policy.derate
        if not rack.feeds:
            feed_loss = "no feed recorded"
        elif len(rack.feeds) == 1:
            feed_loss = "no redundancy"
        else:
            mine = set(rack.feeds)
            worst = [r.verdict for r in fails
                     if len(r.failed) == 1 and r.failed <= mine and r.survivor_feeds & mine]
            feed_loss = max(worst, key=lambda v: _RANK.get(v, 3)) if worst else "OK"
            if len({model.feeds[f].ups for f in rack.feeds}) == 1:
                feed_loss += "; one UPS"
        rows.append((rack.name, rack.site, list(rack.feeds), rack.devices, _w(rack.typical_w), _w(rack.max_w),
                     _w(rack.capacity_w), _w(usable), _percent(rack.typical_w, usable), _percent(rack.max_w, usable),
                     verdict(rack.typical_w, rack.max_w, usable), feed_loss))
    return rows


def _feed_rows(model: PowerModel) -> list[tuple]:
    normal = model.loads()
    rows = []
    for name in sorted(model.feeds):
        feed = model.feeds[name]
        racks = [r.name for r in model.racks if name in r.feeds]
        rated = model.feed_rating_w(feed)
        usable = model.usable_w(rated)
        typ, mx = normal.typical[name], normal.maximum[name]
        rows.append((name, feed.site, feed.side, feed.ups, feed.basis, racks, _w(typ), _w(mx), _opt_w(rated),
                     _opt_w(usable), _percent(typ, usable), _percent(mx, usable),
                     "no rating" if usable is None else verdict(typ, mx, usable)))
    return rows


def _ups_rows(model: PowerModel) -> list[tuple]:
    normal = model.loads()
    rows = []
    for ups in sorted(model.ups_devices):
        dev = model.ups_devices[ups]
        feeds = model.feeds_of_ups(ups)
        typ = sum(normal.typical[f] for f in feeds)
        mx = sum(normal.maximum[f] for f in feeds)
        rated = model.ups_rating_w(ups)
        usable = model.usable_w(rated)
        spec = dev.ups if dev is not None else None
        rows.append((ups, dev.site if dev else None, spec.capacity_kva if spec else None,
                     model.policy.power_factor, _opt_w(rated), _opt_w(usable),
                     spec.runtime_minutes if spec else None, feeds, _w(typ), _w(mx), _percent(typ, usable),
                     _percent(mx, usable), "no rating" if usable is None else verdict(typ, mx, usable)))
    return rows


def _fmt(w: float | None) -> str:
    return "unknown" if w is None else f"{w:,.0f} W"


def _note(row: FailoverRow, policy: PowerPolicy) -> str:
    carries = f"carries {_fmt(row.typical_w)} typical and {_fmt(row.max_w)} at max draw"
    can = (f"it can carry {_fmt(row.usable_w)} ({_fmt(row.rated_w)} rated x {policy.derate:.0%} continuous)"
           if row.usable_w is not None else "its rating is not recorded")
    dark = f"; unpowered: {', '.join(row.unpowered)}" if row.unpowered else ""
    return f"{row.verdict}: when {row.fails} fails, {row.survivor} {carries}; {can}{dark}"


def power_report(inv: Inventory, site: str | None = None, policy: PowerPolicy | None = None) -> ReportSet:
    """Per rack, feed and UPS: load against derated capacity; per failure, what the survivors carry."""
    model = PowerModel(inv, site, policy)
    fails = failover(model)
    pol = model.policy
    notes = [f"{_note(r, pol)}" for r in fails if r.verdict != "OK"]
    notes.append(f"Usable = rating x {pol.derate:.0%} (continuous-load derate, NEC 210.20(A) / IEC practice); "
                 f"UPS rating = kVA x power factor {pol.power_factor:g}; load = device types' typical and max draw, "
                 "shared evenly by a rack's feeds.")
    where = f" at site {site}" if site else ""
    return ReportSet(f"Power headroom{where}", {
        "racks": Report("Racks: load against the rack's derated capacity; feed_loss = worst case when one of its "
                        "feeds fails", RACK_COLUMNS, _rack_rows(model, fails)),
        "feeds": Report("Feeds: normal load against the derated rating (feed, capped by its UPS)", FEED_COLUMNS,
                        _feed_rows(model)),
        "ups": Report("UPSes: normal load against kVA x power factor, derated", UPS_COLUMNS, _ups_rows(model)),
        "failover": Report("Failover: what each surviving feed carries when its partner fails", FAILOVER_COLUMNS,
                           [r.row() for r in fails]),
    }, notes)
