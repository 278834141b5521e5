"""The SQL views: the documented columns exist and each view holds what the inventory holds."""

from __future__ import annotations

import pytest

from dcops_reports.views import VIEWS, QueryError, connect, run_query, views_in

CONTRACT = {
    "devices": {"name", "role", "site", "rack", "position", "status", "platform", "model", "manufacturer",
                "mgmt_ip", "ownership", "u_height", "typical_power_w", "max_power_w", "serial", "cluster",
                "redundancy_group", "os", "provenance"},
    "vms": {"name", "cluster", "site", "os", "vcpus", "memory_gb", "disk_gb", "status", "host", "platform",
            "provenance"},
    "software": {"name", "version", "category", "install_count", "eol_date", "title", "vendor", "licence"},
    "interfaces": {"device", "name", "type", "speed_mbps", "role", "description", "lag", "enabled"},
    "service_dependencies": {"service", "depends_on", "kind"},
    "redundancy_group_members": {"redundancy_group", "member", "requirement", "member_kind"},
}

# view -> inventory collection it lists one row per record of
ONE_ROW_PER_RECORD = {
    "devices": "devices", "vms": "vms", "software": "software", "sites": "sites", "racks": "racks",
    "services": "services", "prefixes": "prefixes", "vlans": "vlans", "circuits": "circuits",
    "assets": "asset_pools", "asset_pools": "asset_pools", "clusters": "clusters",
    "redundancy_groups": "redundancy_groups", "availability_goals": "availability_goals", "staff": "staff",
    "seed_rows": "seed_rows", "cables": "cables", "ip_addresses": "ip_addresses",
    "power_feeds": "power_feeds", "device_types": "device_types", "locations": "locations",
}


def columns(con, view):
    return {r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()}


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_contract_columns_exist(small_con, view):
    missing = CONTRACT[view] - columns(small_con, view)
    assert not missing, f"{view} lacks {sorted(missing)}"


@pytest.mark.parametrize("view,collection", sorted(ONE_ROW_PER_RECORD.items()))
def test_view_counts_equal_inventory(small_inv, small_con, view, collection):
    (count,), = small_con.execute(f"SELECT count(*) FROM {view}").fetchall()
    assert count == len(getattr(small_inv, collection)) > 0


def test_every_collection_is_queryable(small_inv, small_con):
    for view in VIEWS:
        small_con.execute(f"SELECT * FROM {view} LIMIT 1").fetchall()


def test_device_row_joins_type_cluster_and_group(small_inv):
    cols, rows = run_query(small_inv, "SELECT name, model, manufacturer, u_height, typical_power_w, max_power_w,"
                                      " mgmt_ip, mgmt_cidr, redundancy_group, cluster FROM devices"
                                      " WHERE name = 'dc1-srv-01'")
    row = dict(zip(cols, rows[0]))
    assert row == {"name": "dc1-srv-01", "model": "PowerEdge R740", "manufacturer": "Dell", "u_height": 2,
                   "typical_power_w": 500, "max_power_w": 800, "mgmt_ip": "10.0.0.11",
                   "mgmt_cidr": "10.0.0.11/24", "redundancy_group": "cl1-hosts", "cluster": "cl1"}


def test_vm_site_comes_from_its_cluster(small_inv):
    _, rows = run_query(small_inv, "SELECT name, site, os_eol_date FROM vms ORDER BY name")
    assert [(r[0], r[1]) for r in rows] == [("vm-a", "dc1"), ("vm-b", "dc1"), ("vm-c", "dc1"), ("vm-d", "dc1")]
    assert str(rows[3][2]) == "2015-07-14"


def test_interfaces_view_matches_device_interfaces(small_inv, small_con):
    """The SQL expansion follows the same rule as Inventory.device_interfaces, port for port."""
    fields = ("name", "type", "speed_mbps", "role", "description", "lag", "enabled")
    for dev in small_inv.devices:
        expected = [tuple(getattr(i, f) for f in fields) for i in small_inv.device_interfaces(dev)]
        got = small_con.execute(f"SELECT {', '.join(fields)} FROM interfaces WHERE device = ?"
                                " ORDER BY port_index NULLS LAST, name", [dev.name]).fetchall()
        assert got == expected, dev.name
    (total,), = small_con.execute("SELECT count(*) FROM interfaces").fetchall()
    assert total == sum(len(small_inv.device_interfaces(d)) for d in small_inv.devices)


def test_service_dependencies_and_members(small_con):
    deps = small_con.execute("SELECT service, depends_on, kind FROM service_dependencies ORDER BY ALL").fetchall()
    assert deps == [("svc-a", "sunat", "external"), ("svc-a", "svc-b", "service")]
    members = small_con.execute("SELECT member, member_kind FROM redundancy_group_members"
                                " WHERE redundancy_group = 'core-pair' ORDER BY member").fetchall()
    assert members == [("dc1-core-01", "devices"), ("dc1-core-02", "devices")]
    clusters = small_con.execute("SELECT name, hosts, vms FROM clusters ORDER BY name").fetchall()
    assert clusters == [("cl1", 2, 2), ("cl2", 2, 2)]


def test_bad_sql_names_the_problem(small_inv):
    with pytest.raises(QueryError, match=r'"rol" not found'):
        run_query(small_inv, "SELECT rol FROM devices")
    with pytest.raises(QueryError, match="Parser"):
        run_query(small_inv, "SELEC * FROM devices")


def test_queries_cannot_read_files(small_inv):
    """The connection has external access off: no file reads, no extension downloads."""
    with pytest.raises(QueryError):
        run_query(small_inv, "SELECT * FROM read_csv('/etc/hostname')")


def test_run_query_builds_only_the_named_views(small_inv):
    assert views_in("select * from devices d join racks r on r.name = d.rack") == ["devices", "racks"]
    con = connect(small_inv, ["vms"])
    with pytest.raises(QueryError, match="devices"):
        run_query(con, "SELECT * FROM devices")


def test_unknown_view_is_listed(small_inv):
    with pytest.raises(KeyError, match="valid:"):
        connect(small_inv, ["nope"])


def test_mtpe_views_match_the_inventory():
    """On the embedded MTPE inventory: one row per record, and interfaces as device_interfaces."""
    from dcops_inventory import load_inventory

    inv = load_inventory()
    con = connect(inv)
    for view, collection in ONE_ROW_PER_RECORD.items():
        (count,), = con.execute(f"SELECT count(*) FROM {view}").fetchall()
        assert count == len(getattr(inv, collection)), view
    expected = sorted((d.name, i.name, i.type, i.role) for d in inv.devices for i in inv.device_interfaces(d))
    got = sorted(con.execute("SELECT device, name, type, role FROM interfaces").fetchall())
    assert got == expected


def test_catalog_queries_see_every_view(small_inv):
    _, rows = run_query(small_inv, "SELECT table_name FROM information_schema.tables"
                                   " WHERE table_schema = 'main' ORDER BY 1")
    assert {r[0] for r in rows} == set(VIEWS)


def test_interfaces_show_the_cable_peer(small_con):
    rows = small_con.execute("SELECT device, name, peer_device, peer_interface, cable_type FROM interfaces"
                             " WHERE peer_device IS NOT NULL ORDER BY device, name").fetchall()
    assert rows == [
        ("dc1-core-01", "GigabitEthernet1/0/1", "dc1-srv-01", "eth0", "cat6"),
        ("dc1-core-01", "TenGigabitEthernet1/1/1", "dc1-core-02", "TenGigabitEthernet1/1/1", "dac"),
        ("dc1-core-02", "TenGigabitEthernet1/1/1", "dc1-core-01", "TenGigabitEthernet1/1/1", "dac"),
        ("dc1-srv-01", "eth0", "dc1-core-01", "GigabitEthernet1/0/1", "cat6"),
    ]


def test_unknown_field_types_become_json_text():
    """A model field of a type the views do not map yet is queryable as JSON, not an error."""
    from pydantic import BaseModel

    from dcops_reports.tables import columns_of

    class Odd(BaseModel):
        name: str
        extra: dict[str, int]

    cols = {c.name: c for c in columns_of(Odd)}
    rec = Odd(name="x", extra={"b": 2, "a": 1})
    assert cols["extra"].sql_type == "VARCHAR"
    assert cols["extra"].values([rec], [rec.__dict__]) == ['{"a": 1, "b": 2}']
