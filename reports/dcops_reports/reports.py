"""Canned reports over the inventory's views: end-of-life software and rack capacity.

Each report here is one SQL statement over the views of views.py (so `dcops report query`
can reproduce or refine it) and returns a `Report` that output.py renders in any format.
Headroom reports whose arithmetic is not a join (power failover, N+1, address math, rack
elevations) are Python over the typed records, one module each (power.py, compute.py,
addresses.py, space.py), and return a `ReportSet`: several tables answering one question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class ReportSet:
    """Several tables answering one question (power: racks, feeds, UPSes, failover) and the
    lines a person reads under them (each failing case, the assumptions the figures rest on).
    `sections` keys are what `--only` selects and the keys of the JSON document."""

    title: str
    sections: dict[str, Report]
    notes: list[str] = field(default_factory=list)


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> tuple[list[str], list[tuple]]:
    cur = con.execute(sql, params or [])
    return [d[0] for d in cur.description], cur.fetchall()


# Past end of life means the EOL date is before the day asked about (the EOL day itself is
# the last supported day); `$until` (a later day) adds the software reaching end of life
# before it, `eol_status` telling the two apart. `vms` / `devices` list the VMs and physical
# devices whose OS it is; with `$site` only those at that site, and only software found there.
EOL_WINDOW_SQL = """
WITH on_vms AS (
    SELECT os, count(*) AS n, list(name ORDER BY name) AS names FROM vms
    WHERE $site::VARCHAR IS NULL OR site = $site::VARCHAR GROUP BY os
), on_devices AS (
    SELECT os, count(*) AS n, list(name ORDER BY name) AS names FROM devices
    WHERE os IS NOT NULL AND ($site::VARCHAR IS NULL OR site = $site::VARCHAR) GROUP BY os
)
SELECT s.name, s.title, s.category, s.version, s.eol_date,
       date_diff('day', s.eol_date, $on) AS days_past_eol,
       CASE WHEN s.eol_date < $on THEN 'past' ELSE 'upcoming' END AS eol_status,
       s.install_count,
       coalesce(v.n, 0) AS vm_count,
       coalesce(v.names, []::VARCHAR[]) AS vms,
       coalesce(d.n, 0) AS device_count,
       coalesce(d.names, []::VARCHAR[]) AS devices
FROM software s
LEFT JOIN on_vms v ON v.os = s.name
LEFT JOIN on_devices d ON d.os = s.name
WHERE s.eol_date IS NOT NULL AND s.eol_date < $until
  AND ($site::VARCHAR IS NULL OR v.n IS NOT NULL OR d.n IS NOT NULL)
ORDER BY days_past_eol DESC, s.name
"""
# The plain question, past end of life on `$on` at every site, with `$on` its one parameter.
EOL_SQL = EOL_WINDOW_SQL.replace("$until", "$on").replace("$site::VARCHAR", "NULL::VARCHAR")


def eol_report(inv: Inventory | duckdb.DuckDBPyConnection, on_date: date | None = None,
               until: date | None = None, site: str | None = None, within: str | None = None) -> Report:
    """Software and operating systems past end of life on `on_date` (default: today), and with
    `until` those reaching it before that day; `site` keeps what runs there. `within` is the
    period as the user wrote it, for the title."""
    on = on_date or date.today()
    end = max(until or on, on)
    con = connect(inv, ["software", "vms", "devices"]) if isinstance(inv, Inventory) else inv
    cur = con.execute(EOL_WINDOW_SQL, {"on": on, "until": end, "site": site})
    title = f"Software past end of life on {on.isoformat()}"
    if end > on:
        title += f" or reaching it {f'within {within} ' if within else ''}(before {end.isoformat()})"
    if site:
        title += f", at site {site}"
    return Report(title, [d[0] for d in cur.description], cur.fetchall())


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


def racks_report(inv: Inventory | duckdb.DuckDBPyConnection, site: str | None = None) -> Report:
    """Per rack: rack units used and free, allocated power against the rack's capacity."""
    con = connect(inv, ["racks", "devices"]) if isinstance(inv, Inventory) else inv
    if site is None:
        columns, rows = _run(con, RACKS_SQL)
        return Report("Rack space and power", columns, rows)
    columns, rows = _run(con, f"SELECT * FROM ({RACKS_SQL}) WHERE site = $site ORDER BY site, rack", {"site": site})
    return Report(f"Rack space and power at site {site}", columns, rows)


# The racks table for a terminal: the columns a planner scans, under short names, the two
# over-capacity flags in one (`now`: typical draw over capacity, `at max`: only the maximum).
# `--wide` prints every column of RACKS_SQL; csv and json always carry them all.
NARROW_RACK_COLUMNS = [("rack", "rack"), ("site", "site"), ("u_used", "u_used"), ("u_free", "u_free"),
                       ("devices", "devs"), ("typical_power_w", "typ_w"), ("max_power_w", "max_w"),
                       ("power_capacity_w", "cap_w"), ("typical_utilisation_percent", "typ_%"),
                       ("max_utilisation_percent", "max_%")]


def narrow_racks(report: Report) -> Report:
    index = {c: i for i, c in enumerate(report.columns)}
    rows = []
    for row in report.rows:
        over = "now" if row[index["over_capacity"]] else ("at max" if row[index["max_over_capacity"]] else "")
        rows.append((*(row[index[src]] for src, _ in NARROW_RACK_COLUMNS), over))
    return Report(report.title, [short for _, short in NARROW_RACK_COLUMNS] + ["over"], rows)
