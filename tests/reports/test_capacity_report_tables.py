"""The capacity report without a browser: the same tables as the `dcops report` commands,
one elevation per rack, nothing loaded from elsewhere, the same bytes for the same
inventory, and the link figures worked by hand."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from dcops.cli import app
from dcops_reports.html_report import build, to_html, to_json
from dcops_reports.wan_usage import WanSeries, percentile, wan_report

runner = CliRunner()


def test_tables_are_the_report_commands_tables(headroom_inv, headroom_dir):
    doc = json.loads(to_json(build(headroom_inv)))
    for command, prefix in (("power", "power"), ("compute", "compute")):
        res = runner.invoke(app, ["report", command, "-f", "json", "-i", str(headroom_dir)])
        assert res.exit_code == 0, res.output
        alone = json.loads(res.stdout)
        for key in alone:
            if key not in ("title", "notes"):
                assert doc[f"{prefix}_{key}"] == alone[key], key
        assert set(alone["notes"]) <= set(doc["notes"])
    space = runner.invoke(app, ["report", "space", "-f", "json", "-i", str(headroom_dir)])
    assert doc["space_racks"] == json.loads(space.stdout)


def test_html_holds_every_table_and_one_elevation_per_rack_and_nothing_external(headroom_inv):
    report = build(headroom_inv)
    html = to_html(report)
    assert sorted(re.findall(r'<table data-table="([^"]+)"', html)) == sorted(report.tables)
    assert re.findall(r'<svg class="elevation" data-rack="([^"]+)"', html) == sorted(r.name for r in headroom_inv.racks)
    assert "<?xml" not in html  # the elevations are elements of the page, not documents
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count('<img class="plot"') == len([c for p in report.parts for c in p.charts]) >= 3
    assert "FAIL" in html.split("<h2>Findings</h2>")[1].split("</ul>")[0]  # the fixture's failing feed


def test_same_inventory_same_bytes(headroom_inv):
    assert to_html(build(headroom_inv)) == to_html(build(headroom_inv))


def test_link_figures_by_hand(mtpe_inv):
    # 20 samples of sc-inet-01 (200 Mbps): 0.1, 0.2, ..., 2.0 x 0.5 -> 0.05 .. 1.0
    ratios = tuple(i / 20 for i in range(1, 21))
    series = [WanSeries("sc-inet-01", "sc", "receive", tuple(range(20)), ratios)]
    rows = {(r["circuit"], r["direction"]): r for r in wan_report(mtpe_inv, series, "sc").as_dicts()}
    rx = rows[("sc-inet-01", "receive")]
    # p95 by linear interpolation: rank 0.95 x 19 = 18.05 -> 0.95 + 0.05 x 0.05 = 0.9525
    assert percentile(list(ratios), 0.95) == 0.9525
    assert (rx["samples"], rx["mean_percent"], rx["p95_percent"], rx["peak_percent"]) == (20, 52.5, 95.2, 100.0)
    assert (rx["p95_mbps"], rx["peak_mbps"], rx["headroom_mbps"], rx["verdict"]) == (190.5, 200.0, 9.5, "saturated")
    assert rows[("sc-pri-01", None)]["verdict"] == "no data"
    assert {r["site"] for r in rows.values()} == {"sc"}
    assert {r["verdict"] for r in wan_report(mtpe_inv, None).as_dicts()} == {"not queried"}
