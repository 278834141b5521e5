"""`dcops slo report` against a real Prometheus (Debian 2.42) that holds one day of known history.

The fixture writes one day of probe results, one sample a minute, for the small data center
of fixtures/report/inventory.yaml, in which

    hq-app-01   fails for exactly 60 minutes (10:00 to 11:00 into the day)  -> portal
    hq-fw-01    fails for 10 minutes (15:00 to 15:10)                        -> portal, mail, site hq
    hq-core-01  fails for 60 minutes (05:00 to 06:00); hq-core-02 carries the load (N+1)
    hq-nas-01   never answers a probe: no series at all                      -> archive: no data

and backfills them with `promtool tsdb create-blocks-from openmetrics`. The SLI recording
rules rendered for the inventory are then backfilled over that day the way an operator adds
history (`promtool tsdb create-blocks-from rules` against a running Prometheus, the component
rules first, then the subject rules that read them), and Prometheus is started on 127.0.0.1
with every rendered rule file loaded. The day ends 15 minutes before the test starts, so the
live rule evaluations see no probe result (they look back 5 minutes) and add no sample.

The expected figures below come from those outages, not from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dcops.cli import app
from dcops_inventory import load_inventory
from dcops_lab.snmp.services import Service, free_tcp_port, wait_http
from dcops_slo import MonitoredView, RuleOptions, render_rule_files
from dcops_slo.report_queries import components_in

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report"
PROMETHEUS, PROMTOOL = shutil.which("prometheus"), shutil.which("promtool")
needs_prometheus = pytest.mark.skipif(PROMETHEUS is None or PROMTOOL is None,
                                      reason="Debian prometheus (prometheus, promtool) missing")
runner = CliRunner()

# -- the history, by hand -------------------------------------------------------------------
STEP = 60  # seconds between probe results, and the rules' evaluation interval
DAY = 24 * 60  # minutes of history
MEASURED = ("hq-core-01", "hq-core-02", "hq-fw-01", "hq-app-01", "hq-app-02", "hq-nas-01")  # what the view probes
ANSWERING = ("hq-core-01", "hq-core-02", "hq-fw-01", "hq-app-01", "hq-app-02")  # hq-nas-01 has no series
OUTAGES = {"hq-app-01": (10 * 60, 60), "hq-fw-01": (15 * 60, 10), "hq-core-01": (5 * 60, 60)}  # start, minutes
TOLERANCE = 1.0  # minutes: one scrape / evaluation interval

PORTAL_DOWN = 60 + 10  # hq-app-01 and the firewall, at different times; the core pair never both
MAIL_DOWN = SITE_DOWN = 10  # the firewall only
GOLD_ALLOWED = 30 * 24 * 60 * (1 - 0.995)  # 216 minutes
SITE_ALLOWED = 30 * 24 * 60 * (1 - 0.999)  # 43.2 minutes


def openmetrics(start: int) -> str:
    lines = ["# HELP dcops_probe_success Whether the probe succeeded.", "# TYPE dcops_probe_success gauge"]
    for device in ANSWERING:
        down_from, minutes = OUTAGES.get(device, (0, 0))
        for minute in range(DAY + 1):
            up = 0 if down_from <= minute < down_from + minutes else 1
            lines.append(f'dcops_probe_success{{instance="{device}",job="dcops_if_mib_60s",module="if_mib"}} '
                         f"{up} {start + minute * STEP}")
    return "\n".join([*lines, "# EOF"]) + "\n"


def start_prometheus(config: Path, storage: Path, logdir: Path) -> Service:
    port = free_tcp_port()
    log = logdir / f"prometheus-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={storage}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    service = Service("prometheus", proc, f"http://127.0.0.1:{port}", log)
    wait_http(service, "/-/ready", timeout=60)
    return service


def backfill_rules(prometheus: Service, rules: list[dict], name: str, start: int, end: int,
                   storage: Path, workdir: Path) -> None:
    """promtool evaluates `rules` over [start, end] against the running Prometheus; its blocks
    go into the TSDB, which the next Prometheus start reads."""
    rule_file = workdir / f"{name}.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": name, "rules": rules}]}, sort_keys=False))
    out = workdir / f"blocks-{name}"
    done = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "rules", f"--start={start}", f"--end={end}",
                           f"--url={prometheus.url}", f"--output-dir={out}", f"--eval-interval={STEP}s",
                           str(rule_file)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for block in out.iterdir():
        shutil.move(str(block), storage / block.name)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """(Prometheus URL, start, end of the day) with the probe history and the SLI rules' history."""
    work = tmp_path_factory.mktemp("slo-report")
    inv = load_inventory(FIXTURE)
    view = MonitoredView({device: ("if_mib",) for device in MEASURED})
    for name, data in render_rule_files(inv, view, RuleOptions()).items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
    end = int(time.time()) // STEP * STEP - 15 * 60
    start = end - DAY * 60
    storage = work / "tsdb"
    (work / "probes.om").write_text(openmetrics(start))
    subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(work / "probes.om"), str(storage)],
                   check=True, capture_output=True, timeout=120)
    sli_rules = yaml.safe_load((work / "rules" / "dcops-slo-sli.yml").read_text())["groups"][0]["rules"]
    bare = work / "bare.yml"
    bare.write_text(f"global: {{evaluation_interval: {STEP}s}}\n")
    for record in ("component:dcops_sli_good:bool", "slo:dcops_sli_good:min"):  # the subjects read the components
        with start_prometheus(bare, storage, work) as prometheus:
            backfill_rules(prometheus, [r for r in sli_rules if r.get("record") == record],
                           record.split(":")[0] + "-history", start, end, storage, work)
    config = work / "prometheus.yml"
    config.write_text(f"global: {{evaluation_interval: {STEP}s}}\nrule_files: [{work}/rules/dcops-*.yml]\n")
    with start_prometheus(config, storage, work) as prometheus:
        yield prometheus.url, start, end


def report(*args: str):
    return runner.invoke(app, ["slo", "report", "-i", str(FIXTURE), *args])


def report_json(url: str, *args: str) -> dict:
    result = report("--prometheus", url, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def subjects(doc: dict) -> dict[tuple[str, str], dict]:
    return {(g["goal"], s["subject"]): {**s, **{k: v for k, v in g.items() if k != "subjects"}}
            for g in doc["goals"] for s in g["subjects"]}


# -- against the backfilled Prometheus ---------------------------------------------------------

@pytest.mark.slow
@needs_prometheus
def test_each_goal_against_the_recorded_day(history):
    url, start, end = history
    doc = report_json(url, "--at", str(end))
    assert doc["prometheus"] == url and doc["window"] is None and doc["top"] == 5
    rows = subjects(doc)
    assert set(rows) == {("svc-gold", "portal"), ("svc-gold", "mail"), ("hq-site", "hq"),
                         ("svc-bronze", "archive"), ("svc-unmeasured", "intranet")}

    portal = rows["svc-gold", "portal"]
    assert (portal["target_percent"], portal["window"], portal["status"]) == (99.5, "30d", "ok")
    assert DAY - 2 <= portal["evaluations"] <= DAY + 1 and portal["evaluation_interval_seconds"] == STEP
    assert portal["achieved_percent"] == pytest.approx(100 * (1 - PORTAL_DOWN / DAY), abs=100 * TOLERANCE / DAY)
    assert portal["budget_allowed_minutes"] == pytest.approx(GOLD_ALLOWED)
    assert portal["budget_spent_minutes"] == pytest.approx(PORTAL_DOWN, abs=TOLERANCE)
    assert portal["budget_remaining_minutes"] == pytest.approx(GOLD_ALLOWED - PORTAL_DOWN, abs=TOLERANCE)
    assert portal["budget_remaining_percent"] == pytest.approx(100 * (GOLD_ALLOWED - PORTAL_DOWN) / GOLD_ALLOWED,
                                                               abs=100 * TOLERANCE / GOLD_ALLOWED)
    # one day recorded of a 30-day window, since the start of the backfilled day
    assert portal["coverage_percent"] == pytest.approx(100 * DAY / (30 * DAY), abs=0.01)
    since = datetime.fromisoformat(portal["covered_since"].replace("Z", "+00:00")).timestamp()
    assert start <= since <= start + 5 * 60
    # the down server first, then the firewall; the core pair lost one member only, so it spent nothing
    assert [c["component"] for c in portal["spent_by"]] == ["device/hq-app-01", "device/hq-fw-01"]
    assert portal["spent_by"][0]["downtime_minutes"] == pytest.approx(60, abs=TOLERANCE)
    assert portal["spent_by"][1]["downtime_minutes"] == pytest.approx(10, abs=TOLERANCE)

    mail = rows["svc-gold", "mail"]
    assert mail["budget_spent_minutes"] == pytest.approx(MAIL_DOWN, abs=TOLERANCE)
    assert [c["component"] for c in mail["spent_by"]] == ["device/hq-fw-01"]

    site = rows["hq-site", "hq"]
    assert (site["subject_kind"], site["budget_allowed_minutes"]) == ("site", pytest.approx(SITE_ALLOWED))
    assert site["budget_spent_minutes"] == pytest.approx(SITE_DOWN, abs=TOLERANCE)
    assert site["budget_remaining_minutes"] == pytest.approx(SITE_ALLOWED - SITE_DOWN, abs=TOLERANCE)

    # no series is "no data", never 100 %; a subject nothing measures has no rule at all
    archive, intranet = rows["svc-bronze", "archive"], rows["svc-unmeasured", "intranet"]
    assert (archive["status"], archive["achieved_percent"], archive["budget_spent_minutes"]) == ("no_data", None, None)
    assert archive["window"] == "7d" and archive["reason"].startswith("no data")
    assert intranet["status"] == "no_data" and intranet["reason"].startswith("not measured")


@pytest.mark.slow
@needs_prometheus
def test_window_override_top_and_csv(history):
    url, _, end = history
    result = report("--prometheus", url, "--at", str(end), "--window", "1d", "--top", "1", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["goal", "subject", "subject_kind", "target_percent", "window", "status",
                             "achieved_percent", "coverage_percent", "covered_since", "budget_allowed_minutes",
                             "budget_spent_minutes", "budget_remaining_minutes", "budget_remaining_percent",
                             "spent_by", "reason"]
    by_subject = {(r["goal"], r["subject"]): r for r in rows}
    assert len(rows) == 5 and {r["window"] for r in rows} == {"1d"}
    portal = by_subject["svc-gold", "portal"]
    one_day_allowed = DAY * (1 - 0.995)  # 7.2 minutes: the day's budget, overspent
    assert float(portal["budget_allowed_minutes"]) == pytest.approx(one_day_allowed)
    assert float(portal["budget_spent_minutes"]) == pytest.approx(PORTAL_DOWN, abs=TOLERANCE)
    assert float(portal["budget_remaining_minutes"]) == pytest.approx(one_day_allowed - PORTAL_DOWN, abs=TOLERANCE)
    # the same allowance as the evaluation count above (DAY - 2 .. DAY + 1): the backfilled block's
    # edge evaluation may fall either side of the window, and the csv rounds to two decimals
    assert float(portal["coverage_percent"]) == pytest.approx(100, abs=100 * 2 / DAY)
    component, minutes = portal["spent_by"].split("=")  # --top 1: the largest spender only
    assert component == "device/hq-app-01" and float(minutes) == pytest.approx(60, abs=TOLERANCE)
    archive = by_subject["svc-bronze", "archive"]
    assert (archive["status"], archive["achieved_percent"], archive["budget_allowed_minutes"]) == ("no_data", "", "14.4")


@pytest.mark.slow
@needs_prometheus
def test_table_now_and_out_file(history, tmp_path):
    url, _, _ = history
    result = report("--prometheus", url)  # now: the whole day is inside every window
    assert result.exit_code == 0, result.output
    portal = next(line for line in result.stdout.splitlines() if " portal " in line)
    assert "99.5%" in portal and "70.0 min" in portal and "device/hq-app-01 60.0 min" in portal
    archive = next(line for line in result.stdout.splitlines() if " archive " in line)
    assert "no data" in archive and "100.0000%" not in archive
    assert "svc-unmeasured / intranet: not measured" in result.stdout

    out = tmp_path / "reports" / "slo.json"
    written = report("--prometheus", url, "--format", "json", "--out", str(out))
    assert written.exit_code == 0, written.output
    assert written.stdout == "" and json.loads(out.read_text())["goals"][0]["goal"] == "hq-site"
    assert [p.name for p in out.parent.iterdir()] == ["slo.json"]  # no temporary file left


@pytest.mark.slow
@needs_prometheus
def test_prometheus_error_answers_are_one_line(history):
    url, _, end = history
    result = report("--prometheus", url, "--at", str(end), "--window", "300000y")  # valid syntax, out of range
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: Prometheus at {url} answered 400 bad_data: ")
    assert "duration out of range" in lines[0]

    result = report("--prometheus", f"{url}/not-prometheus")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {url}/not-prometheus/api/v1/rules answered HTTP 404 without a "
                                     "Prometheus API response (is --prometheus the root URL of a Prometheus server?)")


# -- bad input, without Prometheus --------------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the test connects


def test_unreachable_prometheus_is_one_line_naming_the_url():
    url = f"http://127.0.0.1:{closed_port()}"
    result = report("--prometheus", url)
    assert result.exit_code == 2
    assert result.stderr == f"error: cannot reach Prometheus at {url}: Connection refused\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "30days"], "error: --window: '30days' is not a Prometheus duration (such as 15s, 1m, 1m30s or 500ms)"),
    (["--window", "0d"], "error: --window: '0d' must be longer than zero"),
    (["--at", "yesterday"], "error: --at must be an RFC 3339 time such as 2026-05-01T12:00:00Z, or Unix seconds; "
                            "got 'yesterday'"),
    (["--at", "2026-05-01T12:00:00"], "error: --at '2026-05-01T12:00:00' has no time zone: add Z or an offset "
                                      "such as -05:00"),
    (["--format", "xml"], "error: --format must be one of table, json, csv, got 'xml'"),
    (["--timeout", "soon"], "error: --timeout: 'soon' is not a Prometheus duration (such as 15s, 1m, 1m30s or 500ms)"),
])
def test_bad_options_exit_2_before_any_query(args, message):
    result = report("--prometheus", f"http://127.0.0.1:{closed_port()}", *args)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


@pytest.mark.parametrize(("url", "message"), [
    ("127.0.0.1:9090", "error: --prometheus must be an http(s) URL such as http://127.0.0.1:9090, got '127.0.0.1:9090'"),
    ("http://admin:hunter2@127.0.0.1:9090", "error: --prometheus: the URL must not carry a user or password "
                                            "(they would show in process lists and messages)"),
    ("http://192.0.2.10:9090", "error: --prometheus http://192.0.2.10:9090: refusing to contact 192.0.2.10: lab mode "
                               "allows only loopback and DCOPS_LAB_SUBNETS subnets"),
])
def test_bad_urls_are_refused_without_traffic(url, message):
    result = report("--prometheus", url)
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert "hunter2" not in result.output


def test_components_are_read_from_the_rule_as_prometheus_prints_it():
    one = 'min(component:dcops_sli_good:bool{component="device/a"}) and on () (count(x) == 1)'
    assert components_in(one) == ("device/a",)
    many = ('min(component:dcops_sli_good:bool{component=~"redundancy_group/hq-core|device/hq-fw\\\\.b"}) '
            'and on () (count(component:dcops_sli_good:bool{component=~"..."}) == 2)')
    assert components_in(many) == ("redundancy_group/hq-core", "device/hq-fw.b")
    assert components_in('min(component:dcops_sli_good:bool{component=~"device/.*"})') is None
    assert components_in("up") is None
