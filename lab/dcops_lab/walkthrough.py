"""The main job in lab mode: the whole toolchain against the simulated data center.

One command a newcomer (or CI) can run on a bare machine to see every part work together
on the inventory: the switch fleet over SSH and every SNMP agent on loopback, the
Ansible backup and compliance playbooks, Prometheus scraping the exporter through the
rendered configuration, and the offline Pulumi preview with its HA policies. Everything
it starts is stopped before it returns, whatever happens.
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dcops_inventory import Inventory
from dcops_inventory.secrets import secret_env

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    seconds: float
    # CPU seconds the stage used: this process, its children and every lab service it
    # started (None when it could not be read), and every CPU of the machine, which also
    # counts other jobs on the machine (see dcops_lab.cpu).
    cpu_seconds: float | None = None
    machine_cpu_seconds: float | None = None

    def cost(self) -> str:
        """Wall time, then the CPU it cost: `12.3 s, cpu 20.1 s, machine 22.0 s`."""
        text = f"{self.seconds:.1f} s"
        if self.cpu_seconds is not None:
            text += f", cpu {self.cpu_seconds:.1f} s"
            if self.machine_cpu_seconds is not None:
                text += f", machine {self.machine_cpu_seconds:.1f} s"
        return text


@dataclass
class Walkthrough:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)


def lab_secret_env(inv: Inventory) -> dict[str, str]:
    """Fresh random values for every env-kind secret the lab devices check: the lab never
    sees, and never needs, a real password."""
    return {ref: pysecrets.token_urlsafe(16) for ref in sorted(set(secret_env(inv).values()))}


def _ansible_env(base: dict[str, str], workdir: Path, address_map: Path, inventory: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(base)
    env.update({
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "DCOPS_LAB_ONLY": "1",
        "DCOPS_INVENTORY": str(Path(inventory).resolve()),  # inventory/dcops.yml sets no inventory_path
        "DCOPS_ADDRESS_MAP": str(address_map),
        "DCOPS_BACKUP_REPO": str(workdir / "backups"),
        "DCOPS_BACKUP_METRICS": str(workdir / "metrics" / "dcops_config_backup.prom"),
        "DCOPS_COMPLIANCE_REPORT": str(workdir / "compliance" / "report.json"),
        # Without it the compliance role writes out/metrics/ under the checkout (its default).
        "DCOPS_COMPLIANCE_METRICS": str(workdir / "metrics" / "dcops_config_compliance.prom"),
        "DCOPS_FACTS_REPORT": str(workdir / "facts" / "report.json"),
        "DCOPS_FACTS_METRICS": str(workdir / "metrics" / "dcops_facts.prom"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "XDG_CACHE_HOME": str(workdir / "cache"),
    })
    return env


def _playbook(name: str, env: dict[str, str], inventory_config: Path) -> tuple[int, dict[str, dict[str, int]], str]:
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(inventory_config), f"playbooks/{name}"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    recap: dict[str, dict[str, int]] = {}
    in_recap = False
    for line in proc.stdout.splitlines():
        in_recap = in_recap or line.startswith("PLAY RECAP")
        if in_recap and " : " in line:
            host, stats = line.split(" : ", 1)
            recap[host.strip()] = {k: int(v) for k, v in (kv.split("=") for kv in stats.split())}
    return proc.returncode, recap, proc.stdout[-3000:] + proc.stderr[-2000:]


def _totals(recap: dict[str, dict[str, int]]) -> str:
    keys = ("ok", "changed", "unreachable", "failed")
    return ", ".join(f"{k}={sum(r.get(k, 0) for r in recap.values())}" for k in keys)


def _prom_query(url: str, query: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/v1/query?query={urllib.parse.quote(query)}", timeout=10) as resp:
        return json.loads(resp.read())["data"]["result"]


def _cpu_sample():
    """CPU used so far by this process tree and the machine; None if psutil cannot tell."""
    from dcops_lab.cpu import CpuSample

    try:
        return CpuSample.now()
    except Exception:  # accounting must never fail a stage
        return None


def _exporter_cost(prometheus_url: str) -> str:
    """The exporter's CPU per probe and its refusals so far, as Prometheus scraped them:
    the figure a regression in the monitoring path moves first."""
    def value(query: str) -> float:
        got = _prom_query(prometheus_url, query)
        return float(got[0]["value"][1]) if got else 0.0

    probes = value('sum(dcops_exporter_probes_total{job="dcops_exporter"})')
    cpu = value('sum(process_cpu_seconds_total{job="dcops_exporter"})')
    refused = value('sum(dcops_exporter_probes_refused_total{job="dcops_exporter"})')
    per_probe = f"{1000 * cpu / probes:.1f} ms CPU per probe" if probes else "no probes yet"
    return f"exporter: {probes:.0f} probes, {per_probe} (startup included), {refused:.0f} refused"


def _wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def run_walkthrough(inv: Inventory, workdir: Path, report: Callable[[Step], None]) -> Walkthrough:
    """Run every stage on `inv` (every tool it starts reads `inv.root`), reporting each as it
    ends; stop everything before returning."""
    from dcops_lab.fakenos.process import LabFleet
    from dcops_lab.snmp.monitoring import start_monitoring_lab

    result = Walkthrough()
    workdir = workdir.resolve()  # tools started elsewhere (ansible's plugin) read these paths
    workdir.mkdir(parents=True, exist_ok=True)

    def stage(name: str, fn: Callable[[], tuple[bool, str]]) -> bool:
        started, cpu_start = time.perf_counter(), _cpu_sample()
        try:
            ok, detail = fn()
        except Exception as exc:  # a stage that breaks is reported, the others still run
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        cpu_end = _cpu_sample()
        used = cpu_end.since(cpu_start) if cpu_start and cpu_end else None
        step = Step(name, ok, detail, time.perf_counter() - started,
                    used.tree if used else None, used.machine if used else None)
        result.steps.append(step)
        report(step)
        return ok

    secrets_env = lab_secret_env(inv)
    with ExitStack() as running:
        fleet_box: dict = {}

        def start_fleet() -> tuple[bool, str]:
            fleet = LabFleet(workdir / "ssh-lab", inventory=inv.root, env={**os.environ, **secrets_env})
            fleet.start()
            running.callback(fleet.stop)
            fleet_box["fleet"] = fleet
            manifest = fleet.manifest()
            return True, f"{len(manifest['devices'])} network devices over SSH on 127.0.0.1 (FakeNOS)"

        def start_monitoring() -> tuple[bool, str]:
            lab = start_monitoring_lab(inv, workdir / "monitoring", textfile_dirs=(workdir / "metrics",))
            running.callback(lab.stop)
            fleet_box["monitoring"] = lab
            n = len({d for names in lab.targets.values() for d in names})
            return True, f"{n} SNMP agents (snmpsim), dcops exporter at {lab.exporter.url}, Prometheus at {lab.prometheus.url}"

        if not stage("start the switch fleet", start_fleet):
            return result
        stage("start SNMP agents, exporter and Prometheus", start_monitoring)

        env = _ansible_env(secrets_env, workdir, fleet_box["fleet"].address_map_path, inv.root)
        inventory_config = REPO / "inventory" / "dcops.yml"

        def backup() -> tuple[bool, str]:
            rc, recap, tail = _playbook("backup_configs.yml", env, inventory_config)
            files = len(list((workdir / "backups").glob("*.cfg")))
            served = len(fleet_box["fleet"].manifest()["devices"])
            if rc != 0 or files != served:
                return False, f"ansible-playbook exit {rc}, {files}/{served} configs: {_totals(recap)}\n{tail}"
            return True, f"{files}/{served} configs committed to {workdir / 'backups'}; {_totals(recap)}"

        def backup_again() -> tuple[bool, str]:
            rc, recap, tail = _playbook("backup_configs.yml", env, inventory_config)
            changed = sum(r.get("changed", 0) for r in recap.values())
            hosts = len(recap) - ("localhost" in recap)
            return rc == 0 and changed == 0 and hosts > 0, f"second run over {hosts} devices: {_totals(recap)}"

        def drift_then_compliance() -> tuple[bool, str]:
            from dcops_devices.access.drivers import open_connection
            from dcops_devices.access.targets import target_for

            victim = next(d.name for d in inv.devices if d.role == "edge_switch" and d.name in fleet_box["fleet"].manifest()["devices"])
            old_env = {k: os.environ.get(k) for k in secrets_env}
            os.environ.update(secrets_env)
            try:
                with open_connection(target_for(inv, victim, fleet_box["fleet"].address_map())) as conn:
                    conn.configure(["ntp server 192.0.2.123"])  # a line nobody intended
            finally:
                for k, v in old_env.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            rc, recap, tail = _playbook("compliance.yml", env, inventory_config)
            report_data = json.loads((workdir / "compliance" / "report.json").read_text())
            drifted = report_data["non_compliant"]
            ok = rc == 0 and drifted == [victim] and not report_data["failed"]
            return ok, (f"{len(report_data['devices'])} devices checked; drift found on {drifted} "
                        f"(a line pushed to {victim} on purpose); unreachable: {report_data['failed'] or 'none'}")

        def prometheus() -> tuple[bool, str]:
            lab = fleet_box["monitoring"]
            want = sum(len(v) for v in lab.targets.values())
            url = lab.prometheus.url

            def all_up() -> bool:
                got = _prom_query(url, "count(dcops_probe_success == 1)")
                return bool(got) and int(float(got[0]["value"][1])) >= want

            # Prometheus spreads a job's first scrapes over its interval: every target has
            # answered once after the longest interval plus its timeout (60 s + 10 s with
            # MTPE's access tier); 60 s more for a loaded machine, never less than before.
            ok = _wait_for(all_up, timeout=max(120.0, lab.longest_interval_seconds + lab.longest_timeout_seconds + 60))
            up = _prom_query(url, "count(dcops_probe_success == 1)")
            # rate() needs two samples in its window: at least four of the WAN job's intervals
            wan_every = max((j.interval_ms for j in lab.jobs if j.module == "wan"), default=15_000) / 1000
            window = max(60, int(4 * wan_every))
            wan_query = f"sum(rate(dcops_wan_receive_bytes_total[{window}s])) * 8 / 1e6"
            rate = _wait_for(lambda: bool(_prom_query(url, f"{wan_query} > 0")), timeout=max(90.0, 2 * wan_every + 60))
            wan = _prom_query(url, wan_query)
            n_up = int(float(up[0]["value"][1])) if up else 0
            mbps = float(wan[0]["value"][1]) if wan else 0.0
            return ok and rate, (f"{n_up}/{want} targets with dcops_probe_success == 1; "
                                 f"Internet link receiving {mbps:.1f} Mbit/s of its 200 Mbit/s; "
                                 + _exporter_cost(url))
        stage("Ansible: back up every network device's config", backup)
        stage("Ansible: back up again (must change nothing)", backup_again)
        stage("Ansible: compliance against the inventory's intended config", drift_then_compliance)
        if "monitoring" in fleet_box:
            stage("Prometheus: every target scraped through the exporter", prometheus)

    def stacks() -> tuple[bool, str]:
        from dcops_stacks.preview import preview

        parts = []
        ok = True
        for stack in ("primary", "alternate"):
            p = preview(inv, stack)
            ok = ok and not p.blocked
            parts.append(f"{stack}: {len(p.resources)} resources, {len(p.violations)} policy violations")
        return ok, "; ".join(parts)

    stage("Pulumi: offline preview and HA policies of both stacks", stacks)
    return result
