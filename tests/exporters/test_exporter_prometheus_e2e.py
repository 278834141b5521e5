"""A real Prometheus (Debian 2.42) scraping the exporter with the config rendered from the
inventory: every lab target is up and traffic rates are non-zero. Prometheus only ever
contacts the exporter on 127.0.0.1; the exporter reaches devices through the lab map."""

from __future__ import annotations

import shutil
import time

import pytest
import requests

from dcops_lab.snmp.monitoring import start_monitoring_lab

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian prometheus missing")]


def query(url: str, promql: str) -> list[dict]:
    r = requests.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10)
    r.raise_for_status()
    return r.json()["data"]["result"]


def wait_for(url: str, promql: str, ok, timeout: float = 45.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        result = query(url, promql)
        if ok(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_prometheus_scrapes_every_lab_target_successfully(lab_inventory, tmp_path):
    with start_monitoring_lab(lab_inventory, tmp_path, scrape_interval="2s", scrape_timeout="2s") as lab:
        expected = {(job, name) for job, names in lab.targets.items() for name in names}
        assert len(expected) == 17  # 8 if_mib, 1 wan, 8 health (the switches, router and firewall)
        assert set(lab.targets) == {"dcops_if_mib_2s", "dcops_wan_2s", "dcops_health_2s"}  # one job per module
        url = lab.prometheus.url
        ok = wait_for(url, "dcops_probe_success == 1",
                      lambda r: {(s["metric"]["job"], s["metric"]["instance"]) for s in r} >= expected)
        succeeded = {(s["metric"]["job"], s["metric"]["instance"]) for s in ok}
        assert succeeded == expected, f"not succeeding: {expected - succeeded}"
        # target labels come from file_sd, not from the exporter
        core = next(s["metric"] for s in ok if s["metric"]["instance"] == "sc-core-01" and s["metric"]["module"] == "if_mib")
        assert (core["site"], core["role"], core["redundancy_group"]) == ("sc", "core_switch", "sc-core")
        assert (core["module"], core["scrape_tier"]) == ("if_mib", "default")
        rates = wait_for(url, "sum by (instance) (rate(dcops_interface_receive_bytes_total[10s])) > 0",
                         lambda r: len(r) >= 8)
        assert {s["metric"]["instance"] for s in rates} == set(lab.devices_of("if_mib"))
        wan = wait_for(url, "rate(dcops_wan_receive_bytes_total[10s]) / dcops_wan_committed_rate_bytes_per_second",
                       lambda r: len(r) == 1)
        assert 0 < float(wan[0]["value"][1]) < 1
        up = query(url, 'up{job="dcops_exporter"}')
        assert [float(s["value"][1]) for s in up] == [1.0]
        # Prometheus never had a target outside loopback
        active = requests.get(f"{url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        assert {t["scrapeUrl"].split("/")[2] for t in active} == {lab.exporter.url.removeprefix("http://")}
