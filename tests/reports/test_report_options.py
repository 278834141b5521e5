"""Options every report shares or planners asked for: --site, `eol --within`, `racks --wide`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from dcops_reports.period import PeriodError, add_period, parse_period

runner = CliRunner()
REPORTS = ["eol", "racks", "power", "compute", "addresses", "space"]


@pytest.mark.parametrize("command", REPORTS)
def test_every_report_takes_site_and_refuses_an_unknown_one(cli_app, headroom_dir, command):
    inv = ["--inventory", str(headroom_dir)]
    res = runner.invoke(cli_app, [command, "--site", "dc2", "-f", "json", *inv])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli_app, [command, "--site", "nowhere", *inv])
    assert res.exit_code == 2 and "--site 'nowhere' is not a site of this inventory; valid: dc1, dc2" in res.stderr


def test_site_filters_rows(cli_app, headroom_dir):
    inv = ["--inventory", str(headroom_dir)]
    racks = json.loads(runner.invoke(cli_app, ["racks", "--site", "dc1", "-f", "json", *inv]).stdout)
    assert {r["site"] for r in racks} == {"dc1"} and len(racks) == 5
    assert json.loads(runner.invoke(cli_app, ["racks", "--site", "dc2", "-f", "json", *inv]).stdout) == []
    eol = json.loads(runner.invoke(cli_app, ["eol", "--on", "2026-01-01", "--within", "1y", "--site", "dc2",
                                             "-f", "json", *inv]).stdout)
    # soon-os runs on dc2-h7; old-os only at dc1 (vm3, dc1-srv-04)
    assert [(r["name"], r["devices"]) for r in eol] == [("soon-os", ["dc2-h7"])]


@pytest.mark.parametrize(("within", "listed"), [("6m", True), ("181d", True), ("180d", False), ("5m", False),
                                                 ("26w", True), ("1y", True)])
def test_eol_within_lists_what_reaches_end_of_life(cli_app, headroom_dir, within, listed):
    # soon-os's last supported day is 2026-06-30; 2026-01-01 + 6m = 2026-07-01, + 180d = 2026-06-30
    res = runner.invoke(cli_app, ["eol", "--on", "2026-01-01", "--within", within, "-f", "json",
                                  "--inventory", str(headroom_dir)])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["old-os"]["eol_status"] == "past"
    assert ("soon-os" in rows) is listed
    if listed:
        assert (rows["soon-os"]["eol_status"], rows["soon-os"]["days_past_eol"]) == ("upcoming", -180)


def test_eol_within_bad_period_exits_2(cli_app, headroom_dir):
    for bad in ("6", "6x", "-1m", "0d", "six months", "99999y"):
        res = runner.invoke(cli_app, ["eol", "--within", bad, "--inventory", str(headroom_dir)])
        assert res.exit_code == 2 and "--within" in res.stderr, (bad, res.output)
    res = runner.invoke(cli_app, ["eol", "--within", "6x", "--inventory", str(headroom_dir)])
    assert "'6x' is not a period" in res.stderr and "90d, 6m, 1y" in res.stderr


def test_periods_are_calendar_periods():
    assert add_period(date(2025, 8, 31), "6m") == date(2026, 2, 28)  # clamped to the month's end
    assert add_period(date(2024, 2, 29), "1y") == date(2025, 2, 28)
    assert add_period(date(2026, 1, 1), "90d") == date(2026, 4, 1)
    assert add_period(date(2026, 1, 1), "2w") == date(2026, 1, 15)
    assert add_period(date(2025, 11, 30), "3M") == date(2026, 2, 28)
    assert parse_period(" 12m ") == (12, "m")
    with pytest.raises(PeriodError, match="past the last date"):
        add_period(date(9000, 1, 1), "9999y")


def test_racks_fits_100_columns_unless_wide(cli_app):
    """The MTPE racks table, as a user pipes it: 100 columns at most; --wide shows every column."""
    narrow = runner.invoke(cli_app, ["racks"])
    assert narrow.exit_code == 0
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 100
    assert "typ_w" in narrow.stdout and "typical_utilisation_percent" not in narrow.stdout
    assert "at max" in narrow.stdout  # the over flag: maximum draw over capacity
    wide = runner.invoke(cli_app, ["racks", "--wide"])
    assert wide.exit_code == 0 and "typical_utilisation_percent" in wide.stdout and "max_over_capacity" in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) > 100
    as_json = json.loads(runner.invoke(cli_app, ["racks", "-f", "json"]).stdout)
    assert "max_over_capacity" in as_json[0]  # machines always get every column
