"""The query and report commands as a user runs them: output formats and exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

runner = CliRunner()


SMALL = Path(__file__).parent / "fixtures" / "small"


def run(app, *args):
    return runner.invoke(app, [*args, "--inventory", str(SMALL)])


def test_query_json_csv_and_table(cli_app):
    sql = "SELECT role, count(*) AS n FROM devices GROUP BY role ORDER BY n DESC, role"
    res = run(cli_app, "query", sql, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[:2] == [{"role": "server", "n": 5}, {"role": "core_switch", "n": 2}]
    res = run(cli_app, "query", sql, "--format", "csv")
    assert list(csv.reader(io.StringIO(res.stdout)))[:2] == [["role", "n"], ["server", "5"]]
    res = run(cli_app, "query", sql)
    assert res.exit_code == 0 and "server" in res.stdout and "(4 rows)" in res.stdout


def test_query_dates_are_iso_in_json(cli_app):
    res = run(cli_app, "query", "SELECT name, eol_date FROM software WHERE name = 'win2003'", "-f", "json")
    assert json.loads(res.stdout) == [{"name": "win2003", "eol_date": "2015-07-14"}]


def test_bad_sql_exits_2_with_duckdb_message(cli_app):
    res = run(cli_app, "query", "SELECT nme FROM devices")
    assert res.exit_code == 2
    assert 'Referenced column "nme" not found' in res.stderr and res.stdout == ""


def test_unknown_format_exits_2(cli_app):
    res = run(cli_app, "query", "SELECT 1", "--format", "xml")
    assert res.exit_code == 2 and "table, csv, json" in res.output


def test_invalid_inventory_prints_every_problem_and_exits_2(cli_app, small_copy):
    dcim = small_copy / "dcim.yaml"
    text = dcim.read_text().replace("rack: dc1-r02, position: 5", "rack: dc1-r99, position: 5")
    text = text.replace("role: ups,", "role: upss,")
    dcim.write_text(text)
    res = runner.invoke(cli_app, ["racks", "--inventory", str(small_copy)])
    assert res.exit_code == 2
    assert "unknown rack 'dc1-r99'" in res.stderr
    assert "devices[dc1-ups-01].role" in res.stderr and "dcim.yaml:" in res.stderr
    assert "2 error(s); the inventory is not valid." in res.stderr


def test_report_eol_on_date(cli_app):
    res = run(cli_app, "eol", "--on", "2025-01-01", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["name"], r["days_past_eol"], r["vms"]) for r in rows] == [
        ("win2003", (date(2025, 1, 1) - date(2015, 7, 14)).days, ["vm-d"]),
        ("centos-7", (date(2025, 1, 1) - date(2024, 6, 30)).days, ["vm-a", "vm-b"])]
    res = run(cli_app, "eol", "--on", "first of may")
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output


def test_report_racks_table_and_csv(cli_app):
    res = run(cli_app, "racks")
    assert res.exit_code == 0 and "Rack space and power" in res.stdout and "dc1-r02" in res.stdout
    rows = list(csv.DictReader(io.StringIO(run(cli_app, "racks", "-f", "csv").stdout)))
    over = [r["rack"] for r in rows if r["over_capacity"] == "true"]
    assert over == ["dc1-r02"]


@pytest.mark.parametrize("args", [["query", "SELECT 1"], ["racks"]])
def test_missing_inventory_dir_exits_2(cli_app, tmp_path, args):
    res = runner.invoke(cli_app, [*args, "--inventory", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "nowhere" in res.stderr


def test_dcops_mounts_the_report_group_and_the_inventory_keeps_only_the_model():
    """`dcops report` holds query, eol, racks and diff; `dcops inventory` no longer does (no
    alias: the inventory package may not import its derived products)."""
    from dcops.cli import app

    res = runner.invoke(app, ["report", "--help"])
    assert res.exit_code == 0, res.output
    for command in ("query", "eol", "racks", "diff"):
        assert f" {command} " in res.output
    res = run(app, "report", "query", "SELECT count(*) AS n FROM devices", "-f", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [{"n": 9}]
    for moved in ("query", "report", "diff"):
        res = runner.invoke(app, ["inventory", moved, "--help"])
        assert res.exit_code == 2 and f"No such command '{moved}'" in res.output
