"""`dcops capacity report`: the HTML a planner opens, checked in a real headless browser.

A real Prometheus holds six hours of the Internet link's recording rule, written by hand
and backfilled with `promtool tsdb create-blocks-from openmetrics`: sc-inet-01 (200 Mbps
contract) receives at 50 % of the contract for the first half and 90 % for the second (p95
90 %, peak 180 Mbps: `high`, the CircuitUtilisationHigh side of 80 %), and transmits at a
flat 20 % (`OK`). The report is built from the MTPE inventory with that Prometheus, then
Debian's chromium loads it headless: the page's own check must find every chart decoded
and every rack elevation laid out, and a screenshot is kept under the test's directory.
A copy with one chart's bytes broken must be caught by the same check, so the check can fail.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_lab.snmp.services import Service, free_tcp_port, wait_http

MTPE = Path(__file__).resolve().parents[2] / "inventory" / "mtpe"
PROMETHEUS, PROMTOOL, CHROMIUM = shutil.which("prometheus"), shutil.which("promtool"), shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PROMETHEUS is None or PROMTOOL is None, reason="Debian prometheus (promtool) missing"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium missing (scripts/bootstrap.sh installs it)"),
]
STEP = 60
HOURS = 6
RULE = "circuit:dcops_wan_utilisation:ratio_rate5m"
runner = CliRunner()


def openmetrics(start: int) -> str:
    points = HOURS * 3600 // STEP
    lines = [f"# TYPE {RULE} gauge"]
    for i in range(points + 1):
        t = start + i * STEP
        receive = 0.5 if i < points // 2 else 0.9
        lines.append(f'{RULE}{{circuit="sc-inet-01",site="sc",direction="receive"}} {receive} {t}')
        lines.append(f'{RULE}{{circuit="sc-inet-01",site="sc",direction="transmit"}} 0.2 {t}')
    return "\n".join([*lines, "# EOF"]) + "\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    work = tmp_path_factory.mktemp("capacity-prom")
    end = int(time.time()) // STEP * STEP - 2 * STEP
    storage = work / "tsdb"
    (work / "wan.om").write_text(openmetrics(end - HOURS * 3600))
    subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(work / "wan.om"), str(storage)],
                   check=True, capture_output=True, timeout=120)
    config = work / "prometheus.yml"
    config.write_text(f"global: {{evaluation_interval: {STEP}s}}\n")
    port = free_tcp_port()
    log = work / "prometheus.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={storage}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                                 "--storage.tsdb.retention.time=30d"],
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    with Service("prometheus", proc, f"http://127.0.0.1:{port}", log) as service:
        wait_http(service, "/-/ready", timeout=60)
        yield service.url


def chromium(args: list[str], workdir: Path, timeout: float = 120) -> str:
    """Run headless chromium in its own process group, killed whole afterwards (its helper
    processes outlive the browser otherwise); returns its stdout."""
    profile = workdir / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, _err = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)
    return out.decode(errors="replace")


def render_status(html: Path, workdir: Path) -> dict:
    dom = chromium(["--virtual-time-budget=10000", "--dump-dom", html.resolve().as_uri()], workdir)
    m = re.search(r'<pre id="render-status" data-done="yes">([^<]*)</pre>', dom)
    assert m, "the page's render check did not run: " + dom[-500:]
    return json.loads(m[1])


@pytest.fixture(scope="module")
def built(prometheus, tmp_path_factory):
    work = tmp_path_factory.mktemp("capacity-report")
    out = work / "report.html"
    res = runner.invoke(app, ["capacity", "report", "--out", str(out), "--prometheus", prometheus, "--window", "8h",
                                 "--forecast-revisions", "2", "-i", str(MTPE)])
    assert res.exit_code == 0, res.output
    return work, out, res.output


def test_every_chart_and_elevation_renders_in_chromium(built):
    work, out, output = built
    html = out.read_text()
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="(https?:)?//', html), "the report must be self-contained"
    racks = len(load_inventory(MTPE).racks)
    charts = html.count('<img class="plot"')
    assert charts == 5  # forecast, power per feed, clusters, racks, the Internet link
    assert f"{charts} charts, {racks} elevations" in output
    status = render_status(out, work)
    assert status == {"plots": charts, "elevations": racks, "failed": []}
    shot = work / "capacity-report.png"
    chromium([f"--screenshot={shot}", "--window-size=1400,4000", out.resolve().as_uri()], work)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_the_check_catches_a_chart_that_does_not_decode(built):
    work, out, _ = built
    html = out.read_text()
    first = re.search(r'data-key="([^"]+)" alt="[^"]*" src="data:image/png;base64,([^"]+)"', html)
    assert first
    broken = work / "broken.html"
    broken.write_text(html.replace(first[2], base64.b64encode(b"not a png").decode(), 1))
    status = render_status(broken, work)
    assert status["failed"] == [first[1]]


def test_link_against_its_contract(prometheus, tmp_path):
    res = runner.invoke(app, ["capacity", "report", "--format", "json", "--prometheus", prometheus, "--window", "8h",
                                 "--no-forecast", "-i", str(MTPE)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    links = {(r["circuit"], r["direction"]): r for r in doc["links"]}
    rx, tx = links[("sc-inet-01", "receive")], links[("sc-inet-01", "transmit")]
    assert (rx["commit_rate_mbps"], rx["p95_percent"], rx["peak_mbps"], rx["verdict"]) == (200, 90.0, 180.0, "high")
    assert (tx["p95_percent"], tx["peak_percent"], tx["headroom_mbps"], tx["verdict"]) == (20.0, 20.0, 160.0, "OK")
    assert 60.0 < rx["mean_percent"] < 80.0 and rx["samples"] > 300
    assert links[("sc-pri-01", None)]["verdict"] == "no data"  # contracted, not measured
    # the same tables as the HTML, one CSV each
    csv_dir = tmp_path / "csv"
    res = runner.invoke(app, ["capacity", "report", "--format", "csv", "--out", str(csv_dir), "--prometheus", prometheus,
                                 "--window", "8h", "--no-forecast", "-i", str(MTPE)])
    assert res.exit_code == 0, res.output
    assert sorted(p.stem for p in csv_dir.iterdir()) == sorted(k for k in doc if k not in ("title", "notes", "context"))
    assert (csv_dir / "power_failover.csv").read_text().startswith("fails,survivor,kind,typical_w")


@pytest.mark.parametrize("args, message", [
    (["--format", "html"], "error: --out FILE is needed for the html report"),
    (["--format", "csv"], "error: csv holds one table: add --only TABLE"),
    (["--format", "json", "--site", "nowhere"], "error: --site 'nowhere' is not a site of this inventory"),
    (["--format", "json", "--prometheus", "http://user:pw@127.0.0.1:1"], "must not carry a user or password"),
])
def test_bad_input_exits_2(args, message):
    res = runner.invoke(app, ["capacity", "report", "--no-forecast", "-i", str(MTPE), *args])
    assert res.exit_code == 2 and message in res.output, res.output
