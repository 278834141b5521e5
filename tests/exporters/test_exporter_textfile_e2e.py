"""Config backup freshness end to end, the default way: `dcops ansible backup`'s textfile
served by `dcops exporter serve --textfile-dir`, scraped by a real Prometheus (Debian) with
the config and rules of `dcops prometheus render` (no --textfile-exporter: the exporter's
own job carries the metrics), until ConfigBackupStale fires for the device whose last
backup is two days old, and only for it. The lab rule profile makes `for:` 10 s.

Everything listens on 127.0.0.1 and is stopped by the test. The exporter has an empty
address map and DCOPS_LAB_ONLY=1: its probes fail at the lab guard without sending a packet.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
import requests
from fixture_paths import LAB_INVENTORY

from dcops_ansible.backup import metrics_families
from dcops_ansible.metrics import write_textfile
from dcops_inventory import AddressMap
from dcops_lab.snmp.services import LOOPBACK, free_tcp_port, start_dcops_exporter, start_prometheus

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian prometheus missing")]

DAY = 86400


def alerts(url: str, name: str) -> list[dict]:
    r = requests.get(f"{url}/api/v1/alerts", timeout=10)
    r.raise_for_status()
    return [a for a in r.json()["data"]["alerts"] if a["labels"]["alertname"] == name]


def query(url: str, promql: str) -> list[dict]:
    r = requests.get(f"{url}/api/v1/query", params={"query": promql}, timeout=10)
    r.raise_for_status()
    return r.json()["data"]["result"]


def test_a_two_day_old_backup_fires_config_backup_stale_through_the_exporter(tmp_path):
    metrics_dir = tmp_path / "metrics"
    now = time.time()
    state = {"sc-core-01": {"ok": True, "last_success": now - 2 * DAY, "last_change": now - 30 * DAY},
             "sc-core-02": {"ok": True, "last_success": now - 600, "last_change": now - 30 * DAY}}
    write_textfile(metrics_dir / "dcops_config_backup.prom", metrics_families(state, now))
    (tmp_path / "logs").mkdir()

    exporter = start_dcops_exporter(LAB_INVENTORY, AddressMap(source="empty"), tmp_path / "logs", secret_env={},
                                    extra_args=["--textfile-dir", str(metrics_dir)])
    prometheus = None
    try:
        out = tmp_path / "prometheus"
        res = subprocess.run([sys.executable, "-m", "dcops", "prometheus", "render", "--out", str(out),
                              "--inventory", str(LAB_INVENTORY), "--exporter", exporter.url.removeprefix("http://"),
                              "--alertmanager", f"{LOOPBACK}:{free_tcp_port()}", "--scrape-interval", "2s",
                              "--rule-profile", "lab"], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        assert "dcops_textfile" not in (out / "prometheus.yml").read_text()
        prometheus = start_prometheus(out / "prometheus.yml", tmp_path / "logs")
        url = prometheus.url

        deadline = time.monotonic() + 90
        firing: list[dict] = []
        while time.monotonic() < deadline:
            firing = [a for a in alerts(url, "ConfigBackupStale") if a["state"] == "firing"]
            if firing:
                break
            time.sleep(1)
        assert firing, f"ConfigBackupStale never fired; pending: {alerts(url, 'ConfigBackupStale')}\n" \
                       f"{exporter.log_tail()}"
        assert [(a["labels"]["device"], a["labels"]["job"], a["labels"]["instance"]) for a in firing] == [
            ("sc-core-01", "dcops_exporter", exporter.url.removeprefix("http://"))]
        assert firing[0]["annotations"]["summary"] == "The config backup of sc-core-01 is older than a day"
        # the fresh device stays quiet and the backups are known to be watched
        assert not [a for a in alerts(url, "ConfigBackupStale") if a["labels"]["device"] == "sc-core-02"]
        assert not alerts(url, "ConfigBackupMetricsAbsent")
        assert [s["value"][1] for s in query(url, "dcops_exporter_textfile_scrape_error")] == ["0"]
        mtime = query(url, "dcops_exporter_textfile_mtime_seconds")
        assert [s["metric"]["file"] for s in mtime] == [str(metrics_dir.resolve() / "dcops_config_backup.prom")]
        # Prometheus only ever talked to the exporter
        active = requests.get(f"{url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        assert {t["scrapeUrl"].split("/")[2] for t in active} == {exporter.url.removeprefix("http://")}
    finally:
        if prometheus is not None:
            prometheus.stop()
        exporter.stop()
    assert exporter.proc.poll() is not None and (prometheus is None or prometheus.proc.poll() is not None)
