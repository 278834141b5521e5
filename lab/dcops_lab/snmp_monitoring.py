"""The whole SNMP monitoring path of the lab in one call, for `dcops lab` and tests:
snmpsim agents -> dcops exporter -> Prometheus with the config rendered from the inventory.

Prometheus only ever talks to the exporter on 127.0.0.1 (targets are device names, the
address is rewritten to the exporter); the exporter reaches the agents through the lab's
address map. Nothing here can contact an inventory address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dcops_inventory import Inventory
from dcops_exporters.prometheus_cli import write_tree
from dcops_exporters.prometheus_render import RenderOptions, render
from dcops_lab.snmp_lab import SnmpLab, start_snmp_lab
from dcops_lab.snmp_services import Service, start_dcops_exporter, start_prometheus


@dataclass
class MonitoringLab:
    snmp: SnmpLab
    exporter: Service
    config_dir: Path
    prometheus: Service | None = None
    targets: dict[str, list[str]] = field(default_factory=dict)  # job -> device names

    def stop(self) -> None:
        for service in (self.prometheus, self.exporter):
            if service is not None:
                service.stop()
        self.snmp.stop()

    def __enter__(self) -> "MonitoringLab":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_monitoring_lab(inv: Inventory, workdir: str | Path, *, prometheus: bool = True,
                         scrape_interval: str = "15s", scrape_timeout: str = "10s",
                         workers: int | None = None) -> MonitoringLab:
    """Simulate every device the rendered Prometheus config scrapes, and scrape it."""
    workdir = Path(workdir)
    config_dir = workdir / "prometheus"
    # Render once with a placeholder to learn the targets, then again with the real exporter.
    targets = {f"dcops_{p.removeprefix('targets/').removesuffix('.json')}": [e["targets"][0] for e in json.loads(b)]
               for p, b in render(inv, RenderOptions()).items() if p.startswith("targets/")}
    devices = sorted({d for names in targets.values() for d in names})
    snmp, amap = start_snmp_lab(inv, devices, workdir / "snmp", workers=workers)
    exporter = prom = None
    try:
        exporter = start_dcops_exporter(inv.root, amap, workdir, secret_env=snmp.env)
        write_tree(config_dir, render(inv, RenderOptions(exporter=exporter.url.removeprefix("http://"),
                                                         scrape_interval=scrape_interval,
                                                         scrape_timeout=scrape_timeout)))
        if prometheus:
            prom = start_prometheus(config_dir / "prometheus.yml", workdir)
    except BaseException:
        if exporter is not None:
            exporter.stop()
        snmp.stop()
        raise
    return MonitoringLab(snmp, exporter, config_dir, prom, targets)
