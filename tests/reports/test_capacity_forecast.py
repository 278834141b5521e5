"""`dcops capacity forecast`: the inventory's git history measured revision by revision,
a least-squares line per resource and the day it meets today's capacity; WAN links and
storage pools from a real Prometheus with a backfilled, hand-made history.

The git history, by hand (tests/reports/fixtures/whatif, in a repository made here):
    day 0  (2026-01-01): w1-sw-01 (1U, 100 W) + w1-srv-01 (2U, 500 W)   -> 3U,  600 W
    day 10 (2026-01-11): + one srv in w1-r01 at U3                     -> 5U, 1100 W
    day 20 (2026-01-21): + one srv in w1-r01 at U5                     -> 7U, 1600 W
    slope: 0.2 U and 50 W a day (exact: the points are on a line); per 30 days 6 U, 1500 W
    capacity: 42 + 4 + 42 = 88 U; power, the weaker side of the site: feed A 5000 W x 0.8 = 4000 W
    rack_u: 3 + 0.2 d = 88 at d = 425 -> 2027-03-02; power_w: 600 + 50 d = 4000 at d = 68 -> 2026-03-10
    vcpu, storage_gb: no cluster, no datastore -> "no capacity recorded"
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_reports.forecast import inventory_forecast, linear_fit, prometheus_forecast, run_out, sample_evenly
from dcops_slo.report_queries import PrometheusApi

WHATIF = Path(__file__).parent / "fixtures" / "whatif"
ACME = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "acme-hospital"
DAY = 86400
T0 = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
PROMETHEUS, PROMTOOL = shutil.which("prometheus"), shutil.which("promtool")
runner = CliRunner()


def _commit(repo: Path, message: str, when: int) -> None:
    stamp = f"@{when} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)


@pytest.fixture
def history(tmp_path) -> Path:
    """A repository whose inventory/ gains a 2U server at day 10 and another at day 20."""
    repo = tmp_path / "repo"
    inv_dir = repo / "inventory"
    shutil.copytree(WHATIF, inv_dir)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _commit(repo, "room", T0)
    for day, position in ((10, 3), (20, 5)):
        (inv_dir / f"added-{day}.yaml").write_text(yaml.safe_dump({"devices": [
            {"name": f"w1-srv-{day}", "role": "server", "device_type": "srv", "site": "w1", "rack": "w1-r01",
             "position": position, "provenance": "assumption"}]}))
        _commit(repo, f"server at day {day}", T0 + day * DAY)
    return inv_dir


def test_three_revisions_by_hand(history):
    report = inventory_forecast(history, load_inventory(history), now=T0 + 20 * DAY)
    rows = {r[0]: r for r in report.sections["forecast"].rows}
    # resource, current, capacity, percent, per_30_days, runs_out, verdict
    assert rows["rack_u"] == ("rack_u", 7, 88, 8, 6, "2027-03-02", "runs out")
    assert rows["power_w"] == ("power_w", 1600, 4000, 40, 1500, "2026-03-10", "runs out")
    assert rows["vcpu"][-1] == rows["storage_gb"][-1] == "no capacity recorded"
    assert [(r[1], r[2], r[4], r[5]) for r in report.sections["history"].rows] == [
        ("2026-01-01", 6, 3, 600), ("2026-01-11", 7, 5, 1100), ("2026-01-21", 8, 7, 1600)]


def test_horizon_and_sampling(history):
    report = inventory_forecast(history, load_inventory(history), max_revisions=2, horizon_days=100,
                                now=T0 + 20 * DAY)
    rows = {r[0]: r for r in report.sections["forecast"].rows}
    assert [r[1] for r in report.sections["history"].rows] == ["2026-01-01", "2026-01-21"]  # first and last kept
    assert rows["rack_u"][-2:] == (None, "not within horizon")  # 425 - 20 days away > 100
    assert rows["power_w"][-2:] == ("2026-03-10", "runs out")


def test_a_revision_that_does_not_load_is_named_and_skipped(history):
    (history / "broken.yaml").write_text("devices:\n  - {name: BAD}\n")
    _commit(history.parent, "broken", T0 + 30 * DAY)
    (history / "broken.yaml").unlink()
    _commit(history.parent, "fixed", T0 + 40 * DAY)
    report = inventory_forecast(history, load_inventory(history), now=T0 + 40 * DAY)
    assert len(report.sections["history"].rows) == 4
    assert any("skipped, it does not load" in n for n in report.notes)


def test_fit_and_run_out_edges():
    assert linear_fit([(0, 1)]) is None and linear_fit([(5, 1), (5, 2)]) is None
    fit = linear_fit([(0, 0), (1, 2), (2, 4)])
    assert (fit.slope, fit.intercept) == (2, 0)
    assert run_out(fit, 10, 0, 0, 365) == ("runs out", 5)
    assert run_out(fit, None, 0, 0, 365) == ("no capacity recorded", None)
    assert run_out(fit, 10, 0, 12, 365) == ("exhausted now", 0)
    assert run_out(linear_fit([(0, 3), (DAY, 1)]), 10, 0, 1, 365) == ("not growing", None)
    assert sample_evenly(list(range(10)), 4) == [0, 3, 6, 9]


def test_cli_progress_and_errors(history, tmp_path):
    result = runner.invoke(app, ["capacity", "forecast", "-i", str(history), "-f", "json", "--max-revisions", "3"])
    assert result.exit_code == 0, result.output
    assert "[3/3] loading" in result.stderr
    assert [r["resource"] for r in json.loads(result.stdout)["forecast"]] == ["rack_u", "power_w", "vcpu", "storage_gb"]
    outside = tmp_path / "plain"
    shutil.copytree(WHATIF, outside)
    result = runner.invoke(app, ["capacity", "forecast", "-i", str(outside)])
    assert result.exit_code == 2 and "is not in a git work tree" in result.stderr
    result = runner.invoke(app, ["capacity", "forecast", "-i", str(history), "--prometheus", "ftp://x"])
    assert result.exit_code == 2 and "--prometheus must be an http(s) URL" in result.stderr


def test_mtpe_and_the_second_inventory_run():
    for args in ([], ["-i", str(ACME)]):
        result = runner.invoke(app, ["capacity", "forecast", "--max-revisions", "2", *args, "-f", "json"])
        assert result.exit_code == 0, result.output
        assert {r["resource"] for r in json.loads(result.stdout)["forecast"]} == {"rack_u", "power_w", "vcpu",
                                                                                   "storage_gb"}


# -- Prometheus ---------------------------------------------------------------------------------
# Two days of samples, one every 5 minutes, ending a minute ago:
#   circuit:dcops_wan_utilisation:p95_1h{circuit="c1",direction="in"} 0.5 -> 0.7, 0.1 a day: reaches 1 in 3 days
#   dcops_storage_pool_used_bytes{pool="p1"} 400e9 -> 500e9, 50e9 a day, of a 1000e9 pool: full in 10 days
STEP = 300


def _openmetrics(end: int) -> str:
    lines = ["# TYPE circuit:dcops_wan_utilisation:p95_1h gauge", "# TYPE dcops_storage_pool_used_bytes gauge",
             "# TYPE dcops_storage_pool_size_bytes gauge"]
    wan, used, size = [], [], []
    for t in range(end - 2 * DAY, end + 1, STEP):
        days = (t - (end - 2 * DAY)) / DAY
        wan.append(f'circuit:dcops_wan_utilisation:p95_1h{{circuit="c1",direction="in"}} {0.5 + 0.1 * days:.6f} {t}')
        used.append(f'dcops_storage_pool_used_bytes{{pool="p1"}} {400e9 + 50e9 * days:.0f} {t}')
        size.append(f'dcops_storage_pool_size_bytes{{pool="p1"}} 1000000000000 {t}')
    return "\n".join([lines[0], *wan, lines[1], *used, lines[2], *size, "# EOF"]) + "\n"


@pytest.fixture
def prometheus(tmp_path):
    if PROMETHEUS is None or PROMTOOL is None:
        pytest.skip("Debian prometheus (prometheus, promtool) missing")
    from dcops_lab.snmp.services import Service, free_tcp_port, wait_http

    end = int(time.time()) - 60  # the last sample within the 5 min an instant query looks back
    (tmp_path / "h.om").write_text(_openmetrics(end))
    storage = tmp_path / "tsdb"
    subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(tmp_path / "h.om"), str(storage)],
                   check=True, capture_output=True, timeout=120)
    (tmp_path / "prometheus.yml").write_text("global: {evaluation_interval: 60s}\n")
    port = free_tcp_port()
    with open(tmp_path / "prometheus.log", "wb") as log:
        proc = subprocess.Popen([PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={storage}", f"--web.listen-address=127.0.0.1:{port}",
                                 "--log.level=warn"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    service = Service("prometheus", proc, f"http://127.0.0.1:{port}", tmp_path / "prometheus.log")
    wait_http(service, "/-/ready", timeout=60)
    with service:
        yield service.url, end


@pytest.mark.slow
def test_wan_and_storage_from_a_real_prometheus(prometheus):
    url, end = prometheus
    at = end + 30
    report = prometheus_forecast(PrometheusApi(url, 10), "7d", horizon_days=30, at=at)
    rows = {r[1]: r for r in report.rows}
    # kind, series, current, limit, per_30_days, predicted_at_horizon, runs_out, verdict
    wan = rows["circuit=c1,direction=in"]
    assert wan[0] == "wan" and wan[2] == pytest.approx(0.7, abs=1e-6) and wan[3] == 1
    assert wan[4] == pytest.approx(3.0, abs=1e-3)  # 0.1 a day
    assert wan[5] == pytest.approx(0.7 + 3.0, abs=1e-2)  # predict_linear 30 days ahead
    assert (wan[6], wan[7]) == (datetime.fromtimestamp(at + 3 * DAY, timezone.utc).date().isoformat(), "runs out")
    pool = rows["pool=p1"]
    assert pool[0] == "storage" and pool[2] == pytest.approx(500e9, rel=1e-6) and pool[3] == 1e12
    assert pool[4] == pytest.approx(1.5e12, rel=1e-3)
    assert (pool[6], pool[7]) == (datetime.fromtimestamp(at + 10 * DAY, timezone.utc).date().isoformat(), "runs out")
    # a shorter horizon: neither runs out within 2 days
    rows = {r[1]: r for r in prometheus_forecast(PrometheusApi(url, 10), "7d", horizon_days=2, at=at).rows}
    assert rows["pool=p1"][-1] == rows["circuit=c1,direction=in"][-1] == "not within horizon"


@pytest.mark.slow
def test_cli_with_prometheus(prometheus, history):
    url, _ = prometheus
    result = runner.invoke(app, ["capacity", "forecast", "-i", str(history), "--prometheus", url, "-f", "json",
                                 "--horizon-days", "30"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["series"]: r["verdict"] for r in doc["prometheus"]} == {"circuit=c1,direction=in": "runs out",
                                                                      "pool=p1": "runs out"}
