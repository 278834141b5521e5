"""`dcops report space`: free U, the largest contiguous free block, text and SVG elevations.

The headroom fixture's racks are described in tests/reports/fixtures/headroom/dcim.yaml."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from dcops_reports.elevation_svg import rack_svg, write_svgs
from dcops_reports.space import rack_spaces, space_report, text_elevation

runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"


def test_free_u_and_largest_contiguous_block(headroom_inv):
    racks = {r["rack"]: r for r in space_report(headroom_inv).as_dicts()}
    r2 = racks["dc1-r02"]  # servers at U1-2, U5-6, U20-21
    assert (r2["u_used"], r2["u_free"], r2["largest_free_u"], r2["largest_free_block"]) == (6, 36, 21, "U22-U42")
    assert r2["free_blocks"] == ["U22-U42", "U7-U19", "U3-U4"]
    r1 = racks["dc1-r01"]  # servers at U1-2, U3-4, a switch at U42
    assert (r1["u_used"], r1["u_free"], r1["largest_free_block"]) == (5, 37, "U5-U41")
    assert (racks["dc1-r05"]["largest_free_u"], racks["dc1-r05"]["largest_free_block"]) == (24, "U1-U24")


def test_equal_blocks_prefer_the_lowest(headroom_inv):
    sp = next(s for s in rack_spaces(headroom_inv) if s.rack.name == "dc1-r02")
    assert sp.free_blocks() == [(3, 4), (7, 19), (22, 42)]
    assert sp.largest_block() == (22, 42)


def test_text_elevation_draws_every_unit(headroom_inv):
    sp = next(s for s in rack_spaces(headroom_inv) if s.rack.name == "dc1-r04")
    lines = text_elevation(sp).splitlines()
    assert lines[0] == ("dc1-r04 (site dc1, 24U): 2 mounted, 2U used, 22U free, largest free block U3-U24 (22U)")
    units = [line for line in lines if line.startswith("U")]
    assert len(units) == 24 and units[0].startswith("U24 ") and units[-1].startswith("U1 ")
    assert "dc1-sw-02 · Cisco C9300-4T (1U, rear)" in units[-2] and "dc1-ups-c" in units[-1]


def test_svg_is_well_formed_and_draws_each_device(headroom_inv):
    sp = next(s for s in rack_spaces(headroom_inv) if s.rack.name == "dc1-r02")
    root = ET.fromstring(rack_svg(sp))
    assert root.tag == f"{SVG}svg" and root.get("height") == str(44 + 42 * 22 + 20)
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-device") for g in groups] == ["dc1-srv-05", "dc1-srv-04", "dc1-srv-03"]
    box = groups[0].find(f"{SVG}rect")
    assert box.get("height") == str(2 * 22 - 2) and box.get("stroke-dasharray")  # 2U, planned: dashed
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "largest free block U22-U42 (21U)" in texts


def test_svgs_written_atomically_and_unchanged_on_rerun(headroom_inv, tmp_path):
    spaces = rack_spaces(headroom_inv)
    paths, changed = write_svgs(spaces, tmp_path / "svg")
    assert changed == len(paths) == 5 and sorted(os.listdir(tmp_path / "svg")) == sorted(p.name for p in paths)
    for path in paths:
        ET.parse(path)
    assert write_svgs(spaces, tmp_path / "svg")[1] == 0  # same inventory, same bytes, nothing rewritten


def test_cli_space(cli_app, headroom_dir, tmp_path):
    inv = ["--inventory", str(headroom_dir)]
    res = runner.invoke(cli_app, ["space", "--elevation", "dc1-r02", *inv])
    assert res.exit_code == 0 and res.stdout.startswith("dc1-r02 (site dc1, 42U)")
    res = runner.invoke(cli_app, ["space", "--elevation", "dc9-r01", *inv])
    assert res.exit_code == 2 and "--elevation 'dc9-r01' is not a rack" in res.stderr
    res = runner.invoke(cli_app, ["space", "--svg-dir", str(tmp_path / "out"), "-f", "json", *inv])
    assert res.exit_code == 0 and "5 rack elevation(s)" in res.stderr
    assert len(list((tmp_path / "out").glob("*.svg"))) == 5 and res.stdout.lstrip().startswith("[")
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = runner.invoke(cli_app, ["space", "--svg-dir", str(blocker), *inv])
    assert res.exit_code == 2 and "--svg-dir" in res.stderr
