"""Every device family end to end, with real components: snmpsim agents rendered from the
MTPE inventory (v2c, and one UPS over SNMPv3), the simulated 3PAR WSAPI over HTTPS, the
`dcops exporter serve` process, promtool, node_exporter and Prometheus.

- each module's answer is success 1, with the agreed metrics, and passes `promtool check metrics`;
- injected faults show as the metric an alert would read (UPS on battery with falling
  runtime, a filling pool, a cooling alarm, a failed fan);
- broken devices of every family (no answer, garbage, truncated reply, a table missing,
  wrong community or login) are success 0 inside the scrape timeout;
- Linux servers reach a real node_exporter through the rendered file_sd, under Prometheus.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from dcops_exporters.probe import Prober
from dcops_exporters.prometheus_render import RenderOptions, render
from dcops_exporters.render_files import write_tree
from dcops_inventory import AddressMap, Endpoint, load_inventory
from dcops_lab.snmp.faults import FaultAgent
from dcops_lab.snmp.inject import clear_fault, inject_fault
from dcops_lab.snmp.lab import free_udp_ports, start_snmp_lab
from dcops_lab.snmp.services import free_tcp_port, start_dcops_exporter, start_node_exporter, start_prometheus
from dcops_lab.snmp.wsapi import start_wsapi_lab

pytestmark = pytest.mark.slow

MTPE = Path(__file__).resolve().parents[2] / "inventory" / "mtpe"
V3_UPS = "sc-ups-02"
FAMILIES = {  # device -> module: one per family and per health reader
    "sc-ups-01": "ups", V3_UPS: "ups", "sc-crac-01": "cooling", "sc-srv-16": "host", "sc-srv-22": "host",
    "sc-srv-01": "host", "sc-core-01": "health", "sc-dist-01": "health", "sc-fw-01": "health",
    "sc-san-01": "health", "sc-rtr-01": "health", "sc-stor-01": "storage",
}
WRONG_COMMUNITY = {"sc-ups-03": "ups", "sc-crac-02": "cooling", "sc-srv-17": "host", "sc-core-02": "health"}
TIMEOUT = 3.0


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    """MTPE with one UPS moved to the SNMPv3 profile (MTPE itself polls everything over v2c)."""
    root = tmp_path_factory.mktemp("inv") / "mtpe"
    shutil.copytree(MTPE, root)
    path = root / "devices" / "datacenter.yaml"
    text = path.read_text()
    start = text.index(f"- name: {V3_UPS}\n")
    end = text.index("snmp_profile: snmp-v2c-ro", start)
    path.write_text(text[:end] + "snmp_profile: snmp-v3-ro" + text[end + len("snmp_profile: snmp-v2c-ro"):])
    return load_inventory(root)


@pytest.fixture(scope="module")
def family_lab(inventory, tmp_path_factory):
    work = tmp_path_factory.mktemp("families")
    lab, amap = start_snmp_lab(inventory, sorted({*FAMILIES, *WRONG_COMMUNITY}), work / "snmp",
                               community_overrides={d: "labwrongcommunity" for d in WRONG_COMMUNITY})
    storage = start_wsapi_lab(inventory, ["sc-stor-01"], work / "wsapi")
    env = {**lab.env, **storage.env}
    exporter = start_dcops_exporter(inventory.root, amap.merged(storage.address_map), work, secret_env=env)
    yield inventory, lab, storage, exporter, env
    exporter.stop()
    storage.stop()
    lab.stop()


def probe(url: str, target: str, module: str) -> tuple[float, dict[str, float], str]:
    r = requests.get(f"{url}/probe", params={"target": target, "module": module},
                     headers={"X-Prometheus-Scrape-Timeout-Seconds": str(TIMEOUT + 0.5)}, timeout=30)
    assert r.status_code == 200, r.text
    samples = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples.get("dcops_probe_success", -1), samples, r.text


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
def test_every_family_answers_and_passes_promtool(family_lab):
    _, _, _, exporter, _ = family_lab
    agreed = {"ups": ["dcops_ups_on_battery", "dcops_ups_battery_runtime_seconds", "dcops_ups_battery_charge_ratio",
                      "dcops_ups_load_ratio"],
              "cooling": ['dcops_cooling_alarm{unit="1.1.1"}'],
              "storage": ['dcops_storage_pool_size_bytes{pool="FC_r6"}', 'dcops_storage_pool_used_bytes{pool="FC_r6"}'],
              "host": ["dcops_host_uptime_seconds"], "health": ["dcops_health_cpu_usage_ratio"]}
    for device, module in FAMILIES.items():
        success, samples, text = probe(exporter.url, device, module)
        assert success == 1, f"{device} {module}:\n{text[-600:]}"
        for name in agreed[module]:
            assert name in samples, f"{device}: {name} missing"
        lint = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
        assert lint.returncode == 0, f"{device} {module}: {lint.stdout.decode()}{lint.stderr.decode()}"
    _, fw, _ = probe(exporter.url, "sc-fw-01", "health")
    assert fw["dcops_health_ha_mode"] == 3 and fw['dcops_health_ha_member_synchronized{member="sc-fw-02"}'] == 1
    assert fw["dcops_health_firewall_sessions"] > 0
    assert all(v == 1 for k, v in fw.items() if k.startswith(("dcops_health_fan_up", "dcops_health_psu_up")))


def test_readings_move_and_injected_faults_show(family_lab):
    inv, lab, storage, exporter, _ = family_lab
    url = exporter.url
    _, ups, _ = probe(url, "sc-ups-01", "ups")
    assert ups["dcops_ups_on_battery"] == 0 and ups["dcops_ups_battery_charge_ratio"] == 1
    _, pool0, _ = probe(url, "sc-stor-01", "storage")
    try:
        inject_fault(lab, inv, "sc-ups-01", "ups_on_battery")
        inject_fault(lab, inv, "sc-crac-01", "cooling_alarm")
        inject_fault(lab, inv, "sc-dist-01", "fan_failure")
        inject_fault(lab, inv, "sc-stor-01", "pool_filling", storage=storage)
        time.sleep(1.2)  # snmpsim sees a data file change by its whole-second mtime
        _, first, _ = probe(url, "sc-ups-01", "ups")
        time.sleep(2.1)
        _, later, _ = probe(url, "sc-ups-01", "ups")
        assert first["dcops_ups_on_battery"] == 1 and first['dcops_ups_alarm{alarm="onBattery"}'] == 1
        assert later["dcops_ups_battery_runtime_seconds"] < first["dcops_ups_battery_runtime_seconds"], "runtime falls"
        assert later["dcops_ups_time_on_battery_seconds"] > first["dcops_ups_time_on_battery_seconds"]
        _, crac, _ = probe(url, "sc-crac-01", "cooling")
        assert crac['dcops_cooling_alarm{unit="1.1.1"}'] == 1
        _, dist, _ = probe(url, "sc-dist-01", "health")
        assert [v for k, v in dist.items() if k.startswith("dcops_health_fan_up")].count(0) == 1
        _, pool1, _ = probe(url, "sc-stor-01", "storage")
        used = 'dcops_storage_pool_used_bytes{pool="FC_r6"}'
        assert pool1[used] > pool0[used] + 1e9, "the pool fills"
    finally:
        for device in ("sc-ups-01", "sc-crac-01", "sc-dist-01", "sc-stor-01"):
            clear_fault(lab, inv, device, storage=storage)
    time.sleep(1.2)
    _, ups, _ = probe(url, "sc-ups-01", "ups")
    assert ups["dcops_ups_on_battery"] == 0, "a cleared fault is gone"


def _silent_tcp_port() -> tuple[socket.socket, int]:
    """A TCP port that accepts connections and never speaks (a hung HTTPS server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock, sock.getsockname()[1]


def test_broken_devices_of_every_family_fail_inside_the_timeout(family_lab, monkeypatch):
    inv, lab, _, _, env = family_lab
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    agents = {mode: FaultAgent(mode) for mode in ("hang", "garbage", "truncated")}
    silent, silent_port = _silent_tcp_port()
    other_array = start_wsapi_lab(inv, ["sc-stor-01"], lab.logdir / "other-array")  # another password
    down_udp, = free_udp_ports(1)
    snmp_cases = {
        "no answer": lambda d: Endpoint("127.0.0.1", agents["hang"].port),
        "garbage": lambda d: Endpoint("127.0.0.1", agents["garbage"].port),
        "truncated reply": lambda d: Endpoint("127.0.0.1", agents["truncated"].port),
        "nothing listening": lambda d: Endpoint("127.0.0.1", down_udp),
        # a live agent of another family: the module's own table is missing from the answer
        "table missing": lambda d: lab.address_map.devices["sc-srv-16" if FAMILIES[d] != "host" else "sc-ups-01"]["snmp"],
    }
    families = {"ups": "sc-ups-01", "cooling": "sc-crac-01", "host": "sc-srv-22", "health": "sc-fw-01"}
    try:
        runs = []
        for case, where in snmp_cases.items():
            amap = AddressMap(devices={d: {"snmp": where(d)} for d in families.values()})
            runs += [(case, d, m, amap) for m, d in families.items()]
        runs += [("wrong community", d, m, lab.address_map) for d, m in WRONG_COMMUNITY.items()]
        snmp_ok = {"snmp": lab.address_map.devices["sc-stor-01"]["snmp"]}
        for case, port in (("no answer", silent_port), ("nothing listening", free_tcp_port()),
                           ("wrong login", other_array.address_map.devices["sc-stor-01"]["http"].port)):
            runs.append((case, "sc-stor-01", "storage",
                         AddressMap(devices={"sc-stor-01": {**snmp_ok, "http": Endpoint("127.0.0.1", port)}})))

        async def one(case, device, module, amap):
            started = time.monotonic()
            result = await Prober(inv, address_map=amap).probe(device, module, TIMEOUT)
            return case, device, module, result, time.monotonic() - started

        async def every():
            return await asyncio.gather(*(one(*run) for run in runs))

        loop = asyncio.new_event_loop()
        try:
            results = loop.run_until_complete(every())
        finally:
            loop.close()
        for case, device, module, result, took in results:
            assert not result.success, f"{module} {device} ({case}) succeeded"
            assert b"dcops_probe_success 0.0" in result.body
            assert took < TIMEOUT + 0.3, f"{module} {device} ({case}) took {took:.2f}s"
        assert len({(m, c) for c, _, m, *_ in results}) >= 5 * 4 + 3
    finally:
        for agent in agents.values():
            agent.stop()
        silent.close()
        other_array.stop()


@pytest.mark.skipif(shutil.which("prometheus") is None or shutil.which("prometheus-node-exporter") is None,
                    reason="Debian prometheus / prometheus-node-exporter missing")
def test_linux_servers_are_scraped_on_node_exporter_through_the_rendered_file_sd(inventory, tmp_path):
    node = start_node_exporter(tmp_path)
    prom = None
    try:
        port = int(node.url.rsplit(":", 1)[1])
        linux = sorted(d.name for d in inventory.devices if d.platform == "linux" and d.status == "active")
        amap = AddressMap(devices={n: {"http": Endpoint("127.0.0.1", port)} for n in linux})
        files = render(inventory, RenderOptions(exporter=f"127.0.0.1:{free_tcp_port()}", scrape_interval="2s",
                                                node_addresses=amap))
        node_files = [f for f in files if f.startswith("targets/node_")]
        assert node_files == ["targets/node_2s.json"]
        assert sorted(e["labels"]["instance"] for e in json.loads(files[node_files[0]])) == linux
        write_tree(tmp_path / "prom", files)
        prom = start_prometheus(tmp_path / "prom" / "prometheus.yml", tmp_path)
        deadline = time.monotonic() + 40
        up: dict[str, float] = {}
        while time.monotonic() < deadline and len(up) < len(linux):
            r = requests.get(f"{prom.url}/api/v1/query", params={"query": 'up{job="dcops_node_2s"} == 1'}, timeout=5)
            up = {s["metric"]["instance"]: float(s["value"][1]) for s in r.json()["data"]["result"]}
            time.sleep(0.5)
        assert sorted(up) == linux, f"node_exporter targets up: {sorted(up)}"
        r = requests.get(f"{prom.url}/api/v1/query", params={"query": 'count(node_cpu_seconds_total{instance="sc-srv-26"}) > 0'},
                         timeout=5)
        assert r.json()["data"]["result"], "node_exporter's metrics carry the device as instance"
    finally:
        if prom is not None:
            prom.stop()
        node.stop()
