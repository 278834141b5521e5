"""The plan's tables beside the inventory: does every counted row have its records?

A record counts towards a seed row through its provenance (`seed:cuadro8/4`); pools, staff
roles and software count with their own `count` / `install_count`, anything else as one.
"""

from __future__ import annotations

from collections import Counter

from dcops_inventory.inventory import Inventory

TABLE_TITLES = {
    "cuadro1": "Cuadro 1 (applications)",
    "cuadro8": "Cuadro 8 (hardware)",
    "cuadro9": "Cuadro 9 (software)",
    "cuadro10": "Cuadro 10 (connectivity)",
    "cuadro11": "Cuadro 11 (IT staff)",
}
# Only these collections realise a seed row as records (a device type tracing to a row is
# documentation of where its model comes from, not one more item).
_REALISING = {"devices", "vms", "asset_pools", "software", "staff", "services"}


def _weight(collection: str, rec) -> int:
    if collection in ("asset_pools", "staff"):
        return rec.count
    if collection == "software":
        return rec.install_count
    return 1


def inventory_counts(inv: Inventory) -> Counter:
    counts: Counter = Counter()
    for collection in _REALISING:
        for rec in getattr(inv, collection):
            if rec.provenance.startswith("seed:cuadro"):
                counts[rec.provenance[5:]] += _weight(collection, rec)
    return counts


def summary_rows(inv: Inventory) -> list[dict]:
    counts = inventory_counts(inv)
    rows = []
    for row in sorted(inv.seed_rows, key=lambda r: (int(r.table[6:]), r.row)):
        rows.append({
            "table": row.table,
            "row": row.row,
            "item": row.item,
            "seed_line": row.line,
            "seed_count": row.count,
            "inventory_count": counts.get(row.ref, 0),
        })
    return rows


def discrepancy_rows(inv: Inventory) -> list[dict]:
    counts = inventory_counts(inv)
    return [
        {
            "name": d.name,
            "subject": d.subject,
            "figures": [f.model_dump() for f in d.figures],
            "records_follow": d.records_follow,
            "inventory_count": counts.get(d.records_follow, 0),
            "note": d.note,
        }
        for d in inv.discrepancies
    ]


def summary(inv: Inventory) -> dict:
    rows = summary_rows(inv)
    mismatched = [r for r in rows if r["seed_count"] is not None and r["seed_count"] != r["inventory_count"]]
    return {
        "inventory": inv.meta.name,
        "rows": rows,
        "discrepancies": discrepancy_rows(inv),
        "mismatches": len(mismatched),
        "totals": inv.counts(),
    }
