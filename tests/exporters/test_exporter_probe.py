"""The exporter against snmpsim: what a Prometheus scrape of /probe gets back."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": "5"}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def by_interface(text: str, name: str) -> dict[str, float]:
    return {dict(labels)["interface"]: v for (n, labels), v in samples(text).items() if n == name}


def probe(exporter, target, module, **params):
    return requests.get(f"{exporter.url}/probe", params={"target": target, "module": module, **params},
                        headers=HEADERS, timeout=10)


def test_if_mib_probe_reports_every_inventory_port_with_inventory_labels(exporter, lab_inventory):
    r = probe(exporter, "sc-edge-01", "if_mib")
    assert r.status_code == 200
    s = samples(r.text)
    assert s[("dcops_probe_success", ())] == 1
    ports = lab_inventory.device_interfaces(lab_inventory.device("sc-edge-01"))
    speeds = by_interface(r.text, "dcops_interface_speed_bytes_per_second")
    assert speeds == {p.name: p.speed_mbps * 1e6 / 8 for p in ports}
    assert set(by_interface(r.text, "dcops_interface_receive_bytes_total")) == {p.name for p in ports}
    info = {dict(labels)["interface"]: dict(labels) for (n, labels), _ in s.items() if n == "dcops_interface_info"}
    uplink = info["TenGigabitEthernet1/1/1"]
    assert (uplink["description"], uplink["role"], uplink["peer"]) == ("uplink sc-core-01", "uplink", "sc-core-01:Ethernet1")
    # no site/role baked into metrics: those are target labels from file_sd
    assert not any("site" in dict(labels) for (_n, labels) in s)


def test_counters_grow_at_a_plausible_rate(exporter, lab_inventory):
    first = probe(exporter, "sc-core-01", "if_mib")
    t0 = time.monotonic()
    time.sleep(1.5)
    second = probe(exporter, "sc-core-01", "if_mib")
    dt = time.monotonic() - t0
    rx0, rx1 = (by_interface(r.text, "dcops_interface_receive_bytes_total") for r in (first, second))
    speed = by_interface(second.text, "dcops_interface_speed_bytes_per_second")
    rates = {n: (rx1[n] - rx0[n]) / dt for n in rx1}
    assert all(rates[n] >= 0 for n in rates)
    assert any(rates[n] > 0 for n in rates)
    assert all(rates[n] <= speed[n] * 1.1 for n in rates), "faster than the port can carry"


def test_wan_probe_exposes_traffic_against_the_contracted_capacity(exporter):
    a = samples(probe(exporter, "sc-rtr-01", "wan").text)
    time.sleep(1.0)
    b = samples(probe(exporter, "sc-rtr-01", "wan").text)
    key = ("dcops_wan_committed_rate_bytes_per_second", (("circuit", "sc-internet-01"),))
    assert b[key] == 200e6 / 8
    rx = ("dcops_wan_receive_bytes_total", (("circuit", "sc-internet-01"),))
    utilisation = (b[rx] - a[rx]) / 1.0 / b[key]
    assert 0 < utilisation < 1.2
    assert b[("dcops_wan_up", (("circuit", "sc-internet-01"),))] == 1


@pytest.mark.parametrize("params,reason,text", [
    ({"target": "nope", "module": "if_mib"}, "unknown_target", "unknown target 'nope'"),
    ({"target": "sc-edge-01", "module": "nope"}, "unknown_module", "valid: cooling, health, host, if_mib, storage, ups, wan"),
    ({"target": "sc-edge-01", "module": "wan"}, "unsupported_target", "terminates no circuit"),
    ({"module": "if_mib"}, "missing_target", "'target' parameter"),
])
def test_bad_requests_get_400_and_a_counter(exporter, params, reason, text):
    def count():
        m = samples(requests.get(f"{exporter.url}/metrics", timeout=5).text)
        return m.get(("dcops_exporter_invalid_requests_total", (("reason", reason),)), 0)

    before = count()
    r = requests.get(f"{exporter.url}/probe", params=params, timeout=5)
    assert r.status_code == 400
    assert text in r.text
    assert count() == before + 1


def test_metrics_endpoint_carries_only_the_exporters_own_metrics(exporter):
    probe(exporter, "sc-edge-01", "if_mib")
    text = requests.get(f"{exporter.url}/metrics", timeout=5).text
    names = {f.name for f in text_string_to_metric_families(text)}
    assert "dcops_exporter_probes" in names and "process_resident_memory_bytes" in names
    assert not any(n.startswith(("dcops_interface", "dcops_probe", "dcops_wan")) for n in names)


def test_debug_shows_the_probe_log_and_no_secret_anywhere(exporter, snmp_lab):
    r = probe(exporter, "sc-edge-01", "if_mib", debug="true")
    assert r.status_code == 200
    assert "probing sc-edge-01 with module if_mib at 127.0.0.1:" in r.text
    assert "profile switches-v2c" in r.text
    outputs = [r.text, probe(exporter, "sc-rtr-01", "wan").text, requests.get(f"{exporter.url}/metrics").text,
               exporter.log.read_text()]
    for community in snmp_lab.env.values():
        assert all(community not in out for out in outputs)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) missing")
@pytest.mark.parametrize("target,module", [("sc-edge-01", "if_mib"), ("sc-rtr-01", "wan")])
def test_promtool_check_metrics_accepts_probe_output(exporter, target, module):
    body = probe(exporter, target, module).content
    res = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert res.returncode == 0, res.stdout.decode() + res.stderr.decode()


def test_exporter_timeout_follows_the_scrape_timeout_header(exporter):
    r = requests.get(f"{exporter.url}/probe", params={"target": "sc-edge-01", "module": "if_mib", "debug": "true"},
                     headers={"X-Prometheus-Scrape-Timeout-Seconds": "3"}, timeout=10)
    assert "timeout 2.50s" in r.text
