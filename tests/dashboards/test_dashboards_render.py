"""The dashboards as rendered files: deterministic, committed for MTPE, well formed, and built
from the inventory (a panel per measured circuit with its commitment, a row per watched
redundancy group with its own numbers, a row per measured goal with its budget)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from dashboards_testlib import (
    COMMITTED,
    load_dashboards,
    metric_names,
    panel_queries,
    substitute,
    time_interval_seconds,
)
from typer.testing import CliRunner

from dcops.cli import app
from dcops_dashboards import DASHBOARDS, DashboardOptions, render_dashboards
from dcops_dashboards.context import Context
from dcops_dashboards.redundancy import watched
from dcops_dashboards.validate import all_panels, check_dashboard, panel_count
from dcops_inventory import load_inventory
from dcops_slo.windows import error_budget

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "tests" / "fixtures" / "exporters" / "inventory"
runner = CliRunner()


@pytest.fixture(scope="module")
def files(mtpe):
    return render_dashboards(mtpe)


@pytest.fixture(scope="module")
def boards(files):
    return {name: json.loads(files[f"dashboards/dcops-{name}.json"]) for name in DASHBOARDS}


def test_committed_mtpe_dashboards_are_what_the_inventory_renders(files):
    on_disk = {p.relative_to(COMMITTED).as_posix(): p.read_bytes() for p in COMMITTED.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files), "run: .venv/bin/dcops dashboards render --out dashboards/mtpe"
    stale = [rel for rel in files if on_disk[rel] != files[rel]]
    assert not stale, f"{stale} differ from the render; run: .venv/bin/dcops dashboards render --out dashboards/mtpe"


def test_render_is_deterministic(mtpe, files):
    assert render_dashboards(mtpe) == files
    assert render_dashboards(load_inventory(REPO / "inventory" / "mtpe")) == files


def test_every_dashboard_is_well_formed(boards):
    for name, board in boards.items():
        assert check_dashboard(board) == [], name
        assert board["uid"] == f"dcops-{name}"
        assert board["editable"] is False
        ids = [p["id"] for p in all_panels(board)]
        assert ids == list(range(1, len(ids) + 1))


@pytest.mark.parametrize("damage, message", [
    (lambda b: b["panels"][2]["gridPos"].update(x=b["panels"][1]["gridPos"]["x"]), "overlaps"),
    (lambda b: b["panels"][1]["gridPos"].update(w=30), "outside the 24-column grid"),
    (lambda b: b["panels"][2].update(id=b["panels"][1]["id"]), "is also"),
    (lambda b: b["panels"][1].update(datasource={"type": "prometheus", "uid": "other"}), "datasource"),
    (lambda b: b["panels"][1]["targets"][0].update(expr=""), "has no expr"),
    (lambda b: b["panels"][1]["targets"][0].update(expr='up{site=~"$nowhere"}'), "undefined $nowhere"),
    (lambda b: b["panels"][1].update(targets=[]), "no targets"),
    (lambda b: b["templating"].update(list=[v for v in b["templating"]["list"] if v["name"] != "datasource"]),
     "no 'datasource' template variable"),
])
def test_the_shape_check_finds_each_kind_of_damage(boards, damage, message):
    board = copy.deepcopy(boards["fleet"])
    damage(board)
    problems = check_dashboard(board)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("dcops-fleet: ") for p in problems)


def test_panel_counts(boards):
    counts = {name: panel_count(b) for name, b in boards.items()}
    assert all(n > 0 for n in counts.values()), counts
    # every query panel has a datasource and at least one expr (text panels are the notes)
    for board in boards.values():
        for panel in all_panels(board):
            if panel["type"] not in ("row", "text"):
                assert panel["targets"] and all(t["expr"] for t in panel["targets"])


def test_bandwidth_has_a_row_per_measured_circuit_with_its_commitment(mtpe, boards):
    ctx = Context.build(mtpe, DashboardOptions())
    assert dict(ctx.view.circuits) == {"sc-inet-01": "sc-rtr-01"}
    panels = list(all_panels(boards["bandwidth"]))
    circuit = mtpe.get("circuits", "sc-inet-01")
    traffic = next(p for p in panels if p["title"] == f"Traffic against the {circuit.commit_rate_mbps} Mbps commitment")
    steps = traffic["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in steps] == [None, circuit.commit_rate_mbps * 1e6 * 0.8, circuit.commit_rate_mbps * 1e6]
    assert {t["expr"] for t in traffic["targets"]} == {
        f'rate(dcops_wan_{d}_bytes_total{{circuit="sc-inet-01"}}[$__rate_interval]) * 8' for d in ("receive", "transmit")}
    note = next(p for p in panels if p["type"] == "text")["options"]["content"]
    for name in ("ate-wan-01", "sjl-wan-01", "pb-wan-01", "sc-pri-01"):
        assert f"**{name}**" in note


def test_redundancy_has_a_row_per_watched_group_with_its_numbers(mtpe, boards):
    ctx = Context.build(mtpe, DashboardOptions())
    groups = {g.name: g for g in mtpe.redundancy_groups}
    rows = [p for p in boards["redundancy"]["panels"] if p["type"] == "row" and p.get("collapsed")]
    titled = {r["title"].split(":")[0]: r for r in rows}
    assert set(titled) == watched(ctx) and len(rows) == len(titled)
    assert "rg-core" in titled and "rg-dns" not in titled  # VMs: not probed
    san = groups["rg-san-fabric"]
    up = titled["rg-san-fabric"]["panels"][0]
    assert up["targets"][0]["expr"] == 'redundancy_group:dcops_members_up:sum{redundancy_group="rg-san-fabric"}'
    assert [s["value"] for s in up["fieldConfig"]["defaults"]["thresholds"]["steps"]] == \
        [None, san.needed, san.minimum_members]
    lanes = titled["rg-san-fabric"]["panels"][1]["targets"][0]["expr"]
    assert all(m in lanes for m in san.members)


def test_slo_has_a_row_per_measured_goal_with_its_budget(mtpe, boards):
    rows = [p for p in boards["slo"]["panels"] if p["type"] == "row"][1:]
    goals = {g.name: g for g in mtpe.availability_goals}
    measured = [r["title"].split(":")[0] for r in rows]
    assert measured == sorted(set(goals) - {"site-tier3"})  # dcp has no active infrastructure yet
    panels = list(all_panels(boards["slo"]))
    for name in measured:
        goal = goals[name]
        ratio = next(p for p in panels if any(f'slo="{name}"' in t["expr"] for t in p.get("targets", []))
                     and p["title"].startswith("Error ratio over"))
        assert ratio["title"] == f"Error ratio over {goal.window_days}d against the budget"
        threshold = ratio["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"]
        assert Decimal(str(threshold)) == error_budget(goal.target_percent)


def test_a_smaller_inventory_gets_only_the_rows_it_has_targets_for():
    files = render_dashboards(load_inventory(SMALL))
    fleet = json.loads(files["dashboards/dcops-fleet.json"])
    rows = [p["title"] for p in fleet["panels"] if p["type"] == "row"]
    assert rows == ["Reachability", "dcops exporter", "Interfaces", "Network device health"]
    for data in (json.loads(v) for k, v in files.items() if k.endswith(".json")):
        assert check_dashboard(data) == []
    slo = json.loads(files["dashboards/dcops-slo.json"])
    assert [p["title"] for p in slo["panels"] if p["type"] == "row"] == ["Every goal"]  # no goals in it
    datasource = yaml.safe_load(files["provisioning/datasources/prometheus.yml"])
    # its one default tier is 30 s, but the health module probes no faster than every 60 s
    assert datasource["datasources"][0]["jsonData"]["timeInterval"] == "60s"


def test_provisioning_files(files):
    datasource = yaml.safe_load(files["provisioning/datasources/prometheus.yml"])["datasources"][0]
    assert (datasource["uid"], datasource["type"], datasource["url"]) == ("dcops-prometheus", "prometheus",
                                                                          "http://localhost:9090")
    assert datasource["jsonData"]["timeInterval"] == "60s"  # MTPE's slowest tier: $__rate_interval >= 4m
    provider = yaml.safe_load(files["provisioning/dashboards/dcops.yml"])["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"] == "/var/lib/grafana/dashboards/dcops"
    for board in (json.loads(v) for k, v in files.items() if k.endswith(".json")):
        variable = next(v for v in board["templating"]["list"] if v["name"] == "datasource")
        assert variable["current"]["value"] == datasource["uid"]


def test_every_query_parses(tmp_path):
    """promtool parses every panel query, variables replaced as Grafana would."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("Debian promtool missing")
    interval = time_interval_seconds(COMMITTED)
    rules = []
    for board in load_dashboards(COMMITTED).values():
        for q in panel_queries(board):
            rules.append({"record": f"dashboard_query_{len(rules)}",
                          "expr": substitute(q.expr, {"site": "sc", "role": "core_switch"}, interval)})
            assert metric_names(q.expr), q.name
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rules)} rules found" in done.stdout


def test_cli_writes_atomically_removes_stale_and_refuses_bad_options(tmp_path):
    out = tmp_path / "grafana"
    stale = out / "dashboards" / "dcops-old.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    foreign = out / "dashboards" / "mine.json"
    foreign.write_text("{}")
    args = ["dashboards", "render", "--out", str(out), "--prometheus-url", "http://prom.example:9090"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "7 files (7 changed, 1 stale removed)" in first.stdout
    assert "dashboards/dcops-redundancy.json: 'dcops / Redundancy groups'," in first.stdout
    assert not stale.exists() and foreign.exists()
    url = yaml.safe_load((out / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert url["datasources"][0]["url"] == "http://prom.example:9090"
    assert "7 files (0 changed, 0 stale removed)" in runner.invoke(app, args).stdout
    for option, value, message in (("--prometheus-url", "prom:9090", "--prometheus-url must be an http(s) URL"),
                                   ("--dashboards-path", "relative/dir", "--dashboards-path must be an absolute path"),
                                   ("--datasource-uid", "a b", "--datasource-uid must be")):
        bad = runner.invoke(app, ["dashboards", "render", "--out", str(out), option, value])
        assert bad.exit_code == 2 and message in bad.stderr, bad.output
    missing = runner.invoke(app, ["dashboards", "render", "--out", str(out), "-i", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "nowhere" in missing.stderr


def test_the_command_is_mounted(repo):
    done = subprocess.run([str(repo / ".venv" / "bin" / "dcops"), "dashboards", "--help"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "render" in done.stdout, done.stderr
