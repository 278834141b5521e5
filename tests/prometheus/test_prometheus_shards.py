"""Shards, as a real Prometheus computes them: each shard's active targets are disjoint and
together they are every target of the unsharded config."""

from __future__ import annotations

import json
import shutil
import time

import pytest
import requests

from dcops_exporters.prometheus_cli import write_tree
from dcops_exporters.prometheus_render import RenderOptions, render
from dcops_inventory import load_inventory
from dcops_lab.snmp.services import free_tcp_port, start_prometheus

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("prometheus") is None, reason="Debian prometheus missing")]


def active_targets(url: str, discovered: int, timeout: float = 30) -> set[tuple[str, str]]:
    """(job, instance) of the probe jobs' active targets, once `discovered` targets of those
    jobs are known (kept or dropped by relabelling)."""
    deadline = time.monotonic() + timeout
    while True:
        data = requests.get(f"{url}/api/v1/targets", timeout=5).json()["data"]
        active = {(t["labels"]["job"], t["labels"]["instance"]) for t in data["activeTargets"]
                  if t["labels"]["job"] != "dcops_exporter"}
        dropped = [t for t in data["droppedTargets"] if t["discoveredLabels"]["job"] != "dcops_exporter"]
        if len(active) + len(dropped) >= discovered or time.monotonic() > deadline:
            return active
        time.sleep(0.3)


@pytest.mark.parametrize("which, jobs, targets", [
    ("lab", {"dcops_if_mib_30s", "dcops_wan_30s", "dcops_health_60s"}, 17),  # 8 if_mib + 1 WAN + 8 health
    ("mtpe", {"dcops_if_mib_15s", "dcops_if_mib_60s", "dcops_wan_15s", "dcops_cooling_60s", "dcops_health_60s",
              "dcops_host_60s", "dcops_storage_60s", "dcops_ups_60s"}, 407),  # if_mib/wan by tier, the families at 60 s
])
def test_shards_are_disjoint_and_complete(lab_inventory, tmp_path, which, jobs, targets):
    inv = lab_inventory if which == "lab" else load_inventory()
    dead_exporter = f"127.0.0.1:{free_tcp_port()}"  # discovery and relabelling need no scrape
    n = 3
    out_all, out_shards = tmp_path / "all", tmp_path / "shards"
    write_tree(out_all, render(inv, RenderOptions(exporter=dead_exporter)))
    write_tree(out_shards, render(inv, RenderOptions(exporter=dead_exporter, shards=n)))
    expected = sum(len(json.loads(p.read_bytes())) for p in (out_all / "targets").glob("*.json"))
    servers = []
    try:
        servers.append(start_prometheus(out_all / "prometheus.yml", tmp_path / "logs"))
        for k in range(n):
            servers.append(start_prometheus(out_shards / f"prometheus-shard-{k}.yml", tmp_path / "logs"))
        everything = active_targets(servers[0].url, expected)
        parts = [active_targets(s.url, expected) for s in servers[1:]]
    finally:
        for s in servers:
            s.stop()
    assert len(everything) == targets
    assert {job for job, _ in everything} == jobs
    assert set().union(*parts) == everything
    assert sum(len(p) for p in parts) == len(everything), "a target is in two shards"
    assert sum(1 for p in parts if p) >= 2, "hashmod put everything on one shard"
