"""SQL over the inventory: every collection as a DuckDB view, for `dcops report query`.

    from dcops_reports.views import connect, run_query
    con = connect(inv)                                  # every view
    cols, rows = run_query(inv, "SELECT role, count(*) FROM devices GROUP BY role")

Records are loaded as-is into tables of the schema `records` (one per collection, see
tables.py); the views in the default schema add what a question needs without joins
written by hand: a device's model, power and redundancy group, a VM's site, each
interface of a device (its type's port layout overlaid with explicit records, the same
rule as `Inventory.device_interfaces`, tested port by port against it, but joined in SQL
from the device and port-layout tables: no per-port Python object is built and then
converted, which at 50k devices is ~300k of them).

`run_query(inv, sql)` only builds the tables the statement names, so a query over devices
never pays for expanding interfaces; `connect(inv)` builds everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import duckdb

from dcops_inventory.gcpause import gc_paused
from dcops_inventory.inventory import Inventory
from dcops_inventory.models import COLLECTIONS
from dcops_reports.quick import execute
from dcops_reports.tables import load_records, load_table

SCHEMA = "records"


class QueryError(Exception):
    """The SQL was rejected by DuckDB; the message is DuckDB's, naming the problem."""


@dataclass(frozen=True)
class View:
    sql: str
    needs: tuple[str, ...]  # tables (collections or derived tables) built before the view
    doc: str = ""


# -- derived tables -------------------------------------------------------------------------
def _device_type_ports(con: duckdb.DuckDBPyConnection, inv: Inventory) -> None:
    """One row per port of each device type's layout, in layout order."""
    cols = {k: [] for k in ("device_type", "port_index", "name", "type", "speed_mbps", "mgmt_only")}
    for dt in inv.device_types:
        i = 0
        for tpl in dt.interfaces:
            for name in tpl.names():
                for key, value in zip(cols, (dt.name, i, name, tpl.type, tpl.speed_mbps, tpl.mgmt_only)):
                    cols[key].append(value)
                i += 1
    load_table(con, f"{SCHEMA}.device_type_ports",
               [("device_type", "VARCHAR"), ("port_index", "INTEGER"), ("name", "VARCHAR"),
                ("type", "VARCHAR"), ("speed_mbps", "BIGINT"), ("mgmt_only", "BOOLEAN")],
               list(cols.values()))


def _redundancy_group_members(con: duckdb.DuckDBPyConnection, inv: Inventory) -> None:
    kinds = [(c, set(inv.index(c))) for c in ("devices", "vms", "circuits")]
    cols: list[list] = [[], [], [], []]
    for group in inv.redundancy_groups:
        for member in group.members:
            kind = next((c for c, keys in kinds if member in keys), None)
            for col, value in zip(cols, (group.name, member, group.requirement, kind)):
                col.append(value)
    load_table(con, f"{SCHEMA}.redundancy_group_members",
               [("redundancy_group", "VARCHAR"), ("member", "VARCHAR"), ("requirement", "VARCHAR"),
                ("member_kind", "VARCHAR")], cols)


_INTERFACES_SQL = f"""
CREATE OR REPLACE TABLE {SCHEMA}.interfaces_expanded AS
WITH layout AS (
    SELECT d.name AS device, p.port_index, p.name, p.type, p.speed_mbps, p.mgmt_only
    FROM {SCHEMA}.devices d JOIN {SCHEMA}.device_type_ports p ON p.device_type = d.device_type
), ports AS (
    SELECT
        coalesce(l.device, i.device) AS device,
        coalesce(l.name, i.name) AS name,
        coalesce(i.type, l.type) AS type,
        coalesce(i.speed_mbps, l.speed_mbps) AS speed_mbps,
        coalesce(i.role, CASE WHEN l.mgmt_only THEN 'mgmt' END) AS role,
        i.description, i.lag, coalesce(i.enabled, TRUE) AS enabled, i.mode,
        i.untagged_vlan, coalesce(i.tagged_vlans, []::VARCHAR[]) AS tagged_vlans,
        coalesce(l.mgmt_only, FALSE) AS mgmt_only,
        i.device IS NOT NULL AS explicit,
        l.port_index,
        coalesce(i.provenance, 'assumption') AS provenance
    FROM layout l FULL OUTER JOIN {SCHEMA}.interfaces i ON i.device = l.device AND i.name = l.name
), cable_ends AS (
    SELECT a_device AS device, a_interface AS name, b_device AS peer_device, b_interface AS peer_interface,
           type AS cable_type FROM {SCHEMA}.cables
    UNION ALL
    SELECT b_device, b_interface, a_device, a_interface, type FROM {SCHEMA}.cables
)
SELECT p.*, c.peer_device, c.peer_interface, c.cable_type
FROM ports p LEFT JOIN cable_ends c ON c.device = p.device AND c.name = p.name
ORDER BY p.device, p.port_index NULLS LAST, p.name
"""


def _interfaces_expanded(con: duckdb.DuckDBPyConnection, inv: Inventory) -> None:
    con.execute(_INTERFACES_SQL)


# derived table -> (builder, tables it reads)
DERIVED: dict[str, tuple[Callable[[duckdb.DuckDBPyConnection, Inventory], None], tuple[str, ...]]] = {
    "device_type_ports": (_device_type_ports, ()),
    "redundancy_group_members": (_redundancy_group_members, ()),
    "interfaces_expanded": (_interfaces_expanded, ("devices", "device_type_ports", "interfaces", "cables")),
}

# -- views ----------------------------------------------------------------------------------
R = SCHEMA
VIEWS: dict[str, View] = {
    "devices": View(f"""
        SELECT d.name, d.role, d.site, d.rack, d.position, d.status, d.platform, t.model, t.manufacturer,
               split_part(d.mgmt_ip, '/', 1) AS mgmt_ip, d.ownership, t.u_height, t.typical_power_w,
               t.max_power_w, d.serial, d.cluster, g.redundancy_group, d.os, d.device_type, d.location, d.face,
               d.mgmt_ip AS mgmt_cidr, split_part(d.oob_ip, '/', 1) AS oob_ip, d.asset_tag,
               d.credentials, d.snmp_profile, d.decommission_date, d.tags, d.comments,
               d.ups_capacity_kva, d.ups_runtime_minutes, d.cooling_capacity_kw, d.provenance
        FROM {R}.devices d
        LEFT JOIN {R}.device_types t ON t.name = d.device_type
        LEFT JOIN (SELECT member, min(redundancy_group) AS redundancy_group
                   FROM {R}.redundancy_group_members GROUP BY member) g ON g.member = d.name""",
                    ("devices", "device_types", "redundancy_group_members"),
                    "devices with their type's model, height and power, and their redundancy group"),
    "vms": View(f"""
        SELECT v.name, v.cluster, c.site, v.os, v.vcpus, v.memory_gb, v.disk_gb, v.status, v.host,
               v.platform, v.role, split_part(v.mgmt_ip, '/', 1) AS mgmt_ip, s.title AS os_title,
               s.version AS os_version, s.eol_date AS os_eol_date, v.credentials, v.description,
               v.provenance
        FROM {R}.vms v
        LEFT JOIN {R}.clusters c ON c.name = v.cluster
        LEFT JOIN {R}.software s ON s.name = v.os""",
                ("vms", "clusters", "software"), "virtual machines with their site and OS"),
    "software": View(f"""
        SELECT name, version, category, install_count, eol_date, title, vendor,
               licence_type AS licence, licence_seats, provenance
        FROM {R}.software""", ("software",), "software and operating systems (Cuadro 9)"),
    "interfaces": View(f"SELECT * FROM {R}.interfaces_expanded", ("interfaces_expanded",),
                       "every port of every device: type layout overlaid with explicit records, "
                       "with the device and port at the other end of its cable"),
    "clusters": View(f"""
        SELECT c.*, coalesce(h.hosts, 0) AS hosts, coalesce(v.vms, 0) AS vms
        FROM {R}.clusters c
        LEFT JOIN (SELECT cluster, count(*) AS hosts FROM {R}.devices WHERE cluster IS NOT NULL
                   GROUP BY cluster) h ON h.cluster = c.name
        LEFT JOIN (SELECT cluster, count(*) AS vms FROM {R}.vms GROUP BY cluster) v ON v.cluster = c.name""",
                     ("clusters", "devices", "vms"), "clusters with host and VM counts"),
    "redundancy_groups": View(f"""
        SELECT g.name, g.requirement, g.needed, len(g.members) AS member_count,
               CASE g.requirement WHEN 'N' THEN g.needed WHEN 'N+1' THEN g.needed + 1
                                  ELSE 2 * g.needed END AS minimum_members,
               g.members, g.description, g.provenance
        FROM {R}.redundancy_groups g""", ("redundancy_groups",), "redundancy groups (N, N+1, 2N)"),
    "redundancy_group_members": View(f"SELECT * FROM {R}.redundancy_group_members",
                                     ("redundancy_group_members",), "one row per group member"),
    "availability_goals": View(f"""
        SELECT *, window_days * 24 * 60 * (100 - target_percent) / 100 AS allowed_downtime_minutes
        FROM {R}.availability_goals""", ("availability_goals",), "declared availability targets"),
    "service_dependencies": View(f"""
        SELECT name AS service, unnest(depends_on) AS depends_on, 'service' AS kind FROM {R}.services
        UNION ALL
        SELECT name, unnest(external), 'external' FROM {R}.services""",
                                 ("services",), "service -> service or external party it needs"),
    "prefixes": View(f"""
        SELECT *, CAST(split_part(prefix, '/', 2) AS INTEGER) AS prefixlen FROM {R}.prefixes""",
                     ("prefixes",), "IP prefixes per VRF"),
    "ip_addresses": View(f"SELECT *, split_part(address, '/', 1) AS ip FROM {R}.ip_addresses",
                         ("ip_addresses",), "IP addresses"),
    "assets": View(f"SELECT * FROM {R}.asset_pools", ("asset_pools",),
                   "counted end-user equipment (alias of asset_pools)"),
    "device_type_ports": View(f"SELECT * FROM {R}.device_type_ports", ("device_type_ports",),
                              "port layout of each device type"),
}
for _collection in COLLECTIONS:  # every other collection as stored
    VIEWS.setdefault(_collection, View(f"SELECT * FROM {R}.{_collection}", (_collection,)))


# -- building -------------------------------------------------------------------------------
def _build(con: duckdb.DuckDBPyConnection, inv: Inventory, table: str, done: set[str]) -> None:
    if table in done:
        return
    if table in DERIVED:
        builder, needs = DERIVED[table]
        for dep in needs:
            _build(con, inv, dep, done)
        builder(con, inv)
    else:
        load_records(con, f"{SCHEMA}.{table}", COLLECTIONS[table], getattr(inv, table))
    done.add(table)


def connect(inv: Inventory, views: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the given views (default: all) over `inv`."""
    names = list(VIEWS) if views is None else views
    unknown = [v for v in names if v not in VIEWS]
    if unknown:
        raise KeyError(f"unknown view(s) {unknown}; valid: {', '.join(sorted(VIEWS))}")
    # No files, no network: the inventory is the only data, and extension autoloading
    # would otherwise fetch from the Internet.
    con = duckdb.connect(":memory:", config={"enable_external_access": False,
                                             "autoinstall_known_extensions": False})
    build_views(con, inv, names)
    return con


def build_views(con: duckdb.DuckDBPyConnection, inv: Inventory, names: list[str] | None = None) -> None:
    """Create the given views (default: all) and the tables they read in `con`: an in-memory
    database (connect) or the file of a query store (store.py)."""
    names = list(VIEWS) if names is None else names
    con.execute(f"CREATE SCHEMA {SCHEMA}")
    done: set[str] = set()
    with gc_paused():
        for name in names:
            for table in VIEWS[name].needs:
                _build(con, inv, table, done)
            con.execute(f"CREATE VIEW {name} AS {VIEWS[name].sql}")


def views_in(sql: str) -> list[str]:
    """The views a statement may read: every view name appearing in it as a word."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql.lower()))
    return [v for v in VIEWS if v in words]


def run_query(inv_or_con: Inventory | duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one SQL statement; returns (column names, rows). Raises QueryError on bad SQL."""
    if isinstance(inv_or_con, Inventory):
        # a statement naming no view (SHOW TABLES, information_schema) gets all of them
        con = connect(inv_or_con, views_in(sql) or None)
    else:
        con = inv_or_con
    result = execute(con, sql)
    if isinstance(result, str):
        raise QueryError(result)
    return result
