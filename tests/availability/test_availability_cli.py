"""`dcops availability` on the MTPE inventory and on the small two-site fixture."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_availability.report import CSV_COLUMNS

PAIR = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "availability_pair"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["availability", *args])


@pytest.fixture(scope="module")
def mtpe() -> dict:
    result = run("--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_name(doc: dict) -> dict[str, dict]:
    return {s["service"]: s for s in doc["services"]}


def test_critical_services_the_single_hall_fails_and_the_planned_pair_fixes(mtpe):
    services = by_name(mtpe)
    fixed = [s["service"] for s in mtpe["services"] if s["criticality"] == "critical"
             and s["today"]["meets_goal"] is False and s["planned"]["meets_goal"] is True]
    assert "portal" in fixed
    portal = services["portal"]
    assert portal["goal"]["target_percent"] == 99.9
    assert portal["today"]["availability_percent"] < 99.9 < portal["planned"]["availability_percent"]
    # today one hall, one Internet circuit; planned: the primary and the alternate, no single point left
    assert portal["today"]["sites"] == ["sc"] and portal["planned"]["sites"] == ["dcp", "dca"]
    assert {"sc-inet-01", "sc-rtr-01"} <= {p["component"] for p in portal["today"]["single_points_of_failure"]}
    assert portal["planned"]["single_points_of_failure"] == []
    # every service the pair fixes runs at two sites in the plan
    for name in fixed:
        assert len(services[name]["planned"]["sites"]) == 2, name


def test_what_keeps_the_other_critical_services_short_is_named(mtpe):
    contratos = by_name(mtpe)["contratos"]
    assert contratos["today"]["meets_goal"] is False and contratos["planned"]["meets_goal"] is False
    assert "sc-srv-31@dcp" in {p["component"] for p in contratos["planned"]["single_points_of_failure"]}
    assert any("nothing stands in at dca for physical server(s) sc-srv-31" in n for n in contratos["planned"]["notes"])


def test_json_carries_the_figures_and_their_sources(mtpe):
    assert mtpe["scenarios"] == ["today", "planned"] and mtpe["beta"] == 0.05
    assert all(d["source"] for d in mtpe["defaults"].values())
    assert mtpe["missing_goal"]["today"] == [s["service"] for s in mtpe["services"] if s["today"]["meets_goal"] is False]
    point = by_name(mtpe)["portal"]["today"]["single_points_of_failure"][0]
    assert point["component"] == "sc-inet-01" and "99.9 %" in point["source"]


def test_table_shows_both_scenarios_and_what_the_pair_changes():
    result = run()
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ portal "))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[0] == "portal" and cells[4] == "NO" and cells[7] == "yes" and cells[8] == "now meets"
    assert "the planned pair makes 1 meet their goal: portal" in result.stdout
    assert "dcp: power and cooling not modelled; the site counts at its goal site-tier3" in result.stdout


def test_csv_has_one_row_per_service_and_scenario():
    result = run("--format", "csv", "--scenario", "today")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    portal = next(r for r in rows[1:] if r[0] == "portal")
    assert dict(zip(CSV_COLUMNS, portal))["meets_goal"] == "false"
    assert {r[5] for r in rows[1:]} == {"today"} and len(rows) == 1 + 26


def test_a_report_exits_0_unless_asked_to_fail_on_a_miss():
    assert run("--scenario", "today", "--format", "csv").exit_code == 0
    assert run("--scenario", "today", "--format", "csv", "--fail-on-miss").exit_code == 1
    # at the alternate site only the portal runs, and it meets its goal there
    result = run("--scenario", "planned", "--site", "dca", "--format", "json", "--fail-on-miss")
    assert result.exit_code == 0, result.output
    assert [s["service"] for s in json.loads(result.stdout)["services"]] == ["portal"]


def test_beta_is_a_knob_and_common_cause_costs_availability():
    def portal(*args):
        result = run("--scenario", "today", "--format", "json", *args)
        return by_name(json.loads(result.stdout))["portal"]["today"]["availability"]
    assert portal("--beta", "0") > portal() > portal("--beta", "0.2")


def test_bad_input_exits_2_with_the_reason():
    result = run("--site", "nowhere")
    assert result.exit_code == 2
    assert "unknown site 'nowhere'; valid: ate, dca, dcp, impulsa, pb, sc, sjl, sunafil" in result.output
    assert run("-i", str(PAIR / "missing")).exit_code == 2


def test_another_inventory(monkeypatch):
    result = run("-i", str(PAIR), "--format", "json")
    assert result.exit_code == 0, result.output
    web = by_name(json.loads(result.stdout))["web"]
    assert web["today"]["meets_goal"] is False and web["planned"]["meets_goal"] is True
    monkeypatch.setenv("DCOPS_INVENTORY", str(PAIR))
    assert "web" in by_name(json.loads(run("--format", "json").stdout))
