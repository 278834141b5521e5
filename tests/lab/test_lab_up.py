"""`dcops lab up` as an SRE uses it, end to end with the real components: up (twice: no
second copy), one core switch failed -> the core group's degraded alert fires in
Prometheus and reaches the webhook through Alertmanager, a saturated Internet link and a
UPS on battery seen by Prometheus, heal -> resolved (a resolved notification too), a
process that dies shown by status, down -> no process left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

import psutil
import pytest

from dcops_lab.env.processes import group_members
from dcops_lab.snmp.services import free_tcp_port

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "lab" / "inventory"
DEGRADED = "RedundancyGroupDegraded"


def dcops(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(["dcops", "lab", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)


def wait_for(what: str, predicate: Callable[[], object], timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f}s")
        time.sleep(1.0)


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())["data"]


def query(prom: str, expr: str) -> list[dict]:
    return get(f"{prom}/api/v1/query?query={urllib.parse.quote(expr)}")["result"]


def degraded(prom: str) -> list[dict]:
    return [a for a in get(f"{prom}/api/v1/alerts")["alerts"]
            if a["labels"]["alertname"] == DEGRADED and a["labels"].get("redundancy_group") == "sc-core"]


def notified(state_dir: Path, status: str) -> bool:
    run = dcops("alerts", "--state-dir", str(state_dir), "--last", "1000", "--format", "json")
    return any(e["alertname"] == DEGRADED and e["status"] == status and e["labels"].get("redundancy_group") == "sc-core"
               and e["path"] == "/alerts" for e in json.loads(run.stdout))


def status(state_dir: Path) -> dict:
    run = dcops("status", "--state-dir", str(state_dir), "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def receive_utilisation(state_dir: Path) -> float:
    rows = [c for c in status(state_dir)["circuits"] if c["circuit"] == "sc-inet-01" and c["direction"] == "receive"]
    return (rows[0]["utilisation_now"] or 0.0) if rows else 0.0


def ours(state_dir: Path, datadir: str) -> list[psutil.Process]:
    """Live processes whose command line names the lab's state or data directory."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if p.info["status"] != psutil.STATUS_ZOMBIE and (str(state_dir) in cmd or datadir in cmd):
            found.append(p)
    return found


@pytest.mark.slow
def test_up_fail_a_core_switch_heal_down(tmp_path):
    state_dir = tmp_path / "lab"
    sd = ["--state-dir", str(state_dir)]
    ports = ["--exporter-port", str(free_tcp_port()), "--prometheus-port", str(free_tcp_port()),
             "--alertmanager-port", str(free_tcp_port()), "--webhook-port", str(free_tcp_port())]
    started = time.monotonic()
    up = dcops("up", "-i", str(FIXTURE), *sd, *ports, "--scrape-interval", "5s")
    took_up = time.monotonic() - started
    state = json.loads((state_dir / "lab.json").read_text()) if (state_dir / "lab.json").exists() else {}
    components = state.get("components", {})
    datadir = state.get("snmp_datadir") or "/nonexistent"
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert "first scrape of every target" in up.stdout and "11/11 targets answered" in up.stdout
        assert list(components) == ["webhook", "alertmanager", "switch-fleet", "snmp-agents-1", "snmp-agents-2",
                                    "snmp-relay", "exporter", "prometheus"]
        prom = components["prometheus"]["url"]
        running = {p.pid for p in ours(state_dir, datadir)}

        again = dcops("up", "-i", str(FIXTURE), *sd, *ports)
        assert again.returncode == 0 and "already up" in again.stdout, again.stdout + again.stderr
        assert json.loads((state_dir / "lab.json").read_text())["components"] == components
        assert {p.pid for p in ours(state_dir, datadir)} == running  # no second copy of anything

        for args in (["sc-core-01"], ["sc-inet-01"], ["sc-ups-01", "--fault", "ups_on_battery"]):
            failed = dcops("fail", *args, *sd)
            assert failed.returncode == 0, failed.stdout + failed.stderr
        fail_at = time.monotonic()
        firing = wait_for("degraded alert firing", lambda: [a for a in degraded(prom) if a["state"] == "firing"], 120)
        took_fire = time.monotonic() - fail_at
        assert firing[0]["labels"]["severity"] == "warning"
        wait_for("the firing notification at the webhook", lambda: notified(state_dir, "firing"), 60)
        took_notify = time.monotonic() - fail_at
        silent = {j["job"]: j["silent"] for j in status(state_dir)["jobs"]}
        assert silent["dcops_if_mib_5s"] == ["sc-core-01"]
        wait_for("the saturated link", lambda: receive_utilisation(state_dir) >= 0.95, 60)
        wait_for("the UPS on battery", lambda: query(prom, "dcops_ups_on_battery == 1"), 60)

        healed = dcops("heal", *sd)
        assert healed.returncode == 0 and healed.stdout.splitlines() == [
            "sc-core-01: up again", "sc-ups-01: ups on battery cleared", "sc-inet-01: back to its normal traffic"]
        heal_at = time.monotonic()
        wait_for("degraded alert gone from the alerts API", lambda: not degraded(prom), 120)
        wait_for("the resolved notification at the webhook", lambda: notified(state_dir, "resolved"), 60)
        took_resolve = time.monotonic() - heal_at
        wait_for("the link back to normal", lambda: receive_utilisation(state_dir) < 0.9, 60)
        assert query(prom, "dcops_ups_on_battery == 0")
        # the link's counters changed rate twice without ever going backwards
        assert [r["value"][1] for r in query(prom, "resets(dcops_wan_receive_bytes_total[10m])")] == ["0"]
        after = status(state_dir)
        assert after["faults"] == [] and [(b["slo"], b["subject"]) for b in after["budgets"]] == [("sc-site", "sc")]
        # a process that died: status says which (exit 1), down still stops the rest
        os.kill(components["webhook"]["pid"], signal.SIGKILL)
        wait_for("the receiver gone", lambda: not group_members(components["webhook"]["pid"]), 10)
        dead = dcops("status", *sd)
        assert dead.returncode == 1 and "not running: webhook" in dead.stdout, dead.stdout + dead.stderr
        print(f"\nup {took_up:.1f}s, alert firing {took_fire:.1f}s after fail, at the webhook {took_notify:.1f}s, "
              f"resolved notification {took_resolve:.1f}s after heal")
    finally:
        down = dcops("down", *sd)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "webhook: not running" in down.stdout and "prometheus: stopped" in down.stdout
    assert not (state_dir / "lab.json").exists() and not Path(datadir).exists()
    for name, comp in components.items():
        assert not group_members(comp["pid"]), f"{name}: process group {comp['pid']} still has members"
        try:
            assert psutil.Process(comp["pid"]).status() == psutil.STATUS_ZOMBIE  # dead, parent gone: init's to reap
        except psutil.NoSuchProcess:
            pass
    assert not ours(state_dir, datadir)
    assert "no lab recorded" in dcops("down", *sd).stdout  # down again: nothing to do
