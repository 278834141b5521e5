"""Rack elevations as SVG pictures a browser opens, one file per rack.

Why SVG: it is text (diffable, byte-identical for the same inventory), scales to any
screen, and needs no image library. The drawing follows NetBox's front elevation: unit
numbers on the left, U1 at the bottom, one box per device spanning its units, its name and
model inside, a colour per device role, free units blank. Files are written with
`write_atomic`, so a browser or a web server never reads half a picture.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from dcops_inventory.atomicfile import write_atomic
from dcops_reports.space import RackSpace

U_PX = 22  # one rack unit, as NetBox draws it
RAIL_PX = 36  # unit numbers
WIDTH_PX = 320  # the mounting width
TOP_PX = 44  # title lines
MARGIN_PX = 10

# Fixed colours for the common roles; any other role gets a stable colour from its name.
ROLE_COLOURS = {
    "core_switch": "#1f77b4", "distribution_switch": "#4a90d9", "edge_switch": "#7fb3e6", "poe_switch": "#9cc3ea",
    "san_switch": "#17becf", "router": "#9467bd", "firewall": "#d62728", "server": "#2ca02c",
    "storage": "#ff7f0e", "backup_library": "#e5a04b", "ups": "#8c564b", "pdu": "#a07060", "cooling": "#5fa8a8",
    "pbx": "#bcbd22", "media_gateway": "#c7b33a", "voice_security": "#b0413e",
}


def role_colour(role: str) -> str:
    if role in ROLE_COLOURS:
        return ROLE_COLOURS[role]
    digest = hashlib.sha256(role.encode()).digest()
    return "#" + "".join(f"{64 + b % 160:02x}" for b in digest[:3])


def rack_svg(sp: RackSpace) -> str:
    """The rack's front elevation as a standalone SVG document."""
    rack = sp.rack
    height = TOP_PX + rack.u_height * U_PX + 2 * MARGIN_PX
    width = RAIL_PX + WIDTH_PX + 2 * MARGIN_PX
    x0, y0 = MARGIN_PX + RAIL_PX, TOP_PX + MARGIN_PX

    def y_of(u: int) -> int:  # the top edge of unit u
        return y0 + (rack.u_height - u) * U_PX

    largest = sp.largest_block()
    summary = (f"{rack.u_height}U, {sp.used_u}U used, {sp.free_u}U free, largest free block "
               + (f"U{largest[0]}-U{largest[1]} ({largest[1] - largest[0] + 1}U)" if largest else "none"))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f"<title>{escape(rack.name)} elevation</title>",
        '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{MARGIN_PX}" y="{MARGIN_PX + 12}" font-size="14" font-weight="bold">'
        f"{escape(rack.name)} (site {escape(rack.site)})</text>",
        f'<text x="{MARGIN_PX}" y="{MARGIN_PX + 30}" font-size="11" fill="#444444">{escape(summary)}</text>',
        f'<rect x="{x0}" y="{y0}" width="{WIDTH_PX}" height="{rack.u_height * U_PX}" fill="#f4f4f4" '
        'stroke="#333333" stroke-width="2"/>',
    ]
    for u in range(rack.u_height, 0, -1):
        y = y_of(u)
        out.append(f'<text x="{x0 - 6}" y="{y + U_PX - 7}" font-size="10" text-anchor="end" fill="#666666">{u}</text>')
        out.append(f'<line x1="{x0}" y1="{y + U_PX}" x2="{x0 + WIDTH_PX}" y2="{y + U_PX}" stroke="#dddddd"/>')
    for slot in sp.slots:
        dev, dt = slot.device, slot.device_type
        y = y_of(slot.top)
        h = (slot.top - slot.bottom + 1) * U_PX
        label = f"{dev.name} · {dt.model}" + (" (rear)" if dev.face == "rear" else "")
        tip = f"{dev.name}: {dt.manufacturer} {dt.model}, U{slot.bottom}-U{slot.top}, {dev.role}, {dev.status}"
        out.append(f'<g class="device" data-device={quoteattr(dev.name)}>')
        out.append(f"<title>{escape(tip)}</title>")
        out.append(f'<rect x="{x0 + 2}" y="{y + 1}" width="{WIDTH_PX - 4}" height="{h - 2}" rx="2" '
                   f'fill="{role_colour(dev.role)}" stroke="#222222"'
                   + (' stroke-dasharray="4 2" fill-opacity="0.5"' if dev.status == "planned" else "") + "/>")
        out.append(f'<text x="{x0 + 8}" y="{y + min(h, U_PX) / 2 + 4:g}" font-size="11" fill="#ffffff">'
                   f"{escape(label[:48])}</text>")
        out.append("</g>")
    if sp.zero_u:
        names = ", ".join(d.name for d in sp.zero_u)
        out.append(f'<text x="{MARGIN_PX}" y="{height - 2}" font-size="9" fill="#444444">'
                   f"zero-U: {escape(names[:90])}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svgs(spaces: list[RackSpace], directory: str | Path) -> tuple[list[Path], int]:
    """One `<rack>.svg` per rack in `directory`, each written atomically; (paths, files changed)."""
    root = Path(directory)
    paths, changed = [], 0
    for sp in spaces:
        path = root / f"{sp.rack.name}.svg"
        changed += write_atomic(path, rack_svg(sp))
        paths.append(path)
    return paths, changed
