"""The snmpsim lab built from the inventory: deterministic data, growing counters, own community."""

from __future__ import annotations

import os
import time

import pytest

from dcops_lab.snmp.lab import SnmpLabError, start_snmp_lab
from dcops_lab.snmp.records import port_traffic, render_snmprec
from dcops_lab.snmp.wire import snmp_get

HC_IN = "1.3.6.1.2.1.31.1.1.1.6"


def _oids(text: str) -> list[tuple[int, ...]]:
    return [tuple(map(int, line.split("|")[0].split("."))) for line in text.splitlines()]


def test_snmprec_is_deterministic_sorted_and_covers_every_inventory_port(lab_inventory):
    dev = lab_inventory.device("sc-edge-01")
    first, second = render_snmprec(lab_inventory, dev), render_snmprec(lab_inventory, dev)
    assert first == second
    oids = _oids(first)
    assert oids == sorted(oids), "snmpsim needs records in OID order"
    ports = lab_inventory.device_interfaces(dev)
    names = [line.split("|", 2)[2] for line in first.splitlines() if line.startswith("1.3.6.1.2.1.31.1.1.1.1.")]
    assert names == [p.name for p in ports]


def test_circuit_port_runs_below_its_contract_and_access_ports_vary(lab_inventory):
    rtr = {p.name: p for p in port_traffic(lab_inventory, lab_inventory.device("sc-rtr-01"))}
    internet = rtr["GigabitEthernet0/0/0"]
    assert 0 < internet.rx_bytes_per_s * 8 < 200e6
    edge = port_traffic(lab_inventory, lab_inventory.device("sc-edge-01"))
    assert {p.oper_up for p in edge} == {True, False}
    assert all(p.rx_bytes_per_s == 0 for p in edge if not p.oper_up)


@pytest.mark.slow
def test_agent_counters_grow_and_answer_only_the_profile_community(snmp_lab):
    ep = snmp_lab.address_map.endpoint("sc-rtr-01", "snmp")
    assert ep.host == "127.0.0.1"
    community = snmp_lab.communities["sc-rtr-01"]
    oid = f"{HC_IN}.1"
    before = int(snmp_get((ep.host, ep.port), community, oid))
    time.sleep(1.0)
    after = int(snmp_get((ep.host, ep.port), community, oid))
    assert after > before
    assert snmp_get((ep.host, ep.port), community + "x", oid, timeout=0.5) is None
    # devices of another profile answer to another community
    other = snmp_lab.address_map.endpoint("sc-edge-01", "snmp")
    assert snmp_get((other.host, other.port), community, oid, timeout=0.5) is None


@pytest.mark.slow
def test_stop_leaves_no_process_and_no_data(lab_inventory, tmp_path):
    lab, amap = start_snmp_lab(lab_inventory, ["sc-edge-01"], tmp_path)
    pids = [p.pid for p in lab.processes]
    assert set(amap.devices) == {"sc-edge-01"}
    lab.stop()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    assert not lab.datadir.exists()


def test_unknown_or_unsimulatable_devices_are_refused(lab_inventory, tmp_path):
    with pytest.raises(SnmpLabError, match="not in the inventory: nope"):
        start_snmp_lab(lab_inventory, ["nope"], tmp_path)
    with pytest.raises(SnmpLabError, match="no snmp_profile.*sc-ups-01"):
        start_snmp_lab(lab_inventory, ["sc-ups-01"], tmp_path)
