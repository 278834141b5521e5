"""The parts `dcops lab up` stands on, one at a time and quickly: stopping a process group
(with SIGKILL when SIGTERM is ignored), telling our PID from a reused one, a taken port
refused before anything starts, the webhook receiver, the relay that takes a device off the
network, counters that never go backwards, Alertmanager's lab timing, and a stale state file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import yaml

from dcops_lab.env import counters, processes
from dcops_lab.env.alerting import BANNER, lab_timing, start_webhook
from dcops_lab.env.state import Component, LabState
from dcops_lab.env.up import LabInputError, _check_existing
from dcops_lab.env.webhook import alert_events, read_notifications
from dcops_lab.snmp.records import PortTraffic
from dcops_lab.snmp.services import free_tcp_port

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "lab" / "inventory"

# A parent that ignores SIGTERM and a child in its process group: `stop` must take both.
STUBBORN = ("import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)']); time.sleep(600)")


def _spawn(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def _wait_members(pgid: int, n: int) -> None:
    deadline = time.monotonic() + 10
    while len(processes.group_members(pgid)) < n:
        assert time.monotonic() < deadline, "the test's processes did not start"
        time.sleep(0.05)


def test_stop_escalates_to_sigkill_and_takes_the_whole_group(tmp_path):
    proc = _spawn(STUBBORN)
    _wait_members(proc.pid, 2)
    comp = processes.component("stubborn", proc.pid, tmp_path / "log")
    assert processes.running(comp)
    assert processes.stop(comp, grace=0.5) == "killed"
    assert proc.poll() is not None  # reaped by stop(): it is our child here
    assert processes.group_members(proc.pid) == [] and not processes.running(comp)
    assert processes.stop(comp) == "not running"


def test_a_polite_process_is_stopped_with_sigterm(tmp_path):
    proc = _spawn("import time; time.sleep(600)")
    _wait_members(proc.pid, 1)
    assert processes.stop(processes.component("polite", proc.pid, tmp_path / "log")) == "stopped"
    assert proc.poll() is not None


def test_a_pid_with_another_command_line_is_not_ours(tmp_path):
    proc = _spawn("import time; time.sleep(600)")
    try:
        comp = processes.component("x", proc.pid, tmp_path / "log")
        reused = Component(**{**comp.__dict__, "cmdline": [sys.executable, "-c", "something else"]})
        assert processes.running(comp) and not processes.running(reused)
    finally:
        proc.kill()
        proc.wait()


def test_a_taken_port_names_its_holder():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        free = free_tcp_port()
        problems = processes.port_problems({"prometheus": port, "webhook": free, "exporter": free})
    assert problems[0] == (f"port {port} for prometheus on 127.0.0.1 is taken by pid {os.getpid()} "
                           f"({' '.join(psutil.Process().cmdline())[:120]})")
    assert problems[1] == f"port {free} is given for both webhook and exporter"


def test_up_refuses_a_taken_port_before_starting_anything(tmp_path):
    state_dir = tmp_path / "lab"
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        ports = [str(free_tcp_port()) for _ in range(3)]
        run = subprocess.run(["dcops", "lab", "up", "-i", str(FIXTURE), "--state-dir", str(state_dir),
                              "--prometheus-port", str(port), "--exporter-port", ports[0],
                              "--alertmanager-port", ports[1], "--webhook-port", ports[2]],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"port {port} for prometheus on 127.0.0.1 is taken by pid {os.getpid()}" in run.stderr
    assert not (state_dir / "lab.json").exists()
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(state_dir) in " ".join(p.info["cmdline"] or [])]


def test_the_webhook_receiver_records_every_post(tmp_path):
    record = tmp_path / "notifications.jsonl"
    svc = start_webhook(free_tcp_port(), record, tmp_path / "logs")
    try:
        payload = {"receiver": "ticket", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "RedundancyGroupDegraded", "redundancy_group": "sc-core"}}]}
        for path, body in (("/alerts", json.dumps(payload).encode()), ("/watchdog", b"not json")):
            req = urllib.request.Request(svc.url + path, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                assert resp.status == 200
    finally:
        svc.stop()
    got = read_notifications(record)
    assert [(n["path"], n["payload"]) for n in got] == [("/alerts", payload), ("/watchdog", "not json")]
    assert alert_events(got) == [{"received": got[0]["received"], "path": "/alerts", "receiver": "ticket",
                                  "status": "firing", "alertname": "RedundancyGroupDegraded",
                                  "labels": payload["alerts"][0]["labels"]}]


PORT = PortTraffic(ifindex=1, name="Gi0/0/0", alias="", speed_mbps=1000, admin_up=True, oper_up=True,
                   rx_bytes_per_s=1000.0, tx_bytes_per_s=500.0, rx_initial=10**12, tx_initial=2 * 10**12,
                   errors_per_s=0.0)
HC_IN_1, HC_OUT_1 = f"{counters.HC_IN}.1", f"{counters.HC_OUT}.1"


def test_counters_never_go_backwards_when_their_rate_changes():
    booted, t1, t2, t3 = 1000.0, 1100.0, 1160.0, 1200.0
    # from numeric: at or above what the agent answers (initial + rate x time since it booted)
    saturated = counters.retimed(PORT, {}, {"receive": 25e6, "transmit": 25e6}, booted, now=t1)
    rx = counters.CounterLine.parse(saturated[HC_IN_1])
    assert rx.base >= PORT.rx_initial + PORT.rx_bytes_per_s * (t1 - booted) and rx.rate == 25e6 and rx.t0 == t1
    assert counters.CounterLine.parse(saturated[HC_OUT_1]).base >= PORT.tx_initial + PORT.tx_bytes_per_s * (t1 - booted)
    # from dcopsvalue: exactly where the running line is, so no jump either way
    healed = counters.retimed(PORT, saturated, counters.normal_rates(PORT), booted, now=t2)
    assert counters.CounterLine.parse(healed[HC_IN_1]) == counters.CounterLine(rx.value_at(t2), 1000.0, t2)
    assert counters.CounterLine.parse(healed[HC_IN_1]).value_at(t3) == rx.value_at(t2) + 40_000
    assert counters.CounterLine.parse(healed[HC_IN_1]).text() == healed[HC_IN_1]


def test_apply_rewrites_only_the_overridden_records(tmp_path):
    data = tmp_path / "community.snmprec"
    lines = ["1.3.6.1.2.1.1.5.0|4|sc-rtr-01", f"{HC_IN_1}|70:numeric|initial=5,rate=10",
             f"{HC_OUT_1}|70:numeric|initial=7,rate=10"]
    data.write_text("\n".join(lines) + "\n")
    data.chmod(0o600)
    os.utime(data, (1_000_000, 1_000_000))
    line = counters.CounterLine(123, 25e6, 1000.0).text()
    counters.apply(data, {HC_IN_1: line})
    assert data.read_text().splitlines() == [lines[0], f"{HC_IN_1}|{line}", lines[2]]
    assert data.stat().st_mode & 0o777 == 0o600 and data.stat().st_mtime > time.time()  # snmpsim re-reads it
    with pytest.raises(counters.CounterError, match=r"no record for 1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.6\.9"):
        counters.apply(data, {f"{counters.HC_IN}.9": line})


def test_lab_timing_only_shortens_alertmanager_waits():
    rendered = (b"# Generated by `dcops prometheus render`\n" + yaml.safe_dump({
        "route": {"receiver": "ticket", "group_by": ["alertname"], "group_wait": "30s", "group_interval": "5m",
                  "repeat_interval": "12h", "routes": [
                      {"receiver": "watchdog", "group_wait": "0s", "group_interval": "1m", "repeat_interval": "1m"},
                      {"receiver": "page", "routes": [{"receiver": "page-sc"}]}]},
        "receivers": [{"name": "ticket"}, {"name": "watchdog"}, {"name": "page"}, {"name": "page-sc"}],
        "inhibit_rules": []}).encode())
    text = lab_timing(rendered)
    assert text.decode().splitlines()[:2] == [BANNER, "# Generated by `dcops prometheus render`"]
    got = yaml.safe_load(text)
    assert got["route"] | {"routes": None} == {"receiver": "ticket", "group_by": ["alertname"], "group_wait": "1s",
                                              "group_interval": "10s", "repeat_interval": "12h", "routes": None}
    assert got["route"]["routes"] == [
        {"receiver": "watchdog", "group_wait": "0s", "group_interval": "10s", "repeat_interval": "1m"},
        {"receiver": "page", "routes": [{"receiver": "page-sc"}]}]
    assert got["receivers"] == yaml.safe_load(rendered)["receivers"]


def _state(tmp_path: Path, comp: Component, ready: bool) -> LabState:
    state = LabState(state_dir=str(tmp_path), inventory=str(FIXTURE), ports={}, components={comp.name: comp},
                     ready=ready)
    state.save()
    return state


def test_a_state_whose_processes_are_gone_is_cleaned_away(tmp_path):
    proc = _spawn("import time; time.sleep(600)")
    comp = processes.component("gone", proc.pid, tmp_path / "log")
    proc.kill()
    proc.wait()
    _state(tmp_path, comp, ready=True)
    assert _check_existing(tmp_path, FIXTURE) is None
    assert not (tmp_path / "lab.json").exists()


def test_a_lab_half_running_is_not_started_over(tmp_path):
    proc = _spawn("import time; time.sleep(600)")
    try:
        _state(tmp_path, processes.component("webhook", proc.pid, tmp_path / "log"), ready=False)
        with pytest.raises(LabInputError, match=r"partly running .* `dcops lab down` stops the rest"):
            _check_existing(tmp_path, FIXTURE)
        assert (tmp_path / "lab.json").exists()
    finally:
        proc.kill()
        proc.wait()


def test_the_relay_drops_a_down_devices_datagrams_both_ways(tmp_path):
    from dcops_lab.fakenos.process import control

    agent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # an "agent" that echoes
    agent.bind(("127.0.0.1", 0))
    agent.settimeout(0.2)
    stop = threading.Event()

    def echo() -> None:
        while not stop.is_set():
            try:
                data, peer = agent.recvfrom(1024)
            except (TimeoutError, OSError):
                continue
            agent.sendto(b"re:" + data, peer)

    threading.Thread(target=echo, daemon=True).start()
    agents = tmp_path / "agents.yaml"
    agents.write_text(yaml.safe_dump({"devices": {"sc-core-01": {"host": "127.0.0.1", "snmp": agent.getsockname()[1]}}}))
    proc = subprocess.Popen([sys.executable, "-m", "dcops_lab.env.relay", "--agents", str(agents), "--workdir",
                             str(tmp_path)], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "relay.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the relay did not start"
            time.sleep(0.05)
        port = yaml.safe_load((tmp_path / "address-map.yaml").read_text())["devices"]["sc-core-01"]["snmp"]

        def ask(text: bytes) -> bytes | None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                client.settimeout(1.0)
                client.sendto(text, ("127.0.0.1", port))
                try:
                    return client.recv(1024)
                except TimeoutError:
                    return None

        assert ask(b"get") == b"re:get"
        control(tmp_path, "down sc-core-01")
        assert ask(b"get") is None and control(tmp_path, "status")["down"] == ["sc-core-01"]
        control(tmp_path, "up sc-core-01")
        assert ask(b"again") == b"re:again"
    finally:
        stop.set()
        processes.stop(processes.component("relay", proc.pid, tmp_path / "log"))
        agent.close()
    assert not (tmp_path / "relay.json").exists()  # it cleans up on SIGTERM
