"""Broken devices: each probe ends inside its timeout with success 0, healthy ones still succeed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fixture_paths import LAB_INVENTORY

from dcops_inventory import AddressMap, Endpoint
from dcops_lab.snmp.faults import FaultAgent
from dcops_lab.snmp.lab import free_udp_ports
from dcops_lab.snmp.services import start_dcops_exporter

pytestmark = pytest.mark.slow

SCRAPE_TIMEOUT = 4.0
HEALTHY = ["sc-edge-01", "sc-edge-03", "sc-dist-01"]


@pytest.fixture(scope="module")
def faulty_exporter(snmp_lab, tmp_path_factory):
    agents = {mode: FaultAgent(mode) for mode in ("hang", "garbage", "truncated")}
    down_port, = free_udp_ports(1)  # nothing listens there
    lab = snmp_lab.address_map
    devices = {name: dict(lab.devices[name]) for name in HEALTHY}
    devices["sc-core-01"] = {"snmp": Endpoint("127.0.0.1", agents["hang"].port)}
    devices["sc-core-02"] = {"snmp": Endpoint("127.0.0.1", agents["garbage"].port)}
    devices["sc-edge-02"] = {"snmp": Endpoint("127.0.0.1", agents["truncated"].port)}
    devices["sc-fw-01"] = {"snmp": Endpoint("127.0.0.1", down_port)}
    # sc-rtr-01's profile has its own community: pointing another profile's device at it is
    # exactly a wrong community (the agent stays silent).
    devices["sc-rtr-01"] = dict(lab.devices["sc-edge-01"])
    amap = AddressMap(devices=devices, source="fault-map")
    service = start_dcops_exporter(LAB_INVENTORY, amap, tmp_path_factory.mktemp("faulty"), secret_env=snmp_lab.env)
    yield service, agents
    service.stop()
    for agent in agents.values():
        agent.stop()


FAULTS = {
    "sc-core-01": "hung agent",
    "sc-core-02": "garbage reply",
    "sc-edge-02": "truncated reply",
    "sc-fw-01": "nothing listening",
    "sc-rtr-01": "wrong community",
}


def _probe(url: str, target: str) -> tuple[str, int, float, str, float]:
    module = "wan" if target == "sc-rtr-01" else "if_mib"
    start = time.monotonic()
    r = requests.get(f"{url}/probe", params={"target": target, "module": module},
                     headers={"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT)}, timeout=30)
    took = time.monotonic() - start
    success = next((float(line.split()[1]) for line in r.text.splitlines()
                    if line.startswith("dcops_probe_success ")), -1.0)
    return target, r.status_code, success, r.text, took


def test_faulty_devices_fail_in_time_while_healthy_ones_succeed(faulty_exporter):
    service, agents = faulty_exporter
    targets = list(FAULTS) * 2 + HEALTHY * 3
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        results = list(pool.map(lambda t: _probe(service.url, t), targets))
    for target, status, success, text, took in results:
        assert status == 200, f"{target}: HTTP {status}"
        assert took < SCRAPE_TIMEOUT, f"{target}: answered after {took:.2f}s"
        if target in FAULTS:
            assert success == 0, f"{target} ({FAULTS[target]}) reported success"
            assert "dcops_probe_duration_seconds" in text
        else:
            assert success == 1, f"{target} failed next to faulty devices:\n{text[-400:]}"
    assert agents["hang"].received > 0 and agents["garbage"].received > 0
    assert service.proc.poll() is None, "the exporter died"


def test_failure_reason_is_in_the_debug_log(faulty_exporter):
    service, _ = faulty_exporter
    r = requests.get(f"{service.url}/probe", params={"target": "sc-core-01", "module": "if_mib", "debug": "1"},
                     headers={"X-Prometheus-Scrape-Timeout-Seconds": "3"}, timeout=10)
    assert r.status_code == 200
    assert "no answer within" in r.text or "timed out" in r.text
