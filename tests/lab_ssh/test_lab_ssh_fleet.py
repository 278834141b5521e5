"""The FakeNOS fleet as a user of the lab sees it: inventory-derived outputs that the
ntc-templates parse, config pushes that show up, devices that stop and start, and no
process left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest
from lab_ssh_testlib import FIXTURE_INVENTORY, REPO, clean_env
from ntc_templates.parse import parse_output


@pytest.mark.slow
def test_cisco_outputs_parse_and_match_the_inventory(connect):
    conn = connect("sc-dist-01")
    version = parse_output(platform="cisco_ios", command="show version", data=conn.run("show version"))[0]
    assert version["hostname"] == "sc-dist-01" and version["serial"] == ["FOC2001"]
    assert version["hardware"] == ["C9300-24T"]
    lldp = parse_output(platform="cisco_ios", command="show lldp neighbors", data=conn.run("show lldp neighbors"))
    assert {(n["local_interface"], n["neighbor_name"]) for n in lldp} == {("Te1/1/1", "sc-core-01"),
                                                                         ("Te1/1/2", "sc-edge-01")}
    ifaces = parse_output(platform="cisco_ios", command="show interfaces", data=conn.run("show interfaces"))
    described = {i["interface"]: i["description"] for i in ifaces if i["description"]}
    assert described == {"TenGigabitEthernet1/1/1": "to sc-core-01", "TenGigabitEthernet1/1/2": "to sc-edge-01"}


@pytest.mark.slow
def test_arista_outputs_parse_and_match_the_inventory(connect):
    conn = connect("sc-core-01")
    version = parse_output(platform="arista_eos", command="show version", data=conn.run("show version"))[0]
    assert version["serial_number"] == "JPE1001" and version["model"] == "DCS-7050SX-64"
    lldp = parse_output(platform="arista_eos", command="show lldp neighbors", data=conn.run("show lldp neighbors"))
    assert {(n["local_interface"], n["neighbor_name"], n["neighbor_interface"]) for n in lldp} == {
        ("Et1", "sc-core-02", "Ethernet1"), ("Et2", "sc-dist-01", "TenGigabitEthernet1/1/1")}
    ifaces = parse_output(platform="arista_eos", command="show interfaces", data=conn.run("show interfaces"))
    assert {i["interface"] for i in ifaces} >= {"Ethernet1", "Ethernet4", "Management1"}


@pytest.mark.slow
def test_config_push_shows_in_next_running_config(connect):
    conn = connect("sc-edge-01")
    assert "vlan 123" not in conn.run("show running-config")
    conn.configure(["vlan 123", " name lab-test", "interface GigabitEthernet1/0/2", " description printer"])
    running = conn.run("show running-config")
    assert "vlan 123\n name lab-test" in running
    assert "interface GigabitEthernet1/0/2\n description printer" in running
    conn.configure(["no vlan 123"])
    assert "vlan 123" not in conn.run("show running-config")


@pytest.mark.slow
def test_fortinet_firewall_speaks_fortios_to_netmiko(connect):
    conn = connect("sc-fw-01")
    assert "Serial-Number: FG6H0E0001" in conn.run("get system status")
    conn.configure(["config system ntp", "config ntpserver", "edit 9", 'set server "10.10.0.77"', "next", "end", "end"])
    shown = conn.run("show")
    assert 'edit 9\n            set server "10.10.0.77"' in shown
    assert shown.startswith("#config-version=FortiGate-600E")


@pytest.mark.slow
def test_stopped_device_refuses_then_comes_back(fleet, connect):
    from dcops_devices.access import ConnectFailed

    fleet.stop_device("sc-core-01")
    try:
        assert fleet.status()["sc-core-01"] is False
        with pytest.raises(ConnectFailed) as err:
            connect("sc-core-01")
        assert err.value.device == "sc-core-01" and err.value.kind == "connect"
    finally:
        fleet.start_device("sc-core-01")
    assert "hostname sc-core-01" in connect("sc-core-01").run("show running-config")


@pytest.mark.slow
def test_lab_cli_starts_and_stops_leaving_no_process(tmp_path):
    env = clean_env()
    base = ["dcops", "lab"]
    state = ["--state-dir", str(tmp_path / "lab")]
    started = subprocess.run([*base, "start", "-i", str(FIXTURE_INVENTORY), "-d", "sc-dist-01", "-d", "sc-fw-01",
                              *state], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    manifest = json.loads((tmp_path / "lab" / "fleet.json").read_text())
    pid, port = manifest["pid"], manifest["devices"]["sc-fw-01"]["port"]
    assert (tmp_path / "lab" / "secrets.env").stat().st_mode & 0o077 == 0
    try:
        status = subprocess.run([*base, "status", *state], cwd=REPO, env=env, capture_output=True, text=True)
        assert "2/2 up" in status.stdout and "sc-fw-01" in status.stdout
        again = subprocess.run([*base, "start", *state], cwd=REPO, env=env, capture_output=True, text=True)
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        stopped = subprocess.run([*base, "stop", *state], cwd=REPO, env=env, capture_output=True, text=True)
    assert stopped.returncode == 0
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"lab process group {pid} still alive")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_lab_refuses_unknown_device(tmp_path):
    from dcops_lab.fakenos.process import LabError, LabFleet

    with pytest.raises(LabError, match="not network devices the lab can serve: sc-ups-01"):
        LabFleet(tmp_path, inventory=FIXTURE_INVENTORY, devices=["sc-ups-01"], env=clean_env()).start()
