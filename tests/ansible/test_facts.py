"""Facts reconciliation: parsing and reconcile (fast, on the lab dialects' output in-process)
and the playbook against the lab, clean and with injected contradictions."""

from __future__ import annotations

import json
import subprocess

import pytest
from ansible_testlib import playbook, recap

from dcops_devices.intent.facts import DeviceFacts, Failed, Neighbor, parse_facts, port_name, reconcile


def _outputs(inv, name: str, *lab_commands: str) -> tuple[str, dict[str, str]]:
    """What the lab's simulated device answers to its facts commands (no network)."""
    from dcops_devices.intent.facts import commands_for
    from dcops_lab.fakenos.devices import DeviceState
    from dcops_lab.fakenos.dialects import dialect_for
    from dcops_lab.fakenos.fleet import initial_tree
    from dcops_lab.fakenos.specs import device_spec

    spec = device_spec(inv, inv.device(name))
    dialect = dialect_for(spec.platform)(DeviceState(spec, initial_tree(spec)))
    for cmd in lab_commands:
        assert dialect.handle(cmd) == ""
    return spec.platform, {cmd: dialect.handle(cmd) for cmd in commands_for(spec.platform)}


def _facts(inv, name: str, *lab_commands: str) -> DeviceFacts:
    platform, outputs = _outputs(inv, name, *lab_commands)
    return parse_facts(name, platform, outputs)


def test_port_names_compare_in_long_form():
    assert port_name("Te1/1/1") == "TenGigabitEthernet1/1/1" and port_name("Gi1/0/2") == "GigabitEthernet1/0/2"
    assert port_name("Et2") == "Ethernet2" and port_name("Ethernet2") == "Ethernet2"
    assert port_name("port1") == "port1" and port_name("mgmt") == "mgmt"


def test_parse_each_platform(inv):
    ios = _facts(inv, "sc-dist-01")
    assert (ios.model, ios.serial, ios.version, ios.hostname) == ("C9300-24T", "FOC2001", "17.9.4a", "sc-dist-01")
    assert (ios.inventory_model, ios.inventory_serial) == ("C9300-24T", "FOC2001")
    assert ios.neighbors == (Neighbor("TenGigabitEthernet1/1/1", "sc-core-01", "Ethernet2"),
                             Neighbor("TenGigabitEthernet1/1/2", "sc-edge-01", "TenGigabitEthernet1/1/1"))
    eos = _facts(inv, "sc-core-01")
    assert (eos.model, eos.serial, eos.inventory_serial, eos.hostname) == ("DCS-7050SX-64", "JPE1001", "JPE1001", None)
    fw = _facts(inv, "sc-fw-01")
    assert (fw.model, fw.serial, fw.version, fw.hostname, fw.neighbors) == \
        ("FortiGate-600E", "FG6H0E0001", "7.2.5", "sc-fw-01", None)
    assert DeviceFacts.from_json(ios.as_json()) == ios


def test_a_consistent_fleet_has_no_mismatch(inv):
    names = ["sc-core-01", "sc-core-02", "sc-dist-01", "sc-edge-01", "ate-edge-01", "sc-poe-01", "sc-rtr-01", "sc-fw-01"]
    assert reconcile(inv, [_facts(inv, n) for n in names]).mismatches == []


def test_each_contradiction_is_reported(inv):
    outcomes = [
        _facts(inv, "sc-dist-01", "lab inject serial BAD1", "lab inject model C9200-24T"),
        _facts(inv, "sc-edge-01", "lab inject neighbor GigabitEthernet1/0/2 rogue-sw-01.example.net Gi0/1"),
        _facts(inv, "sc-core-02", "lab inject neighbor Ethernet1 sc-dist-01 Te1/1/1",
               "lab inject neighbor Ethernet3 rogue-sw-01 Gi0/2"),
        _facts(inv, "sc-core-01"),
        Failed("sc-poe-01", "connect: refused"),
    ]
    found = [(m.kind, m.device, m.expected, m.found) for m in reconcile(inv, outcomes).mismatches]
    assert found == [
        ("missing", "sc-poe-01", "answering", ""),
        ("extra", "rogue-sw-01", "", "rogue-sw-01 GigabitEthernet0/2"),
        ("serial", "sc-dist-01", "FOC2001", "BAD1"),
        ("model", "sc-dist-01", "C9300-24T", "C9200-24T"),
        ("lldp_mismatch", "sc-core-02", "sc-core-01 Ethernet1", "sc-dist-01 TenGigabitEthernet1/1/1"),
        ("lldp_uncabled", "sc-core-02", "", "rogue-sw-01 GigabitEthernet0/2"),
        # IOS cuts the neighbour's name at 20 characters; its domain does not count.
        ("lldp_uncabled", "sc-edge-01", "", "rogue-sw-01.example. GigabitEthernet0/1"),
    ], found
    extra = next(m for m in reconcile(inv, outcomes).mismatches if m.kind == "extra")
    assert "seen by sc-core-02 Ethernet3" in extra.detail and "seen by sc-edge-01 GigabitEthernet1/0/2" in extra.detail


def test_a_cable_without_neighbour_is_reported(inv):
    quiet = DeviceFacts("sc-edge-01", "C9300-24T", "FOC3001", "17.9.4a", "sc-edge-01", neighbors=())
    found = [(m.kind, m.device, m.expected) for m in reconcile(inv, [quiet]).mismatches]
    assert found == [("lldp_missing", "sc-edge-01", "sc-dist-01 TenGigabitEthernet1/1/2")]


@pytest.fixture()
def inject(lab, lab_env, inv):
    """inject(device, command) sends a lab-only `lab inject ...`; every device touched is
    `lab reset` at teardown."""
    from dcops_devices.access import open_connection, target_for

    touched: set[str] = set()

    def _run(device: str, command: str) -> None:
        touched.add(device)
        with open_connection(target_for(inv, device, lab.address_map())) as conn:
            assert conn.run(command).strip() == ""

    yield _run
    for device in sorted(touched):
        with open_connection(target_for(inv, device, lab.address_map())) as conn:
            conn.run("lab reset")


@pytest.mark.slow
def test_playbook_reports_a_clean_lab_then_each_injected_contradiction(lab, lab_env, tmp_path, inject):
    report, metrics = tmp_path / "facts.json", tmp_path / "facts.prom"
    args = ["-e", f"facts_report={report}", "-e", f"facts_metrics={metrics}"]

    clean = playbook("facts.yml", lab_env, *args)
    assert clean.returncode == 0, clean.stdout[-3000:]
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap(clean.stdout).values())
    data = json.loads(report.read_text())
    assert data["mismatches"] == [] and set(data["counts"].values()) == {0}, data["mismatches"]
    assert len(data["devices"]) == 8 and data["devices"]["sc-dist-01"]["serial"] == "FOC2001"
    assert "no mismatch with the inventory" in clean.stdout

    checked = playbook("facts.yml", lab_env, "-e", f"facts_report={tmp_path / 'c.json'}", "--check")
    assert checked.returncode == 0 and not (tmp_path / "c.json").exists()

    inject("sc-dist-01", "lab inject serial BADSERIAL1")
    inject("sc-edge-01", "lab inject neighbor GigabitEthernet1/0/2 rogue-sw-01 Gi0/1")
    inject("sc-core-02", "lab inject neighbor Ethernet1 sc-dist-01 Te1/1/1")
    lab.stop_device("sc-poe-01")
    try:
        dirty = playbook("facts.yml", lab_env, *args)
    finally:
        lab.start_device("sc-poe-01")
    assert dirty.returncode != 0  # the stopped device's task failed; the report was still written
    data = json.loads(report.read_text())
    found = {(m["kind"], m["device"]) for m in data["mismatches"]}
    assert found == {("missing", "sc-poe-01"), ("serial", "sc-dist-01"), ("extra", "rogue-sw-01"),
                     ("lldp_uncabled", "sc-edge-01"), ("lldp_mismatch", "sc-core-02")}, data["mismatches"]
    assert data["devices"]["sc-poe-01"]["ok"] is False
    text = metrics.read_text()
    assert 'dcops_facts_mismatches{kind="serial"} 1.0' in text and 'dcops_facts_mismatches{kind="model"} 0.0' in text
    assert 'dcops_facts_collect_success{device="sc-poe-01"} 0.0' in text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
