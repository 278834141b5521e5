"""What a dashboard is built from: the inventory, and what the rendered Prometheus config measures.

A panel is only worth drawing over series that exist. Which modules have targets, which
circuits the `wan` module reads, which redundancy groups and goals get rules: all of it
comes from the functions `dcops prometheus render` itself uses (`probe_jobs`,
`monitored_view`), so a dashboard never shows a panel the scrape config or the rules
cannot feed, and what they leave out is listed on the dashboard instead.

The view is taken without resolving node_exporter addresses. A dashboard needs to know
which servers Prometheus scrapes directly (and so in which job), not where they listen;
and the dashboards must be the same bytes whether or not DCOPS_LAB_ONLY is set (that guard
leaves production addresses, and so those servers, out of a rendered scrape config).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

from dcops_exporters.coverage import NODE_EXPORTER_PORT, runs_node_exporter
from dcops_exporters.prometheus_render import ProbeJob, RenderOptions, monitored_view, node_jobs, probe_jobs
from dcops_exporters.targets import InventoryIndex
from dcops_inventory import AddressMap, Endpoint, Inventory
from dcops_slo import MonitoredView

DATASOURCE_VARIABLE = "datasource"
_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class DashboardOptions:
    """Where Grafana finds Prometheus and the dashboard files; ValueError naming the option."""

    prometheus_url: str = "http://localhost:9090"
    dashboards_path: str = "/var/lib/grafana/dashboards/dcops"  # as Grafana sees it
    datasource_uid: str = "dcops-prometheus"
    datasource_name: str = "dcops Prometheus"
    folder: str = "dcops"

    def __post_init__(self):
        if not self.prometheus_url.startswith(("http://", "https://")):
            raise ValueError(f"--prometheus-url must be an http(s) URL, got {self.prometheus_url!r}")
        if not self.dashboards_path.startswith("/"):
            raise ValueError(f"--dashboards-path must be an absolute path (as Grafana sees it), "
                             f"got {self.dashboards_path!r}")
        if not _UID.match(self.datasource_uid):
            raise ValueError(f"--datasource-uid must be 1-40 letters, digits, '-' or '_', got {self.datasource_uid!r}")
        if not self.datasource_name.strip() or not self.folder.strip():
            raise ValueError("--datasource-name and --folder must not be empty")


def _view_without_addresses(inv: Inventory, opts: RenderOptions, jobs: list[ProbeJob]) -> tuple[MonitoredView, int]:
    """The MonitoredView `dcops prometheus render` gives the rules, with every node_exporter server
    mapped to one placeholder endpoint (only job names and intervals are read from it); and the
    longest node_exporter job interval in seconds (0 without such servers)."""
    servers = {d.name: {"http": Endpoint("127.0.0.1", NODE_EXPORTER_PORT)} for d in inv.devices
               if d.status == "active" and d.mgmt_ip and runs_node_exporter(d)}
    opts = replace(opts, node_addresses=AddressMap(devices=servers, source="dashboards: job names only"))
    longest = max((job.interval_ms for job in node_jobs(inv, opts)), default=0) // 1000
    return monitored_view(inv, opts, jobs), longest


@dataclass(frozen=True)
class Context:
    """Everything the dashboard modules read, computed once per render."""

    inv: Inventory
    view: MonitoredView
    jobs: tuple[ProbeJob, ...]
    node_interval_seconds: int  # longest node_exporter job interval, 0 when none
    options: DashboardOptions

    @classmethod
    def build(cls, inv: Inventory, options: DashboardOptions) -> "Context":
        opts = RenderOptions()
        jobs = probe_jobs(inv, opts)
        view, node_interval = _view_without_addresses(inv, opts, jobs)
        return cls(inv, view, tuple(jobs), node_interval, options)

    @cached_property
    def modules(self) -> frozenset[str]:
        """Exporter modules with at least one target."""
        return frozenset(job.module for job in self.jobs)

    @cached_property
    def index(self) -> InventoryIndex:
        """The exporter's per-device lookups (interface roles, circuits by device)."""
        return InventoryIndex.build(self.inv)

    def has(self, module: str) -> bool:
        return module in self.modules

    @property
    def node_exporter(self) -> bool:
        """Whether Prometheus scrapes any server's node_exporter directly."""
        return bool(self.view.device_jobs)

    def targets_of(self, module: str) -> list[str]:
        return sorted(name for job in self.jobs if job.module == module for name in job.targets)

    @property
    def slowest_interval_seconds(self) -> int:
        """The longest scrape interval of any job. The datasource's `timeInterval` is set to it, so
        Grafana's $__rate_interval (at least 4 x that) always spans enough samples of every tier."""
        probes = max((job.interval_ms for job in self.jobs), default=0) // 1000
        return max(probes, self.node_interval_seconds) or 60
