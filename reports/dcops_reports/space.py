"""Rack space: free U per rack, the largest contiguous free block, and text elevations.

Why the largest block and not only the free total: a rack with 10U free in five 2U gaps
cannot take one 4U array. A device occupies U`position` to U`position + height - 1`
whichever face it is mounted on (the inventory's placement check treats a U as taken on
both faces); zero-U devices (PDUs, vertical managers) take no U.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import Device, DeviceType, Rack
from dcops_reports.reports import Report


@dataclass(frozen=True)
class Slot:
    """One device as mounted: its lowest and highest U."""

    device: Device
    device_type: DeviceType
    bottom: int
    top: int


@dataclass(frozen=True)
class RackSpace:
    rack: Rack
    slots: tuple[Slot, ...]  # top first
    zero_u: tuple[Device, ...]

    @property
    def used_u(self) -> int:
        return sum(s.top - s.bottom + 1 for s in self.slots)

    @property
    def free_u(self) -> int:
        return self.rack.u_height - self.used_u

    def free_blocks(self) -> list[tuple[int, int]]:
        """(lowest U, highest U) of each run of free units, bottom up."""
        taken = {u for s in self.slots for u in range(s.bottom, s.top + 1)}
        blocks: list[tuple[int, int]] = []
        start = None
        for u in range(1, self.rack.u_height + 2):
            free = u <= self.rack.u_height and u not in taken
            if free and start is None:
                start = u
            elif not free and start is not None:
                blocks.append((start, u - 1))
                start = None
        return blocks

    def largest_block(self) -> tuple[int, int] | None:
        """The largest free run; of equal ones the lowest (where heavy gear goes)."""
        blocks = self.free_blocks()
        return max(blocks, key=lambda b: (b[1] - b[0], -b[0])) if blocks else None

    def slot_at(self, u: int) -> Slot | None:
        return next((s for s in self.slots if s.bottom <= u <= s.top), None)


def rack_spaces(inv: Inventory, site: str | None = None) -> list[RackSpace]:
    types = inv.index("device_types")
    by_rack: dict[str, list[Device]] = {}
    for dev in inv.devices:
        if dev.rack is not None:
            by_rack.setdefault(dev.rack, []).append(dev)
    out = []
    for rack in sorted(inv.racks, key=lambda r: (r.site, r.name)):
        if site is not None and rack.site != site:
            continue
        slots, zero_u = [], []
        for dev in by_rack.get(rack.name, []):
            dt = types[dev.device_type]
            if dt.u_height == 0 or dev.position is None:
                zero_u.append(dev)
            else:
                slots.append(Slot(dev, dt, dev.position, dev.position + dt.u_height - 1))
        out.append(RackSpace(rack, tuple(sorted(slots, key=lambda s: -s.top)),
                             tuple(sorted(zero_u, key=lambda d: d.name))))
    return out


def _span(block: tuple[int, int] | None) -> str | None:
    if block is None:
        return None
    lo, hi = block
    return f"U{lo}" if lo == hi else f"U{lo}-U{hi}"


SPACE_COLUMNS = ["rack", "site", "location", "u_height", "devices", "u_used", "u_free", "utilisation_percent",
                 "largest_free_u", "largest_free_block", "free_blocks"]


def space_report(inv: Inventory, site: str | None = None) -> Report:
    """Per rack: U used and free, the largest contiguous free block and every free block."""
    rows = []
    for sp in rack_spaces(inv, site):
        largest = sp.largest_block()
        rows.append((sp.rack.name, sp.rack.site, sp.rack.location, sp.rack.u_height,
                     len(sp.slots) + len(sp.zero_u), sp.used_u, sp.free_u,
                     round(100.0 * sp.used_u / sp.rack.u_height, 1),
                     largest[1] - largest[0] + 1 if largest else 0, _span(largest),
                     [_span(b) for b in reversed(sp.free_blocks())]))
    return Report(f"Rack space{f' at site {site}' if site else ''}: free U and the largest contiguous block",
                  SPACE_COLUMNS, rows)


def text_elevation(sp: RackSpace) -> str:
    """The rack drawn top to bottom, one line per U, as a terminal shows it."""
    largest = sp.largest_block()
    block = f"{_span(largest)} ({largest[1] - largest[0] + 1}U)" if largest else "none"
    head = (f"{sp.rack.name} (site {sp.rack.site}, {sp.rack.u_height}U): {len(sp.slots)} mounted, "
            f"{sp.used_u}U used, {sp.free_u}U free, largest free block {block}")
    width = max([40] + [len(_label(s)) + 2 for s in sp.slots])
    lines = [head, "     ┌" + "─" * width + "┐"]
    for u in range(sp.rack.u_height, 0, -1):
        slot = sp.slot_at(u)
        if slot is None:
            text = ""
        elif u == slot.top:
            text = _label(slot)
        else:
            text = "  ┆"
        lines.append(f"U{u:<3} │ {text:<{width - 1}}│")
    lines.append("     └" + "─" * width + "┘")
    if sp.zero_u:
        lines.append("zero-U / unplaced: " + ", ".join(d.name for d in sp.zero_u))
    return "\n".join(lines) + "\n"


def _label(slot: Slot) -> str:
    height = slot.top - slot.bottom + 1
    rear = ", rear" if slot.device.face == "rear" else ""
    return f"{slot.device.name} · {slot.device_type.manufacturer} {slot.device_type.model} ({height}U{rear})"
