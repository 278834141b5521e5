"""Canned reports over the inventory's views: end-of-life software and rack capacity.

Each report is one SQL statement over the views of views.py (so `dcops report query`
can reproduce or refine it) and returns a `Report` that output.py renders in any format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from dcops_inventory.inventory import Inventory
from dcops_reports.views import connect


@dataclass(frozen=True)
class Report:
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params or [])
    return [d[0] for d in cur.description], cur.fetchall()


# Past end of life means the EOL date is before the day asked about (the EOL day itself is
# the last supported day). `vms` / `devices` list the VMs and physical devices whose OS it is.
EOL_SQL = """
WITH on_vms AS (
    SELECT os, count(*) AS n, list(name ORDER BY name) AS names FROM vms GROUP BY os
), on_devices AS (
    SELECT os, count(*) AS n, list(name ORDER BY name) AS names FROM devices WHERE os IS NOT NULL GROUP BY os
)
SELECT s.name, s.title, s.category, s.version, s.eol_date,
       date_diff('day', s.eol_date, $on) AS days_past_eol,
       s.install_count,
       coalesce(v.n, 0) AS vm_count,
       coalesce(v.names, []::VARCHAR[]) AS vms,
       coalesce(d.n, 0) AS device_count,
       coalesce(d.names, []::VARCHAR[]) AS devices
FROM software s
LEFT JOIN on_vms v ON v.os = s.name
LEFT JOIN on_devices d ON d.os = s.name
WHERE s.eol_date IS NOT NULL AND s.eol_date < $on
ORDER BY days_past_eol DESC, s.name
"""


def eol_report(inv: Inventory | duckdb.DuckDBPyConnection, on_date: date | None = None) -> Report:
    """Software and operating systems past end of life on `on_date` (default: today)."""
    on = on_date or date.today()
    con = connect(inv, ["software", "vms", "devices"]) if isinstance(inv, Inventory) else inv
    cur = con.execute(EOL_SQL, {"on": on})
    return Report(f"Software past end of life on {on.isoformat()}",
                  [d[0] for d in cur.description], cur.fetchall())


# Allocated power is the sum over the rack's devices of their device type's typical and
# maximum (nameplate) draw. `over_capacity`: typical draw exceeds the rack's capacity (it is
# overloaded now); `max_over_capacity`: the worst case would exceed it (a risk to plan for).
RACKS_SQL = """
WITH per_rack AS (
    SELECT r.name AS rack, r.site, r.status, r.u_height AS rack_u,
           coalesce(sum(d.u_height), 0) AS u_used,
           count(d.name) AS devices,
           coalesce(sum(d.typical_power_w), 0) AS typical_w,
           coalesce(sum(d.max_power_w), 0) AS max_w,
           r.power_capacity_w AS capacity_w
    FROM racks r LEFT JOIN devices d ON d.rack = r.name
    GROUP BY r.name, r.site, r.status, r.u_height, r.power_capacity_w
)
SELECT rack, site, status, rack_u AS u_height, u_used, rack_u - u_used AS u_free, devices,
       typical_w AS typical_power_w, max_w AS max_power_w, capacity_w AS power_capacity_w,
       round(100.0 * typical_w / capacity_w, 1) AS typical_utilisation_percent,
       round(100.0 * max_w / capacity_w, 1) AS max_utilisation_percent,
       typical_w > capacity_w AS over_capacity,
       max_w > capacity_w AS max_over_capacity
FROM per_rack
ORDER BY site, rack
"""


def racks_report(inv: Inventory | duckdb.DuckDBPyConnection) -> Report:
    """Per rack: rack units used and free, allocated power against the rack's capacity."""
    con = connect(inv, ["racks", "devices"]) if isinstance(inv, Inventory) else inv
    columns, rows = _run(con, RACKS_SQL)
    return Report("Rack space and power", columns, rows)
