"""`dcops lab up` and `dcops lab down`: the simulated data center with its alerting path, kept running.

`up` renders the configuration (lab rule profile, Alertmanager pointed at the lab's
receiver), then starts one stage after the other, each a process of its own on 127.0.0.1
recorded in the state file the moment it runs: the webhook receiver, Alertmanager, the
switch fleet over SSH, the SNMP agents and the relay in front of them (relay.py: how a
device goes down), the storage arrays' API, node_exporter, the dcops exporter and Prometheus; last it waits for the first scrape of every target. A stage that
fails stops everything started before it. `up` on a lab that is up says so and starts
nothing; a taken port is refused before anything starts.

`down` stops every recorded process group (SIGTERM, then SIGKILL after a grace period)
in the reverse order, whether or not some already died, removes the agents' private data
and forgets the state; logs, the rendered configuration and what the receiver recorded
stay for reading until the next `up`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import yaml

from dcops_exporters.prometheus_render import ProbeJob, RenderOptions, probe_jobs, render, render_rules
from dcops_exporters.render_files import write_tree
from dcops_inventory import AddressMap, Inventory
from dcops_inventory.atomicfile import write_atomic
from dcops_lab.env import processes
from dcops_lab.env.alerting import lab_timing, start_alertmanager, start_webhook
from dcops_lab.env.relay import ADDRESS_MAP as RELAY_MAP
from dcops_lab.env.relay import READY_FILE as RELAY_READY
from dcops_lab.env.state import LabState, locked
from dcops_lab.env.wsapi_host import ADDRESS_MAP, READY_FILE
from dcops_lab.snmp.monitoring import node_exporter_devices, node_exporter_map
from dcops_lab.snmp.services import LOOPBACK, free_tcp_port, start_dcops_exporter, start_node_exporter, start_prometheus
from dcops_slo import RuleOptions

NOTIFICATIONS = "webhook/notifications.jsonl"
CONFIG_DIR = "prometheus"
# what a new `up` clears of the last run (after making sure nothing of it runs)
RUN_OUTPUTS = ("logs", CONFIG_DIR, "prometheus-data", "alertmanager-data", "webhook", "fleet", "snmp", "relay",
               "storage", "exporter", "secrets.env", "address-map.yaml")
STOP_GRACE = {"switch-fleet": 30.0}  # FakeNOS stops a server per device


class LabInputError(ValueError):
    """`up` cannot start: a port is taken, or a lab of another inventory is (partly) running."""


class LabUpError(RuntimeError):
    """A stage failed; everything started before it has been stopped."""


@dataclass(frozen=True)
class LabPorts:
    """The TCP ports an operator points a browser or a tool at (the agents take free ones)."""

    exporter: int = 19116
    prometheus: int = 19090
    alertmanager: int = 19093
    webhook: int = 19095

    def as_dict(self) -> dict[str, int]:
        return {"exporter": self.exporter, "prometheus": self.prometheus, "alertmanager": self.alertmanager,
                "webhook": self.webhook}


@dataclass(frozen=True)
class UpOptions:
    state_dir: Path
    ports: LabPorts = LabPorts()
    scrape_interval: str | None = None  # None: the inventory's scrape tiers
    scrape_timeout: str | None = None
    retention: str = "2d"
    wait_for_scrapes: bool = True


@dataclass
class Progress:
    """Callbacks `up` reports through: the stages it will run, each start, each end."""

    plan: Callable[[list[str]], None] = lambda names: None
    start: Callable[[str], None] = lambda name: None
    done: Callable[[str, str, float], None] = lambda name, detail, seconds: None


@dataclass
class UpContext:
    inv: Inventory
    opts: UpOptions
    state: LabState
    jobs: list[ProbeJob]
    linux: list[str]
    node_port: int
    ssh_env: dict[str, str] = field(repr=False)
    exporter_env: dict[str, str] = field(default_factory=dict, repr=False)
    address_map: AddressMap = field(default_factory=AddressMap)  # what the exporter reaches

    def path(self, *parts: str) -> Path:
        return self.state.root.joinpath(*parts)

    def record(self, name: str, pid: int, log: str | Path, *, port: int | None = None, url: str | None = None) -> None:
        self.state.components[name] = processes.component(name, pid, log, port=port, url=url)
        self.state.save()

    @property
    def snmp_targets(self) -> list[str]:
        return sorted({d for job in self.jobs for d in job.targets})

    @property
    def arrays(self) -> list[str]:
        return sorted({d for job in self.jobs if job.module == "storage" for d in job.targets})


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[UpContext], str]
    wanted: Callable[[UpContext], bool] = lambda ctx: True


def _render(ctx: UpContext) -> str:
    p = ctx.opts.ports
    node = node_exporter_map(ctx.linux, ctx.node_port) if ctx.linux else None
    receiver = f"http://{LOOPBACK}:{p.webhook}"
    opts = RenderOptions(exporter=f"{LOOPBACK}:{p.exporter}", alertmanager=f"{LOOPBACK}:{p.alertmanager}",
                         scrape_interval=ctx.opts.scrape_interval, scrape_timeout=ctx.opts.scrape_timeout,
                         node_addresses=node, rules=RuleOptions("lab", alert_webhook=f"{receiver}/alerts",
                                                                watchdog_webhook=f"{receiver}/watchdog"))
    files = {**render(ctx.inv, opts), **render_rules(ctx.inv, opts)}
    files["alertmanager.yml"] = lab_timing(files["alertmanager.yml"])
    write_tree(ctx.path(CONFIG_DIR), files)
    rules = sum(1 for name in files if name.startswith("rules/"))
    return (f"{len(ctx.jobs)} probe jobs, {rules} rule files (lab profile: for: 10s, rules every 5s), "
            f"alertmanager.yml (lab timing) in {ctx.path(CONFIG_DIR)}")


def _webhook(ctx: UpContext) -> str:
    port = ctx.opts.ports.webhook
    svc = start_webhook(port, ctx.path(NOTIFICATIONS), ctx.path("logs"))
    ctx.record("webhook", svc.proc.pid, svc.log, port=port, url=svc.url)
    return f"{svc.url} records every notification in {ctx.path(NOTIFICATIONS)}"


def _alertmanager(ctx: UpContext) -> str:
    port = ctx.opts.ports.alertmanager
    svc = start_alertmanager(ctx.path(CONFIG_DIR, "alertmanager.yml"), ctx.path("alertmanager-data"), port,
                             ctx.path("logs"))
    ctx.record("alertmanager", svc.proc.pid, svc.log, port=port, url=svc.url)
    return f"{svc.url}, receivers -> the webhook receiver"


def _fleet(ctx: UpContext) -> str:
    from dcops_lab.fakenos.process import LabFleet

    fleet = LabFleet(ctx.path("fleet"), inventory=ctx.inv.root, env={**os.environ, **ctx.ssh_env})
    fleet.start()
    assert fleet.proc is not None
    ctx.record("switch-fleet", fleet.proc.pid, ctx.path("fleet", "fleet.log"))
    ctx.state.ssh_devices = sorted(fleet.manifest()["devices"])
    ctx.state.save()
    return f"{len(ctx.state.ssh_devices)} network devices over SSH (FakeNOS), address map {fleet.address_map_path}"


def _has_fleet(ctx: UpContext) -> bool:
    from dcops_lab.fakenos.specs import lab_devices

    return bool(lab_devices(ctx.inv))


def _snmp(ctx: UpContext) -> str:
    from dcops_lab.snmp.lab import start_snmp_lab

    lab, amap = start_snmp_lab(ctx.inv, ctx.snmp_targets, ctx.path("snmp"))
    ctx.state.snmp_datadir = str(lab.datadir)
    ctx.state.snmp_devices = sorted(amap.devices)
    for k, proc in enumerate(lab.processes):
        ctx.record(f"snmp-agents-{k + 1}", proc.pid, ctx.path("snmp", f"snmpsim-{k}.log"))
    ctx.exporter_env.update(lab.env)
    return f"{len(amap.devices)} SNMP agents (snmpsim) in {len(lab.processes)} processes"


def _start_helper(ctx: UpContext, name: str, module: str, args: list[str], workdir: Path, ready_file: str,
                  timeout: float = 60.0) -> dict:
    """Start `python -m module args` in its own session and wait for its ready file (which
    carries its pid, so a file left by an earlier run is not taken for it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    ctx.record(name, proc.pid, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready = json.loads((workdir / ready_file).read_text())
            if ready.get("pid") == proc.pid:
                return ready
        except (OSError, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise LabUpError(f"{name} did not start; see {log}:\n{log.read_text()[-1500:]}")
        time.sleep(0.1)


def _relay(ctx: UpContext) -> str:
    workdir = ctx.path("relay")
    agents = ctx.path("snmp", "snmp-address-map.yaml")
    _start_helper(ctx, "snmp-relay", "dcops_lab.env.relay", ["--agents", str(agents), "--workdir", str(workdir)],
                  workdir, RELAY_READY)
    ctx.address_map = AddressMap.load(workdir / RELAY_MAP)
    return f"a UDP port per device between the exporter and its agent ({len(ctx.address_map.devices)} ports)"


def _storage(ctx: UpContext) -> str:
    workdir = ctx.path("storage")
    args = ["--inventory", str(ctx.inv.root), "--workdir", str(workdir)]
    for name in ctx.arrays:
        args += ["--device", name]
    ready = _start_helper(ctx, "storage-api", "dcops_lab.env.wsapi_host", args, workdir, READY_FILE)
    ctx.address_map = ctx.address_map.merged(AddressMap.load(workdir / ADDRESS_MAP))
    ctx.exporter_env.update(ready["env"])
    ctx.state.storage_devices = list(ctx.arrays)
    ctx.state.save()
    return f"{len(ctx.arrays)} arrays' WSAPI over HTTPS (lab CA)"


def _node_exporter(ctx: UpContext) -> str:
    svc = start_node_exporter(ctx.path("logs"), port=ctx.node_port)
    ctx.record("node-exporter", svc.proc.pid, svc.log, port=ctx.node_port, url=svc.url)
    return f"{svc.url} stands in for {len(ctx.linux)} Linux servers"


def _secrets(ctx: UpContext) -> None:
    """Every value the lab invented, for a user who wants to run a tool against it (0600)."""
    values = {**ctx.ssh_env, **{k: v for k, v in ctx.exporter_env.items() if k != "REQUESTS_CA_BUNDLE"}}
    text = "".join(f"export {k}={v}\n" for k, v in sorted(values.items()))
    write_atomic(ctx.path("secrets.env"), text, mode=0o600)


def _exporter(ctx: UpContext) -> str:
    _secrets(ctx)
    port = ctx.opts.ports.exporter
    ctx.path("exporter").mkdir(parents=True, exist_ok=True)
    svc = start_dcops_exporter(ctx.inv.root, ctx.address_map, ctx.path("exporter"), secret_env=ctx.exporter_env,
                               port=port)
    ctx.record("exporter", svc.proc.pid, svc.log, port=port, url=svc.url)
    return f"{svc.url}, reaching {len(ctx.address_map.devices)} simulated devices through the lab's address map"


def _prometheus(ctx: UpContext) -> str:
    port = ctx.opts.ports.prometheus
    svc = start_prometheus(ctx.path(CONFIG_DIR, "prometheus.yml"), ctx.path("logs"), port,
                           storage=ctx.path("prometheus-data"), retention=ctx.opts.retention)
    ctx.record("prometheus", svc.proc.pid, svc.log, port=port, url=svc.url)
    return f"{svc.url}, rules loaded, alerts to Alertmanager, data kept {ctx.opts.retention}"


def active_targets(prometheus_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{prometheus_url}/api/v1/targets?state=active", timeout=10) as resp:
        return json.loads(resp.read())["data"]["activeTargets"]


def _first_scrapes(ctx: UpContext) -> str:
    url = ctx.state.url("prometheus")
    longest = max([j.interval_ms + j.timeout_ms for j in ctx.jobs], default=60_000) / 1000
    deadline = time.monotonic() + longest + 60
    while True:
        targets = active_targets(url)
        waiting = [t for t in targets if t["health"] == "unknown"]
        if targets and not waiting:
            break
        if time.monotonic() > deadline:
            raise LabUpError(f"{len(waiting)} of {len(targets)} targets not scraped after {longest + 60:.0f}s")
        time.sleep(1.0)
    up = sum(t["health"] == "up" for t in targets)
    return f"{up}/{len(targets)} targets answered their first scrape"


STAGES = (
    Stage("render the configuration", _render),
    Stage("webhook receiver", _webhook),
    Stage("Alertmanager", _alertmanager),
    Stage("switch fleet over SSH", _fleet, _has_fleet),
    Stage("SNMP agents", _snmp, lambda ctx: bool(ctx.snmp_targets)),
    Stage("SNMP relay", _relay, lambda ctx: bool(ctx.snmp_targets)),
    Stage("storage arrays' API", _storage, lambda ctx: bool(ctx.arrays)),
    Stage("node_exporter", _node_exporter, lambda ctx: bool(ctx.linux)),
    Stage("dcops exporter", _exporter),
    Stage("Prometheus", _prometheus),
    Stage("first scrape of every target", _first_scrapes, lambda ctx: ctx.opts.wait_for_scrapes),
)


def _context(inv: Inventory, opts: UpOptions, state: LabState) -> UpContext:
    from dcops_lab.walkthrough import lab_secret_env

    render_opts = RenderOptions(scrape_interval=opts.scrape_interval, scrape_timeout=opts.scrape_timeout)
    return UpContext(inv, opts, state, probe_jobs(inv, render_opts), node_exporter_devices(inv), free_tcp_port(),
                     lab_secret_env(inv))


def _check_existing(state_dir: Path, inventory: Path) -> LabState | None:
    """The lab already up in `state_dir` (None: none, or a dead one, cleaned away)."""
    existing = LabState.load(state_dir)
    if existing is None:
        return None
    live = {name: processes.running(comp) for name, comp in existing.components.items()}
    if live and all(live.values()) and existing.ready:
        if Path(existing.inventory).resolve() != inventory.resolve():
            raise LabInputError(f"a lab of inventory {existing.inventory} is up in {state_dir}; "
                                "`dcops lab down` it first")
        return existing
    if any(live.values()):
        dead = ", ".join(name for name, ok in live.items() if not ok) or "none (it never finished starting)"
        raise LabInputError(f"the lab in {state_dir} is partly running (not running: {dead}); "
                            "`dcops lab down` stops the rest")
    _release(existing)  # stale: every recorded process is gone
    return None


def _clear_last_run(state_dir: Path) -> None:
    for name in RUN_OUTPUTS:
        path = state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def bring_up(inv: Inventory, opts: UpOptions, progress: Progress | None = None) -> tuple[LabState, bool]:
    """Start the lab (or find it up): (its state, whether it was already up)."""
    progress = progress or Progress()
    state_dir = opts.state_dir.resolve()
    opts = replace(opts, state_dir=state_dir)
    with locked(state_dir):
        existing = _check_existing(state_dir, inv.root)
        if existing is not None:
            return existing, True
        problems = processes.port_problems(opts.ports.as_dict())
        if problems:
            raise LabInputError("; ".join(problems))
        _clear_last_run(state_dir)
        state = LabState(state_dir=str(state_dir), inventory=str(inv.root.resolve()), ports=opts.ports.as_dict())
        ctx = _context(inv, opts, state)
        stages = [s for s in STAGES if s.wanted(ctx)]
        progress.plan([s.name for s in stages])
        state.save()
        current = stages[0]
        try:
            for current in stages:
                progress.start(current.name)
                started = time.monotonic()
                detail = current.run(ctx)
                progress.done(current.name, detail, time.monotonic() - started)
        except BaseException as exc:
            _stop_all(state)
            if isinstance(exc, ValueError) and current is stages[0]:
                raise LabInputError(f"{current.name}: {exc}") from None  # an option the renderer refused
            if isinstance(exc, Exception):
                raise LabUpError(f"{current.name}: {exc}") from exc
            raise
        write_atomic(state_dir / "address-map.yaml", address_map_text(state))
        state.ready = True
        state.save()
        return state, False


def _stop_all(state: LabState, report: Callable[[str, str], None] = lambda name, outcome: None) -> None:
    for comp in reversed(list(state.components.values())):
        report(comp.name, processes.stop(comp, STOP_GRACE.get(comp.name, 10.0)))
    _release(state)


def _release(state: LabState) -> None:
    """Remove what only running processes used: the agents' private data, sockets, ready markers."""
    if state.snmp_datadir and Path(state.snmp_datadir).name.startswith("dcops-snmplab-"):
        shutil.rmtree(state.snmp_datadir, ignore_errors=True)
    for leftover in ("fleet/fleet.json", "fleet/control.sock", f"storage/{READY_FILE}", "storage/control.sock",
                     f"relay/{RELAY_READY}", "relay/control.sock"):
        (state.root / leftover).unlink(missing_ok=True)
    state.forget()


def bring_down(state_dir: Path, report: Callable[[str, str], None] = lambda name, outcome: None) -> LabState | None:
    """Stop every process the lab in `state_dir` recorded; None when it records none."""
    if not state_dir.is_dir():
        return None
    with locked(state_dir):
        state = LabState.load(state_dir)
        if state is None:
            return None
        _stop_all(state, report)
        return state


def address_map_text(state: LabState) -> str:
    """The SSH, SNMP and HTTPS endpoints of the lab's devices in one map: `DCOPS_ADDRESS_MAP`
    for a user's tools (the Ansible plugin, `dcops ansible backup --lab`)."""
    maps = [state.root / "fleet" / "address-map.yaml", state.root / "relay" / RELAY_MAP, state.root / "storage" / ADDRESS_MAP]
    merged = AddressMap()
    for path in maps:
        if path.exists():
            merged = merged.merged(AddressMap.load(path))
    return yaml.safe_dump(merged.dump(), sort_keys=True)

