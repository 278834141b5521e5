"""`dcops report power`: load against derated capacity per rack, feed and UPS, and failover.

The headroom fixture's figures are worked out by hand in tests/reports/fixtures/headroom/dcim.yaml;
the MTPE finding is recomputed here from the records with plain sums, not through the module.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from dcops_reports.power import PowerPolicy, power_report

runner = CliRunner()


def rows(report_set, section):
    """A section's rows by their first column; failover rows by (fails, survivor)."""
    out = {}
    for r in report_set.sections[section].as_dicts():
        out[(r["fails"], r["survivor"]) if section == "failover" else next(iter(r.values()))] = r
    return out


def test_racks_load_capacity_and_feed_loss(headroom_inv):
    racks = rows(power_report(headroom_inv), "racks")
    r1, r2, r3, r4, r5 = (racks[f"dc1-r0{i}"] for i in range(1, 6))
    assert (r1["typical_w"], r1["max_w"], r1["rated_w"], r1["usable_w"]) == (1200, 2000, 5000, 4000)
    assert (r1["typical_percent"], r1["max_percent"], r1["rack_verdict"]) == (30.0, 50.0, "OK")
    # r02: 1500/2400 W against 2000 x 0.8 = 1600 W: the typical fits, the maximum does not
    assert (r2["typical_w"], r2["max_w"], r2["usable_w"], r2["rack_verdict"]) == (1500, 2400, 1600, "FAIL at max")
    # losing feed-a leaves r01 and r02 on feed-b, which cannot carry them
    assert r1["feed_loss"] == r2["feed_loss"] == "FAIL"
    assert r3["feed_loss"] == "OK; one UPS"  # feeds a and c both hang off ups-a
    assert (r4["feeds"], r4["feed_loss"]) == (["dc1-ups-c"], "no redundancy")  # the in-rack UPS, implied
    assert (r5["feeds"], r5["typical_w"], r5["feed_loss"]) == ([], 0, "no feed recorded")


def test_feeds_are_capped_by_their_ups_and_derated(headroom_inv):
    feeds = rows(power_report(headroom_inv), "feeds")
    a, b, c, implied = feeds["dc1-feed-a"], feeds["dc1-feed-b"], feeds["dc1-feed-c"], feeds["dc1-ups-c"]
    assert (a["rated_w"], a["usable_w"], a["typical_w"], a["max_w"]) == (8000, 6400, 1600, 2600)  # 9000 W capped at 10 kVA x 0.8
    assert (b["rated_w"], b["usable_w"], b["typical_w"], b["max_w"]) == (2400, 1920, 1350, 2200)  # 4000 W capped at 3 kVA x 0.8
    assert b["verdict"] == "FAIL at max" and a["verdict"] == "OK"
    assert (c["rated_w"], c["typical_w"], c["max_w"]) == (3000, 250, 400)
    assert implied["basis"].startswith("assumption: in-rack UPS dc1-ups-c powers rack dc1-r04")
    assert (implied["rated_w"], implied["usable_w"], implied["typical_w"]) == (1600, 1280, 200)


def test_ups_rows_sum_their_feeds(headroom_inv):
    ups = rows(power_report(headroom_inv), "ups")
    assert ups["dc1-ups-a"]["feeds"] == ["dc1-feed-a", "dc1-feed-c"]
    assert (ups["dc1-ups-a"]["typical_w"], ups["dc1-ups-a"]["max_w"], ups["dc1-ups-a"]["usable_w"]) == (1850, 3000, 6400)
    assert (ups["dc1-ups-b"]["capacity_kva"], ups["dc1-ups-b"]["rated_w"]) == (3, 2400)


def test_failover_scenarios(headroom_inv):
    report = power_report(headroom_inv)
    fo = rows(report, "failover")
    lost_a = fo[("dc1-feed-a (UPS dc1-ups-a)", "dc1-feed-b (UPS dc1-ups-b)")]
    assert (lost_a["typical_w"], lost_a["max_w"], lost_a["usable_w"], lost_a["verdict"]) == (2700, 4400, 1920, "FAIL")
    assert fo[("dc1-feed-a (UPS dc1-ups-a)", "dc1-feed-c (UPS dc1-ups-a)")]["max_w"] == 800
    lost_b = fo[("dc1-feed-b (UPS dc1-ups-b)", "dc1-feed-a (UPS dc1-ups-a)")]
    assert (lost_b["typical_w"], lost_b["max_w"], lost_b["verdict"]) == (2950, 4800, "OK")
    ups_a = fo[("dc1-feed-b (UPS dc1-ups-b)", "UPS dc1-ups-a")]
    assert (ups_a["kind"], ups_a["typical_w"], ups_a["max_w"], ups_a["verdict"]) == ("ups", 3200, 5200, "OK")
    whole_ups = fo[("UPS dc1-ups-a (dc1-feed-a, dc1-feed-c)", "dc1-feed-b (UPS dc1-ups-b)")]
    assert (whole_ups["typical_w"], whole_ups["unpowered_racks"], whole_ups["verdict"]) == (2700, ["dc1-r03"], "FAIL")
    fails = [n for n in report.notes if n.startswith("FAIL")]
    assert fails[0] == ("FAIL: when dc1-feed-a (UPS dc1-ups-a) fails, dc1-feed-b (UPS dc1-ups-b) carries 2,700 W "
                        "typical and 4,400 W at max draw; it can carry 1,920 W (2,400 W rated x 80% continuous)")
    assert fails[1].endswith("unpowered: dc1-r03") and len(fails) == 2


def test_policy_changes_every_capacity(headroom_inv):
    feeds = rows(power_report(headroom_inv, policy=PowerPolicy(derate=1.0, power_factor=0.9)), "feeds")
    assert (feeds["dc1-feed-b"]["rated_w"], feeds["dc1-feed-b"]["usable_w"]) == (2700, 2700)  # 3 kVA x 0.9
    assert feeds["dc1-feed-a"]["rated_w"] == 9000  # the feed's own rating is now the lower
    with pytest.raises(ValueError, match="derate must be > 0 and <= 1"):
        PowerPolicy(derate=1.5)


def test_mtpe_feed_b_cannot_carry_the_data_hall_when_feed_a_fails(mtpe_inv):
    """The finding planners found by hand: computed here from the records with plain sums."""
    feeds = [f for f in mtpe_inv.power_feeds if f.site == "sc"]
    a = next(f for f in feeds if f.side == "A")
    b = next(f for f in feeds if f.side == "B")
    types = {t.name: t for t in mtpe_inv.device_types}
    on_b = {r.name: r.feeds for r in mtpe_inv.racks if b.name in r.feeds}
    assert on_b and all(a.name in fs and len(fs) == 2 for fs in on_b.values())  # every B rack is A+B
    typical = sum(types[d.device_type].typical_power_w for d in mtpe_inv.devices if d.rack in on_b)
    maximum = sum(types[d.device_type].max_power_w for d in mtpe_inv.devices if d.rack in on_b)
    kva = mtpe_inv.device(b.ups).ups.capacity_kva
    usable_b = min(b.max_power_w, kva * 1000 * 0.8) * 0.8
    assert maximum > usable_b  # B alone cannot carry the hall at max draw ...
    assert typical > usable_b  # ... nor even at typical draw

    fo = rows(power_report(mtpe_inv, "sc"), "failover")
    row = fo[(f"{a.name} (UPS {a.ups})", f"{b.name} (UPS {b.ups})")]
    assert (row["typical_w"], row["max_w"], row["usable_w"], row["verdict"]) == (typical, maximum, usable_b, "FAIL")


def test_cli_power_prints_the_fail_line_for_sc_ups_01(cli_app):
    res = runner.invoke(cli_app, ["power", "--site", "sc"])
    assert res.exit_code == 0, res.output
    fail = [line for line in res.stdout.splitlines() if line.startswith("FAIL: when sc-dh-feed-a")]
    assert len(fail) == 1 and "sc-dh-feed-b (UPS sc-ups-01) carries" in fail[0]
    assert "Failover: what each surviving feed carries" in res.stdout and "NEC 210.20(A)" in res.stdout


def test_cli_power_formats_only_and_errors(cli_app, headroom_dir):
    inv = ["--inventory", str(headroom_dir)]
    doc = json.loads(runner.invoke(cli_app, ["power", "-f", "json", *inv]).stdout)
    assert set(doc) == {"title", "racks", "feeds", "ups", "failover", "notes"}
    res = runner.invoke(cli_app, ["power", "-f", "csv", *inv])
    assert res.exit_code == 2 and "csv holds one table; add --only with one of: racks, feeds, ups, failover" in res.stderr
    res = runner.invoke(cli_app, ["power", "-f", "csv", "--only", "failover", *inv])
    got = list(csv.DictReader(io.StringIO(res.stdout)))
    assert res.exit_code == 0 and got[0]["verdict"] == "FAIL" and got[0]["unpowered_racks"] == ""
    res = runner.invoke(cli_app, ["power", "--only", "pdus", *inv])
    assert res.exit_code == 2 and "--only 'pdus' is not a table of this report" in res.stderr
    res = runner.invoke(cli_app, ["power", "--derate", "80", *inv])
    assert res.exit_code == 2 and "not a fraction" in res.output
    res = runner.invoke(cli_app, ["power", "--derate", "1", "--power-factor", "0.9", "-f", "json", *inv])
    assert json.loads(res.stdout)["feeds"][1]["usable_w"] == 2700
