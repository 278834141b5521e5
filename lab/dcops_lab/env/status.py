"""`dcops lab status`: what the running lab's own monitoring says about it.

Read from Prometheus' HTTP API, so it shows what an operator's dashboards would: per job,
targets scraped and devices answering (a probe target is `up` for Prometheus even when
the device behind it is silent: `dcops_probe_success` says whether it answered); alerts
pending and firing; each goal's error budget left (`slo:dcops_error_budget_remaining:ratio`);
each measured circuit's traffic against its contracted rate, now (the last two samples) and
as the rules see it (`circuit:dcops_wan_utilisation:ratio_rate5m`). Then the processes, the
faults injected, and what the webhook receiver got from Alertmanager. A part that does
not answer is reported as such; the rest is still shown.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field

from dcops_lab.env import processes
from dcops_lab.env.state import LabState
from dcops_lab.env.up import NOTIFICATIONS
from dcops_lab.env.webhook import alert_events, read_notifications

BUDGET = "slo:dcops_error_budget_remaining:ratio"
UTILISATION = "circuit:dcops_wan_utilisation:ratio_rate5m"


@dataclass
class JobStatus:
    job: str
    targets: int
    scraped_up: int
    answering: int | None  # devices with dcops_probe_success 1; None for a job that does not probe
    silent: list[str] = field(default_factory=list)  # targets down or not answering


@dataclass
class CircuitStatus:
    circuit: str
    direction: str
    committed_mbps: float
    now_mbps: float | None
    utilisation_now: float | None
    utilisation_5m: float | None


@dataclass
class LabStatus:
    state_dir: str
    inventory: str
    urls: dict[str, str]
    processes: list[dict]
    faults: list[dict]
    prometheus_error: str | None = None
    jobs: list[JobStatus] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    budgets: list[dict] = field(default_factory=list)
    circuits: list[CircuitStatus] = field(default_factory=list)
    notifications: int = 0
    recent_events: list[dict] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


class Prometheus:
    def __init__(self, url: str, timeout: float = 5.0):
        self.url, self.timeout = url, timeout

    def get(self, path: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=self.timeout) as resp:
            body = json.loads(resp.read())
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.get("/api/v1/query", query=expr)["result"]


def _jobs(prom: Prometheus) -> list[JobStatus]:
    targets = prom.get("/api/v1/targets", state="active")["activeTargets"]
    answers = {(r["metric"].get("job"), r["metric"].get("instance")): float(r["value"][1])
               for r in prom.query("max by (job, instance) (dcops_probe_success)")}
    jobs: dict[str, JobStatus] = {}
    for t in targets:
        job, instance = t["labels"].get("job", "?"), t["labels"].get("instance", "?")
        status = jobs.setdefault(job, JobStatus(job, 0, 0, None))
        status.targets += 1
        status.scraped_up += t["health"] == "up"
        answered = answers.get((job, instance))
        if answered is not None:
            status.answering = (status.answering or 0) + (answered == 1)
        if t["health"] != "up" or answered == 0:
            status.silent.append(instance)
    for status in jobs.values():
        status.silent.sort()
    return [jobs[k] for k in sorted(jobs)]


def _alerts(prom: Prometheus) -> list[dict]:
    rows = []
    for a in prom.get("/api/v1/alerts")["alerts"]:
        labels = dict(a.get("labels", {}))
        rows.append({"alertname": labels.pop("alertname", "?"), "state": a.get("state"),
                     "severity": labels.pop("severity", ""), "since": a.get("activeAt"), "labels": labels,
                     "summary": a.get("annotations", {}).get("summary", "")})
    return sorted(rows, key=lambda r: (r["state"] != "firing", r["alertname"], sorted(r["labels"].items())))


def _budgets(prom: Prometheus) -> list[dict]:
    """Per goal and subject (a goal covers several services or sites), the least left first."""
    rows = [{"slo": r["metric"].get("slo", "?"), "subject": r["metric"].get("subject", ""),
             "subject_kind": r["metric"].get("subject_kind", ""), "remaining": float(r["value"][1])}
            for r in prom.query(BUDGET)]
    return sorted(rows, key=lambda b: (b["remaining"], b["slo"], b["subject"]))


def _circuits(prom: Prometheus) -> list[CircuitStatus]:
    def by(expr: str, *keys: str) -> dict[tuple, float]:
        return {tuple(r["metric"].get(k, "") for k in keys): float(r["value"][1]) for r in prom.query(expr)}

    committed = by("max by (circuit) (dcops_wan_committed_rate_bytes_per_second)", "circuit")
    five = by(UTILISATION, "circuit", "direction")
    rows = []
    for (circuit,), commit in sorted(committed.items()):
        for direction in ("receive", "transmit"):
            now = by(f'sum by (circuit) (irate(dcops_wan_{direction}_bytes_total{{circuit="{circuit}"}}[2m]))',
                     "circuit").get((circuit,))
            rows.append(CircuitStatus(circuit, direction, commit * 8 / 1e6, None if now is None else now * 8 / 1e6,
                                      None if now is None or not commit else now / commit,
                                      five.get((circuit, direction))))
    return rows


def lab_status(state: LabState) -> LabStatus:
    status = LabStatus(
        state_dir=state.state_dir, inventory=state.inventory,
        urls={name: c.url for name, c in state.components.items() if c.url},
        processes=[{"name": c.name, "pid": c.pid, "running": processes.running(c), "port": c.port}
                   for c in state.components.values()],
        faults=[asdict(f) for f in state.faults])
    try:
        prom = Prometheus(state.url("prometheus"))
        status.jobs, status.alerts = _jobs(prom), _alerts(prom)
        status.budgets, status.circuits = _budgets(prom), _circuits(prom)
    except Exception as exc:  # status must show the rest when Prometheus is away
        status.prometheus_error = f"{type(exc).__name__}: {exc}"
    notifications = read_notifications(state.root / NOTIFICATIONS)
    status.notifications = len(notifications)
    status.recent_events = alert_events(notifications)[-10:]
    return status
