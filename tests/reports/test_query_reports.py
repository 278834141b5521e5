"""Reports on the small inventory, whose numbers are worked out by hand in its YAML comments."""

from __future__ import annotations

from datetime import date

from dcops_reports.reports import eol_report, racks_report


def test_eol_report_lists_software_past_eol_with_its_vms(small_inv):
    report = eol_report(small_inv, date(2025, 1, 1))
    rows = {r["name"]: r for r in report.as_dicts()}
    assert list(rows) == ["win2003", "centos-7"]  # longest past EOL first
    assert rows["centos-7"]["days_past_eol"] == (date(2025, 1, 1) - date(2024, 6, 30)).days == 185
    assert rows["centos-7"]["vm_count"] == 2 and rows["centos-7"]["vms"] == ["vm-a", "vm-b"]
    assert rows["centos-7"]["install_count"] == 25
    assert rows["centos-7"]["device_count"] == 1 and rows["centos-7"]["devices"] == ["dc1-srv-05"]
    assert rows["win2003"]["device_count"] == 0 and rows["win2003"]["devices"] == []
    assert rows["win2003"]["days_past_eol"] == (date(2025, 1, 1) - date(2015, 7, 14)).days
    assert rows["win2003"]["vms"] == ["vm-d"] and rows["win2003"]["version"] == "2003"
    assert "2025-01-01" in report.title


def test_eol_day_itself_is_still_supported(small_inv):
    names = [r["name"] for r in eol_report(small_inv, date(2024, 6, 30)).as_dicts()]
    assert names == ["win2003"]
    names = [r["name"] for r in eol_report(small_inv, date(2024, 7, 1)).as_dicts()]
    assert names == ["win2003", "centos-7"]


def test_software_without_eol_date_is_never_reported(small_inv):
    names = [r["name"] for r in eol_report(small_inv, date(2099, 1, 1)).as_dicts()]
    assert "oracle-se" not in names and "rhel-9" in names


def test_racks_report_space_power_and_flags(small_inv):
    rows = {r["rack"]: r for r in racks_report(small_inv).as_dicts()}
    r1, r2, r3 = rows["dc1-r01"], rows["dc1-r02"], rows["dc1-r03"]
    # r01: 2x 1U switch (200/400 W) + 2x 2U server (500/800 W) in 42U, 5000 W
    assert (r1["u_used"], r1["u_free"], r1["devices"]) == (6, 36, 4)
    assert (r1["typical_power_w"], r1["max_power_w"], r1["power_capacity_w"]) == (1400, 2400, 5000)
    assert (r1["typical_utilisation_percent"], r1["max_utilisation_percent"]) == (28.0, 48.0)
    assert (r1["over_capacity"], r1["max_over_capacity"]) == (False, False)
    # r02: 3 servers, 1000 W: overloaded even at typical draw
    assert (r2["u_used"], r2["u_free"], r2["typical_power_w"], r2["max_power_w"]) == (6, 36, 1500, 2400)
    assert (r2["typical_utilisation_percent"], r2["over_capacity"], r2["max_over_capacity"]) == (150.0, True, True)
    # r03: empty 24U rack
    assert (r3["u_used"], r3["u_free"], r3["devices"], r3["typical_power_w"]) == (0, 24, 0, 0)


def test_reports_accept_a_connection(small_con):
    assert len(racks_report(small_con).rows) == 3
    assert len(eol_report(small_con, date(2025, 1, 1)).rows) == 2
