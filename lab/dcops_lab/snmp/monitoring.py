"""The whole SNMP monitoring path of the lab in one call, for `dcops lab` and tests:
snmpsim agents -> dcops exporter -> Prometheus with the config rendered from the inventory.

Prometheus only ever talks to the exporter on 127.0.0.1 (targets are device names, the
address is rewritten to the exporter); the exporter reaches the agents through the lab's
address map. Nothing here can contact an inventory address.

Scrape intervals are the inventory's scrape tiers, as production renders them (MTPE: 15 s
for the network core, 60 s for the access switches, which keeps the 2-core lab machine out
of overload); tests pass `scrape_interval`/`scrape_timeout` to override every tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from dcops_exporters.prometheus_render import ProbeJob, RenderOptions, probe_jobs, render
from dcops_exporters.render_files import write_tree
from dcops_inventory import Inventory
from dcops_lab.snmp.lab import SnmpLab, start_snmp_lab
from dcops_lab.snmp.services import Service, start_dcops_exporter, start_prometheus


@dataclass
class MonitoringLab:
    snmp: SnmpLab
    exporter: Service
    config_dir: Path
    prometheus: Service | None = None
    targets: dict[str, list[str]] = field(default_factory=dict)  # job -> device names
    jobs: list[ProbeJob] = field(default_factory=list)  # the rendered probe jobs, with their intervals

    def devices_of(self, module: str) -> list[str]:
        """Every device a module probes, whatever its job (the module's jobs are disjoint)."""
        return sorted(name for job in self.jobs if job.module == module for name in job.targets)

    @property
    def longest_interval_seconds(self) -> float:
        """The slowest probe job's interval: every target is scraped once within it."""
        return max((job.interval_ms for job in self.jobs), default=0) / 1000

    @property
    def longest_timeout_seconds(self) -> float:
        return max((job.timeout_ms for job in self.jobs), default=0) / 1000

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
                         scrape_interval: str | None = None, scrape_timeout: str | None = None,
                         workers: int | None = None) -> MonitoringLab:
    """Simulate every device the rendered Prometheus config scrapes, and scrape it.

    Intervals and timeouts are the inventory's scrape tiers; `scrape_interval` and
    `scrape_timeout` override every tier (tests scrape every 2 s)."""
    workdir = Path(workdir)
    config_dir = workdir / "prometheus"
    overrides = RenderOptions(scrape_interval=scrape_interval, scrape_timeout=scrape_timeout)
    jobs = probe_jobs(inv, overrides)  # the jobs do not depend on the exporter's address
    targets = {job.job_name: list(job.targets) for job in jobs}
    devices = sorted({d for names in targets.values() for d in names})
    snmp, amap = start_snmp_lab(inv, devices, workdir / "snmp", workers=workers)
    exporter = prom = None
    try:
        exporter = start_dcops_exporter(inv.root, amap, workdir, secret_env=snmp.env)
        write_tree(config_dir, render(inv, replace(overrides, exporter=exporter.url.removeprefix("http://"))))
        if prometheus:
            prom = start_prometheus(config_dir / "prometheus.yml", workdir)
    except BaseException:
        if exporter is not None:
            exporter.stop()
        snmp.stop()
        raise
    return MonitoringLab(snmp, exporter, config_dir, prom, targets, jobs)
