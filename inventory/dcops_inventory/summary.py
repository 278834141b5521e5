"""The source documents' tables beside the inventory: does every counted row have its records?

A record counts towards a transcribed row (seed_rows) through its provenance
(`seed:cuadro8/4`: source `seed`, table `cuadro8`, row 4); pools, staff roles and software
count with their own `count` / `install_count`, anything else as one. An inventory that
transcribes no table and records no discrepancy has nothing to compare (`has_plan_data`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from dcops_inventory.inventory import Inventory
from dcops_inventory.models import AssetPool, Device, Service, Software, StaffRole, VirtualMachine
from dcops_inventory.models.base import parse_citation

Json = dict[str, Any]  # one JSON object of the summary, as `dcops inventory summary --format json` prints it

Realising = Device | VirtualMachine | AssetPool | Software | StaffRole | Service


def _realising(inv: Inventory) -> Iterator[Realising]:
    """Only these collections realise a seed row as records (a device type tracing to a row is
    documentation of where its model comes from, not one more item)."""
    for records in (inv.devices, inv.vms, inv.asset_pools, inv.software, inv.staff, inv.services):
        yield from records


def _weight(rec: Realising) -> int:
    if isinstance(rec, (AssetPool, StaffRole)):
        return rec.count
    if isinstance(rec, Software):
        return rec.install_count
    return 1


def inventory_counts(inv: Inventory) -> Counter[str]:
    """Records per transcribed row (`<table>/<row>`), weighted as the module says."""
    counts: Counter[str] = Counter()
    for rec in _realising(inv):
        cited = parse_citation(rec.provenance)
        if cited is not None and cited.row_ref is not None:
            counts[cited.row_ref] += _weight(rec)
    return counts


def has_plan_data(inv: Inventory) -> bool:
    """Whether the inventory transcribes any source table or records a discrepancy."""
    return bool(inv.seed_rows or inv.discrepancies)


def _table_order(inv: Inventory) -> dict[str, tuple[int, int]]:
    """Tables in the order meta.sources declares them."""
    return {t.name: (i, j) for i, s in enumerate(inv.meta.sources) for j, t in enumerate(s.tables)}


def summary_rows(inv: Inventory) -> list[Json]:
    counts = inventory_counts(inv)
    order = _table_order(inv)
    rows = []
    for row in sorted(inv.seed_rows, key=lambda r: (order.get(r.table, (len(order), 0)), r.table, r.row)):
        source = inv.meta.table_source(row.table)
        title = next((t.title for t in source.tables if t.name == row.table), row.table) if source else row.table
        rows.append({
            "source": source.name if source else None,
            "table": row.table,
            "table_title": title,
            "row": row.row,
            "item": row.item,
            "seed_line": row.line,
            "seed_count": row.count,
            "inventory_count": counts.get(row.ref, 0),
        })
    return rows


def _figure_line(inv: Inventory, cite: str) -> int | None:
    """The line of the source's text a figure stands on: its own, or its table row's."""
    cited = parse_citation(cite)
    if cited is None:
        return None
    if cited.line is not None:
        return cited.line
    row = inv.index("seed_rows").get(cited.row_ref or "")
    return row.line if row is not None else None


def discrepancy_rows(inv: Inventory) -> list[Json]:
    counts = inventory_counts(inv)
    return [
        {
            "name": d.name,
            "subject": d.subject,
            "figures": [{"cite": f.cite, "value": f.value, "line": _figure_line(inv, f.cite)} for f in d.figures],
            "records_follow": d.records_follow,
            "inventory_count": counts.get(d.records_follow, 0),
            "note": d.note,
        }
        for d in inv.discrepancies
    ]


def summary(inv: Inventory) -> Json:
    rows = summary_rows(inv)
    mismatched = [r for r in rows if r["seed_count"] is not None and r["seed_count"] != r["inventory_count"]]
    return {
        "inventory": inv.meta.name,
        "sources": [{"name": s.name, "title": s.title, "kind": s.kind} for s in inv.meta.sources],
        "rows": rows,
        "discrepancies": discrepancy_rows(inv),
        "mismatches": len(mismatched),
        "totals": inv.counts(),
    }
