"""The benchmark generator writes inventories the loader accepts, deterministically."""

from __future__ import annotations

import pytest

from dcops_inventory import load_inventory
from dcops_reports.views import connect


@pytest.mark.parametrize("n", [20, 333])
def test_generated_inventory_validates_with_exact_counts(gen, tmp_path, n):
    counts = gen.generate(n, tmp_path / "inv")
    inv = load_inventory(tmp_path / "inv")  # raises InventoryError listing problems otherwise
    assert len(inv.devices) == n == counts["devices"]
    assert len(inv.vms) == n
    assert len({d.site for d in inv.devices}) >= 2
    roles = {d.role for d in inv.devices}
    assert {"core_switch", "distribution_switch", "edge_switch", "server"} <= roles
    assert inv.cables and inv.redundancy_groups and inv.services and inv.ip_addresses
    assert all(len(inv.hosts_of(c.name)) >= 1 for c in inv.clusters)


def test_generated_inventory_is_queryable(gen, tmp_path):
    gen.generate(200, tmp_path / "inv")
    con = connect(load_inventory(tmp_path / "inv"))
    (cabled_edges,), = con.execute(
        "SELECT count(DISTINCT a_device) FROM cables c JOIN devices d ON d.name = c.a_device"
        " WHERE d.role = 'edge_switch'").fetchall()
    (edges,), = con.execute("SELECT count(*) FROM devices WHERE role = 'edge_switch'").fetchall()
    assert edges > 0 and cabled_edges == edges  # every edge switch is uplinked


def test_same_seed_same_files(gen, tmp_path):
    gen.generate(60, tmp_path / "a", seed=7)
    gen.generate(60, tmp_path / "b", seed=7)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_too_small_is_refused(gen, tmp_path):
    with pytest.raises(ValueError, match="at least 20"):
        gen.generate(5, tmp_path)
