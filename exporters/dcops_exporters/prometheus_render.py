"""Prometheus configuration derived from the inventory, as files in memory.

`render()` returns {relative path: bytes}; the same inventory and options always give the
same bytes (sorted targets, fixed key order, no timestamps). Targets are file_sd files,
one per probe job, one entry per device carrying the target labels (site, rack, role,
model, redundancy_group, scrape_tier) — metrics themselves never repeat those.

There is one probe job per exporter module and scrape interval that has targets
(`dcops_if_mib_15s`, `dcops_if_mib_60s`, `dcops_wan_15s`): a device's interval and
timeout come from its role's scrape tier in the inventory (`scrape_tiers`, see
dcops_inventory/models/monitoring.py), unless RenderOptions overrides them for every
tier. Each probe job also sets a `module` label, so queries and alerts can select a
module without knowing the intervals. With `shards > 1` every shard gets its own config
that keeps the devices whose `hashmod` of the device name equals its number: disjoint
and together complete, as Prometheus itself computes it.

`render_rules()` returns the rules and Alertmanager config (`rules/dcops-*.yml`,
`alertmanager.yml`) that dcops_slo derives from the inventory's goals and redundancy
groups, told what this config measures through a `MonitoredView`. A single
Prometheus loads them (`rule_files`) and sends alerts to `--alertmanager`. Shards do not:
a shard sees part of a redundancy group or of a service's components, so its rules would
report members missing that another shard scrapes. With shards, load `rules/` into the
ruler of the store they remote_write to (Thanos Ruler, Mimir ruler).

The config backup and compliance metrics (textfiles of `dcops ansible`) arrive through
the exporter's own job, always rendered, when the exporter runs with `--textfile-dir`;
`--textfile-exporter` adds a `dcops_textfile` job for a node_exporter serving them instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml

from dcops_exporters import DEFAULT_PORT
from dcops_exporters.coverage import NODE_EXPORTER_PORT, runs_node_exporter
from dcops_exporters.modules import MODULES, load_builtin_modules
from dcops_exporters.prometheus_access import ExporterAccess
from dcops_exporters.targets import InventoryIndex
from dcops_inventory import AddressMap, Inventory, UnsafeTargetError, resolve_endpoint
from dcops_inventory.endpoints import lab_only
from dcops_inventory.models import ScrapeTier
from dcops_inventory.models.monitoring import DEFAULT_TIMEOUT_MS, duration_ms, format_duration
from dcops_slo import MonitoredView, RuleOptions, render_alertmanager, render_rule_files
from dcops_slo.options import DEFAULT_ALERTMANAGER

load_builtin_modules()

SCRAPED_STATUSES = ("active",)
EXPORTER_JOB = "dcops_exporter"  # the dcops exporter's own /metrics, with the textfiles of its --textfile-dir
TEXTFILE_JOB = "dcops_textfile"  # node_exporter serving the Ansible textfiles (--textfile-exporter)
# What the exporter's /metrics holds besides its textfiles: the shards other than 0 keep only these
EXPORTER_OWN_METRICS = "(dcops_exporter|process)_.*"


@dataclass(frozen=True)
class RenderOptions:
    """`scrape_interval`/`scrape_timeout` override every scrape tier (None: the inventory's
    tiers). With only an interval, the timeout is min(10s, interval)."""

    exporter: str = f"localhost:{DEFAULT_PORT}"
    shards: int = 1
    remote_write: tuple[str, ...] = ()
    scrape_interval: str | None = None
    scrape_timeout: str | None = None
    # scheme, tls_config and basic_auth of every job that scrapes the dcops exporter
    access: ExporterAccess = field(default_factory=ExporterAccess)
    # also write scrape-configs.yml: only the scrape_configs, for an existing Prometheus
    fragment: bool = False
    # where the lab's node_exporters listen ("http" service per device); None: the
    # inventory's management address, port 9100 (see node_jobs for lab-only mode)
    node_addresses: AddressMap | None = None
    # where Prometheus sends alerts (alerting.alertmanagers)
    alertmanager: str = DEFAULT_ALERTMANAGER
    # node_exporter whose textfile collector reads the Ansible metrics (job dcops_textfile); None: no
    # job, the dcops exporter serves them (`dcops exporter serve --textfile-dir`, job dcops_exporter)
    textfile_exporter: str | None = None
    # rule profile, runbook base URL, notification webhooks (dcops_slo)
    rules: RuleOptions = field(default_factory=RuleOptions)

    def __post_init__(self):
        if self.shards < 1:
            raise ValueError(f"--shards must be at least 1, got {self.shards}")
        for option, address in (("--exporter", self.exporter), ("--alertmanager", self.alertmanager),
                                ("--textfile-exporter", self.textfile_exporter)):
            host, sep, port = (address or "h:1").rpartition(":")
            if not host or not sep or not port.isdigit() or "/" in (address or ""):
                raise ValueError(f"{option} must be HOST:PORT, got {address!r}")
        for url in self.remote_write:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"--remote-write must be an http(s) URL, got {url!r}")
        for option, value in (("--scrape-interval", self.scrape_interval), ("--scrape-timeout", self.scrape_timeout)):
            if value is not None:
                try:
                    duration_ms(value)
                except ValueError as exc:
                    raise ValueError(f"{option}: {exc}") from None
        if self.scrape_interval and self.scrape_timeout and \
                duration_ms(self.scrape_timeout) > duration_ms(self.scrape_interval):
            raise ValueError(f"--scrape-timeout {self.scrape_timeout} is longer than --scrape-interval {self.scrape_interval}")

    def scrape_settings(self, tier: ScrapeTier) -> tuple[int, int]:
        """(interval, timeout) in milliseconds for the devices of `tier`."""
        interval = duration_ms(self.scrape_interval) if self.scrape_interval else tier.interval_ms
        if self.scrape_timeout:
            timeout = duration_ms(self.scrape_timeout)
        elif self.scrape_interval:
            timeout = min(DEFAULT_TIMEOUT_MS, interval)
        else:
            timeout = tier.timeout_ms
        if timeout > interval:  # Prometheus refuses a timeout longer than the interval
            raise ValueError(f"--scrape-timeout {self.scrape_timeout} is longer than the "
                             f"{format_duration(interval)} interval of scrape tier {tier.name!r}")
        return interval, timeout


@dataclass(frozen=True)
class ProbeJob:
    """One scrape job: a module's targets that share a scrape interval."""

    module: str
    interval_ms: int
    timeout_ms: int
    targets: tuple[str, ...]  # device names, sorted
    tiers: tuple[str, ...]  # the scrape tiers its devices belong to, sorted

    @property
    def interval(self) -> str:
        return format_duration(self.interval_ms)

    @property
    def timeout(self) -> str:
        return format_duration(self.timeout_ms)

    @property
    def job_name(self) -> str:
        return f"dcops_{self.module}_{self.interval}"

    @property
    def targets_file(self) -> str:
        return f"targets/{self.module}_{self.interval}.json"


def module_targets(inv: Inventory, index: InventoryIndex, module: str) -> list[str]:
    """Devices the module probes: active, with an SNMP profile, in the module's roles."""
    mod = MODULES[module]
    out = []
    for dev in inv.devices:
        if dev.status not in SCRAPED_STATUSES or mod.unsupported(index, dev):
            continue
        if mod.roles and dev.role not in mod.roles:
            continue
        out.append(dev.name)
    return sorted(out)


def probe_jobs(inv: Inventory, opts: RenderOptions, index: InventoryIndex | None = None) -> list[ProbeJob]:
    """Every (module, interval) pair with targets, by module then interval."""
    index = index or InventoryIndex.build(inv)
    groups: dict[tuple[str, int], tuple[set[int], list[str], set[str]]] = {}
    for module in sorted(MODULES):
        for name in module_targets(inv, index, module):
            tier = inv.scrape_tier_of(inv.device(name))
            interval, timeout = opts.scrape_settings(tier)
            if not opts.scrape_interval:  # a module may ask for no faster than its minimum
                interval = max(interval, MODULES[module].min_interval_ms)
            timeouts, targets, tiers = groups.setdefault((module, interval), (set(), [], set()))
            timeouts.add(timeout)
            targets.append(name)
            tiers.add(tier.name)
    # Tiers of one interval have one timeout (checks.scrape_tiers); max() only matters for an
    # inventory loaded without checks.
    return [ProbeJob(module, interval, max(timeouts), tuple(targets), tuple(sorted(tiers)))
            for (module, interval), (timeouts, targets, tiers) in sorted(groups.items())]


@dataclass(frozen=True)
class NodeJob:
    """Linux servers scraped directly by Prometheus on their node_exporter (no dcops exporter)."""

    interval_ms: int
    timeout_ms: int
    targets: tuple[tuple[str, str], ...]  # (device, host:port), sorted

    @property
    def job_name(self) -> str:
        return f"dcops_node_{format_duration(self.interval_ms)}"

    @property
    def targets_file(self) -> str:
        return f"targets/node_{format_duration(self.interval_ms)}.json"


def node_jobs(inv: Inventory, opts: RenderOptions) -> list[NodeJob]:
    """node_exporter targets (coverage.runs_node_exporter) by scrape interval.

    Addresses go through the one resolver: the lab map when given. Under DCOPS_LAB_ONLY
    without a map, a production address is never written into a config a lab Prometheus
    could load: those targets are left out (tests render MTPE that way)."""
    groups: dict[int, tuple[set[int], list[tuple[str, str]]]] = {}
    for dev in sorted(inv.devices, key=lambda d: d.name):
        if dev.status not in SCRAPED_STATUSES or not runs_node_exporter(dev) or not dev.mgmt_ip:
            continue
        try:
            ep = resolve_endpoint(dev.name, inv.mgmt_address(dev, "primary"), "http", opts.node_addresses)
        except UnsafeTargetError:
            if opts.node_addresses is None and lab_only():
                continue
            raise
        port = ep.port if opts.node_addresses is not None else NODE_EXPORTER_PORT
        interval, timeout = opts.scrape_settings(inv.scrape_tier_of(dev))
        timeouts, targets = groups.setdefault(interval, (set(), []))
        timeouts.add(timeout)
        targets.append((dev.name, f"{ep.host}:{port}"))
    return [NodeJob(interval, max(timeouts), tuple(targets)) for interval, (timeouts, targets) in sorted(groups.items())]


def node_targets_file(inv: Inventory, job: NodeJob) -> bytes:
    entries = [{"targets": [address], "labels": {**target_labels(inv, name), "instance": name}}
               for name, address in job.targets]
    return (json.dumps(entries, indent=2, sort_keys=True) + "\n").encode()


def _node_job(job: NodeJob, opts: RenderOptions, shard: int | None) -> dict:
    relabel = [] if shard is None else [
        {"source_labels": ["instance"], "modulus": opts.shards, "target_label": "__tmp_shard", "action": "hashmod"},
        {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"},
    ]
    return {"job_name": job.job_name, "scrape_interval": format_duration(job.interval_ms),
            "scrape_timeout": format_duration(job.timeout_ms),
            "file_sd_configs": [{"files": [job.targets_file], "refresh_interval": "1m"}],
            **({"relabel_configs": relabel} if relabel else {})}


def target_labels(inv: Inventory, name: str) -> dict[str, str]:
    dev = inv.device(name)
    group = inv.redundancy_group_of(name)
    labels = {
        "site": dev.site,
        "rack": dev.rack or "",
        "role": dev.role,
        "model": inv.device_type_of(dev).model,
        "redundancy_group": group.name if group else "",
        "scrape_tier": inv.scrape_tier_of(dev).name,
    }
    return {k: v for k, v in labels.items() if v}


def targets_file(inv: Inventory, names: list[str] | tuple[str, ...]) -> bytes:
    entries = [{"targets": [n], "labels": target_labels(inv, n)} for n in names]
    return (json.dumps(entries, indent=2, sort_keys=True) + "\n").encode()


def _job(job: ProbeJob, opts: RenderOptions, shard: int | None) -> dict:
    relabel = [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
    ]
    if shard is not None:
        relabel += [
            {"source_labels": ["__param_target"], "modulus": opts.shards, "target_label": "__tmp_shard", "action": "hashmod"},
            {"source_labels": ["__tmp_shard"], "regex": str(shard), "action": "keep"},
        ]
    relabel += [
        {"target_label": "module", "replacement": job.module},
        {"target_label": "__address__", "replacement": opts.exporter},
    ]
    return {
        "job_name": job.job_name,
        "scrape_interval": job.interval,
        "scrape_timeout": job.timeout,
        "metrics_path": "/probe",
        **opts.access.job_fields(),
        "params": {"module": [job.module]},
        "file_sd_configs": [{"files": [job.targets_file], "refresh_interval": "1m"}],
        "relabel_configs": relabel,
    }


def prometheus_config(inv: Inventory, opts: RenderOptions, shard: int | None,
                      jobs: list[ProbeJob] | None = None) -> bytes:
    jobs = probe_jobs(inv, opts) if jobs is None else jobs
    external = {"dcops_inventory": inv.meta.name}
    if shard is not None:
        external["dcops_shard"] = f"{shard}-of-{opts.shards}"
    # The global interval (the exporter's own job, rule evaluation) is the shortest probe
    # job's, so rules see every fresh sample.
    interval, timeout = min(((j.interval_ms, j.timeout_ms) for j in jobs),
                            default=opts.scrape_settings(inv.default_scrape_tier()))
    config: dict = {
        "global": {
            "scrape_interval": format_duration(interval),
            "scrape_timeout": format_duration(timeout),
            "evaluation_interval": format_duration(interval),
            "external_labels": external,
        },
        "scrape_configs": [
            _exporter_job(opts, shard),
            *[_job(j, opts, shard) for j in jobs],
            *[_node_job(j, opts, shard) for j in node_jobs(inv, opts)],
        ],
    }
    if opts.textfile_exporter and shard in (None, 0):  # one shard is enough to read one textfile directory
        config["scrape_configs"].append({"job_name": TEXTFILE_JOB,
                                         "static_configs": [{"targets": [opts.textfile_exporter]}]})
    if shard is None:  # shards: rules belong to the ruler of the store they write to (module docstring)
        config = {"global": config["global"], "rule_files": ["rules/*.yml"],
                  "alerting": {"alertmanagers": [{"static_configs": [{"targets": [opts.alertmanager]}]}]},
                  "scrape_configs": config["scrape_configs"]}
    if opts.remote_write:
        config["remote_write"] = [{"url": url} for url in opts.remote_write]
    header = (f"# Generated by `dcops prometheus render` from inventory {inv.meta.name}; do not edit.\n"
              "# One probe job per exporter module and scrape interval (the inventory's scrape_tiers).\n"
              + (f"# Shard {shard} of {opts.shards}: keeps targets whose hashmod(device) == {shard}.\n"
                 if shard is not None else ""))
    return (header + yaml.safe_dump(config, sort_keys=False, default_flow_style=False, width=1000)).encode()


def _exporter_job(opts: RenderOptions, shard: int | None) -> dict:
    """The exporter's own /metrics, always scraped: its health, and the config backup and
    compliance textfiles it serves with --textfile-dir. Every shard watches the exporter,
    but only shard 0 keeps the textfile series, as only shard 0 has the dcops_textfile
    job: a global ruler must see each backup once, or every stale backup alerts N times."""
    job = {"job_name": EXPORTER_JOB, **opts.access.job_fields(), "static_configs": [{"targets": [opts.exporter]}]}
    if shard not in (None, 0):
        job["metric_relabel_configs"] = [{"source_labels": ["__name__"], "regex": EXPORTER_OWN_METRICS,
                                          "action": "keep"}]
    return job


def monitored_view(inv: Inventory, opts: RenderOptions, jobs: list[ProbeJob]) -> MonitoredView:
    """What the config measures, for dcops_slo: probed devices, node_exporter hosts, wan circuits."""
    modules: dict[str, set[str]] = {}
    for job in jobs:
        for name in job.targets:
            modules.setdefault(name, set()).add(job.module)
    direct = {name: job.job_name for job in node_jobs(inv, opts) for name, _ in job.targets}
    circuits = {c.name: device for device, terminated in InventoryIndex.build(inv).circuits.items()
                if "wan" in modules.get(device, ()) for c in terminated}
    exporter_jobs = (EXPORTER_JOB, TEXTFILE_JOB) if opts.textfile_exporter else (EXPORTER_JOB,)
    return MonitoredView({n: tuple(sorted(m)) for n, m in sorted(modules.items())}, direct, circuits, exporter_jobs)


def render_rules(inv: Inventory, opts: RenderOptions) -> dict[str, bytes]:
    """`rules/dcops-*.yml` and `alertmanager.yml` for what render() makes Prometheus scrape."""
    files = render_rule_files(inv, monitored_view(inv, opts, probe_jobs(inv, opts)), opts.rules)
    files["alertmanager.yml"] = render_alertmanager(inv, opts.rules)
    return files


def render(inv: Inventory, opts: RenderOptions) -> dict[str, bytes]:
    jobs = probe_jobs(inv, opts)
    files: dict[str, bytes] = {job.targets_file: targets_file(inv, job.targets) for job in jobs}
    files.update({job.targets_file: node_targets_file(inv, job) for job in node_jobs(inv, opts)})
    if opts.shards == 1:
        files["prometheus.yml"] = prometheus_config(inv, opts, None, jobs)
        if opts.fragment:
            files["scrape-configs.yml"] = scrape_configs_fragment(files["prometheus.yml"], None, opts)
    else:
        for k in range(opts.shards):
            files[f"prometheus-shard-{k}.yml"] = prometheus_config(inv, opts, k, jobs)
            if opts.fragment:
                files[f"scrape-configs-shard-{k}.yml"] = scrape_configs_fragment(
                    files[f"prometheus-shard-{k}.yml"], k, opts)
    return files


def scrape_configs_fragment(config: bytes, shard: int | None, opts: RenderOptions) -> bytes:
    """The `scrape_configs` of a rendered config alone, for a Prometheus that already has
    its own global settings: paste the list into its prometheus.yml, or name the file in
    `scrape_config_files` (Prometheus 2.43 and later). The file_sd paths (`targets/...`)
    are relative, so keep the file beside targets/ or adjust them."""
    scrape_configs = yaml.safe_load(config)["scrape_configs"]
    header = ("# Generated by `dcops prometheus render --fragment`; do not edit.\n"
              "# The scrape_configs of " + (f"prometheus-shard-{shard}.yml" if shard is not None else "prometheus.yml")
              + " alone, for an existing Prometheus (scrape_config_files, or paste the list).\n"
              "# Relative paths (targets/*.json) are read from the directory of the file that names them.\n")
    return (header + yaml.safe_dump({"scrape_configs": scrape_configs}, sort_keys=False, default_flow_style=False,
                                    width=1000)).encode()
