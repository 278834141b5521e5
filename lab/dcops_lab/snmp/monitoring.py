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

from dcops_exporters.coverage import runs_node_exporter
from dcops_exporters.prometheus_render import ProbeJob, RenderOptions, probe_jobs, render
from dcops_exporters.render_files import write_tree
from dcops_inventory import AddressMap, Endpoint, Inventory
from dcops_lab.snmp.lab import SnmpLab, start_snmp_lab
from dcops_lab.snmp.services import Service, start_dcops_exporter, start_node_exporter, start_prometheus
from dcops_lab.snmp.wsapi import WsapiLab, start_wsapi_lab


@dataclass
class MonitoringLab:
    snmp: SnmpLab
    exporter: Service
    config_dir: Path
    prometheus: Service | None = None
    targets: dict[str, list[str]] = field(default_factory=dict)  # job -> device names
    jobs: list[ProbeJob] = field(default_factory=list)  # the rendered probe jobs, with their intervals
    storage: WsapiLab | None = None  # the simulated arrays' REST API (storage module)
    node_exporter: Service | None = None  # every Linux server's node_exporter, on loopback

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
        for service in (self.prometheus, self.exporter, self.node_exporter):
            if service is not None:
                service.stop()
        if self.storage is not None:
            self.storage.stop()
        self.snmp.stop()

    def __enter__(self) -> "MonitoringLab":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def node_exporter_devices(inv: Inventory) -> list[str]:
    """Linux servers, which Prometheus scrapes on their node_exporter rather than through the
    dcops exporter: in the lab all of them on one real node_exporter on loopback."""
    return sorted(d.name for d in inv.devices if d.status == "active" and d.mgmt_ip and runs_node_exporter(d))


def node_exporter_map(devices: list[str], port: int) -> AddressMap:
    """Every one of `devices` at the lab's node_exporter (never an inventory address)."""
    return AddressMap(devices={n: {"http": Endpoint("127.0.0.1", port)} for n in devices}, source="node-exporter-lab")


def start_monitoring_lab(inv: Inventory, workdir: str | Path, *, prometheus: bool = True,
                         scrape_interval: str | None = None, scrape_timeout: str | None = None,
                         workers: int | None = None, textfile_dirs: tuple[Path, ...] = ()) -> MonitoringLab:
    """Simulate every device the rendered Prometheus config scrapes, and scrape it.

    Intervals and timeouts are the inventory's scrape tiers; `scrape_interval` and
    `scrape_timeout` override every tier (tests scrape every 2 s). The exporter also serves
    the `*.prom` files of `textfile_dirs` (the Ansible metrics; created if missing)."""
    workdir = Path(workdir)
    config_dir = workdir / "prometheus"
    overrides = RenderOptions(scrape_interval=scrape_interval, scrape_timeout=scrape_timeout)
    jobs = probe_jobs(inv, overrides)  # the jobs do not depend on the exporter's address
    targets = {job.job_name: list(job.targets) for job in jobs}
    devices = sorted({d for names in targets.values() for d in names})
    snmp, amap = start_snmp_lab(inv, devices, workdir / "snmp", workers=workers)
    lab = MonitoringLab(snmp, None, config_dir, None, targets, jobs)  # type: ignore[arg-type]
    try:
        arrays = sorted(d for job in jobs if job.module == "storage" for d in job.targets)
        if arrays:
            lab.storage = start_wsapi_lab(inv, arrays, workdir / "wsapi")
            amap = amap.merged(lab.storage.address_map)
        linux = node_exporter_devices(inv)
        if linux:
            lab.node_exporter = start_node_exporter(workdir)
            port = int(lab.node_exporter.url.rsplit(":", 1)[1])
            overrides = replace(overrides, node_addresses=node_exporter_map(linux, port))
        env = {**snmp.env, **(lab.storage.env if lab.storage else {})}
        for directory in textfile_dirs:
            directory.mkdir(parents=True, exist_ok=True)
        lab.exporter = start_dcops_exporter(inv.root, amap, workdir, secret_env=env, extra_args=[
            arg for directory in textfile_dirs for arg in ("--textfile-dir", str(directory))])
        write_tree(config_dir, render(inv, replace(overrides, exporter=lab.exporter.url.removeprefix("http://"))))
        if prometheus:
            lab.prometheus = start_prometheus(config_dir / "prometheus.yml", workdir)
    except BaseException:
        lab.stop()
        raise
    return lab
