"""Capacity forecast: how fast the estate grows, from the inventory's git history, and the
day each resource runs out; with a Prometheus, how fast the WAN links and storage pools fill.

Why the git history: the inventory is versioned, so every commit that touched it is a dated
measurement of the estate - no separate time series to keep. Each sampled revision is
exported with `git archive` (diff.py's `export_tree`: no checkout, the work tree is never
touched), loaded and validated like any inventory; a revision that does not load is
skipped and named. Revisions are sampled evenly over the history, newest and oldest
always kept, at most `max_revisions`, so a long history costs a bounded number of loads.

Per revision, each resource's use (measured the way the headroom reports measure it):

- rack_u: U taken by racked devices (`space.rack_spaces`), against every rack's U.
- power_w: typical draw of the racked devices (`power.PowerModel`), against the feeds'
  derated capacity, per site the weaker of the A and B sides (either must carry all when
  the other fails); feeds without a side count once.
- vcpu: vCPUs of the VMs in active clusters, against those clusters' cores x their
  vCPU-per-core target (`compute.cluster_loads`); devices and VM counts are shown too.
- storage_gb: disk allocated to VMs, against the datastores' capacity.

Capacity is the newest revision's (capacity is bought in steps, use grows; a fit through
past capacities would not say when today's runs out). The fit is ordinary least squares of
use against commit time; the run-out day is where the fitted line meets the capacity:
"not within horizon" past `horizon_days`, "not growing" with a flat or falling slope.

Prometheus (`/api/v1/query`, through dcops_slo's client; loopback only under
DCOPS_LAB_ONLY): per WAN circuit and direction the hourly p95 utilisation
(`circuit:dcops_wan_utilisation:p95_1h`, 1 = the contracted rate) and per storage pool the
used bytes against its size, each with `deriv` and `predict_linear` over `window`.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dcops_inventory.errors import InventoryError
from dcops_inventory.inventory import Inventory
from dcops_inventory.loader import load_inventory
from dcops_reports.compute import cluster_loads
from dcops_reports.diff import RevisionError, export_tree, locate
from dcops_reports.dr import CapacityError
from dcops_reports.power import PowerModel
from dcops_reports.reports import Report, ReportSet
from dcops_reports.space import rack_spaces

DAY = 86400.0
DEFAULT_HORIZON_DAYS = 3 * 365
DEFAULT_MAX_REVISIONS = 20
RESOURCES = ("rack_u", "power_w", "vcpu", "storage_gb")


@dataclass(frozen=True)
class Sample:
    """One revision's measurements."""

    commit: str
    when: float  # commit time, Unix seconds
    devices: int
    vms: int
    use: dict[str, float]


def measure(inv: Inventory) -> tuple[dict[str, float], dict[str, float | None]]:
    """(use, capacity) per resource of one inventory."""
    spaces = rack_spaces(inv)
    model = PowerModel(inv)
    active = [c for c in cluster_loads(inv) if c.status != "planned"]
    use = {
        "rack_u": float(sum(sp.used_u for sp in spaces)),
        "power_w": float(sum(r.typical_w for r in model.racks)),
        "vcpu": float(sum(c.vcpus for c in active)),
        "storage_gb": float(sum(vm.disk_gb for c in active for vm in c.vms)),
    }
    sides: dict[str, dict[str, float]] = {}
    for feed in model.feeds.values():
        usable = model.usable_w(model.feed_rating_w(feed))
        if usable is not None:
            side = sides.setdefault(feed.site, {})
            side[feed.side or feed.name] = side.get(feed.side or feed.name, 0.0) + usable
    power = sum(min(s["A"], s["B"]) + sum(v for k, v in s.items() if k not in ("A", "B"))
                if "A" in s and "B" in s else sum(s.values()) for s in sides.values())
    vcpu = sum(c.cores * c.vcpu_per_core_target for c in active)
    storage = sum(d.capacity_gb for d in inv.datastores)
    capacity: dict[str, float | None] = {
        "rack_u": float(sum(sp.rack.u_height for sp in spaces)) or None,
        "power_w": power or None,
        "vcpu": vcpu or None,
        "storage_gb": float(storage) or None,
    }
    return use, capacity


@dataclass(frozen=True)
class Fit:
    slope: float  # per second
    intercept: float  # at t = 0

    def at(self, t: float) -> float:
        return self.intercept + self.slope * t


def linear_fit(points: list[tuple[float, float]]) -> Fit | None:
    """Least squares line through (t, y); None with fewer than two distinct times."""
    n = len(points)
    if n < 2:
        return None
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return None
    slope = sum((t - mt) * (y - my) for t, y in points) / var
    return Fit(slope, my - slope * mt)


def run_out(fit: Fit | None, capacity: float | None, now: float, current: float,
            horizon_days: float) -> tuple[str, float | None]:
    """(verdict, Unix seconds the fitted use reaches capacity, when within the horizon)."""
    if capacity is None:
        return "no capacity recorded", None
    if current >= capacity:
        return "exhausted now", now
    if fit is None:
        return "too few revisions", None
    if fit.slope <= 0:
        return "not growing", None
    when = max((capacity - fit.intercept) / fit.slope, now)
    if when - now > horizon_days * DAY:
        return "not within horizon", None
    return "runs out", when


def _git_log(repo: Path, subdir: str) -> list[tuple[str, float]]:
    """(commit, commit time) of every commit touching `subdir`, oldest first."""
    proc = subprocess.run(["git", "-C", str(repo), "log", "--format=%H %ct", "--", subdir],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CapacityError(f"git log of {subdir} failed: {proc.stderr.strip()}")
    out = [(h, float(t)) for h, t in (line.split() for line in proc.stdout.splitlines() if line.strip())]
    return list(reversed(out))


def sample_evenly(items: list, limit: int) -> list:
    """At most `limit` items, evenly spread, first and last always kept."""
    if len(items) <= limit:
        return list(items)
    if limit == 1:
        return [items[-1]]
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def history(inventory_dir: Path, max_revisions: int = DEFAULT_MAX_REVISIONS,
            progress: Callable[[int, int, str], None] | None = None) -> tuple[list[Sample], list[str]]:
    """Measurements of the sampled revisions, and a line per revision that could not be used."""
    try:
        repo, subdir = locate(inventory_dir)
    except (RevisionError, ValueError) as exc:
        raise CapacityError(f"{inventory_dir} is not in a git work tree: {exc}") from None
    commits = sample_evenly(_git_log(repo, subdir), max_revisions)
    samples, skipped = [], []
    for i, (commit, when) in enumerate(commits, 1):
        if progress:
            progress(i, len(commits), commit)
        with tempfile.TemporaryDirectory(prefix="dcops-forecast-") as tmp:
            try:
                inv = load_inventory(export_tree(repo, commit, subdir, Path(tmp)))
            except (RevisionError, InventoryError) as exc:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                skipped.append(f"{commit[:12]}: skipped, it does not load ({first})")
                continue
        use, _ = measure(inv)
        samples.append(Sample(commit, when, len(inv.devices), len(inv.vms), use))
    return samples, skipped


def _day(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).date().isoformat()


def _num(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


FORECAST_COLUMNS = ["resource", "current", "capacity", "percent", "per_30_days", "runs_out", "verdict"]
HISTORY_COLUMNS = ["commit", "date", "devices", "vms", *RESOURCES]


def forecast_rows(samples: list[Sample], capacity: dict[str, float | None], now: float,
                  horizon_days: float) -> tuple[list[tuple], list[str]]:
    rows, notes = [], []
    for res in RESOURCES:
        points = [(s.when, s.use[res]) for s in samples]
        fit = linear_fit(points)
        current = points[-1][1] if points else 0.0
        cap = capacity.get(res)
        verdict, when = run_out(fit, cap, now, current, horizon_days)
        rows.append((res, _num(current), _num(cap), _num(round(100 * current / cap, 1)) if cap else None,
                     _num(fit.slope * 30 * DAY) if fit else None, _day(when), verdict))
        if verdict in ("runs out", "exhausted now"):
            notes.append(f"{res}: {verdict} {_day(when)} ({_num(current)} of {_num(cap)} now)")
    return rows, notes


def inventory_forecast(inventory_dir: Path, current: Inventory, max_revisions: int = DEFAULT_MAX_REVISIONS,
                       horizon_days: float = DEFAULT_HORIZON_DAYS, now: float | None = None,
                       progress: Callable[[int, int, str], None] | None = None) -> ReportSet:
    samples, skipped = history(inventory_dir, max_revisions, progress)
    _, capacity = measure(current)
    now = time.time() if now is None else now
    rows, notes = forecast_rows(samples, capacity, now, horizon_days)
    notes += skipped
    notes.append(f"{len(samples)} revision(s) measured; linear fit of use against commit time; capacity as the "
                 f"inventory has it now; horizon {horizon_days:g} days.")
    sections = {
        "forecast": Report("Growth per resource and the day it runs out", FORECAST_COLUMNS, rows),
        "history": Report("Measured revisions", HISTORY_COLUMNS,
                          [(s.commit[:12], _day(s.when), s.devices, s.vms, *[_num(s.use[r]) for r in RESOURCES])
                           for s in samples]),
    }
    return ReportSet("Capacity forecast from the inventory's git history", sections, notes)


# -- Prometheus ------------------------------------------------------------------------------------
WAN_UTILISATION = "circuit:dcops_wan_utilisation:p95_1h"
STORAGE_USED = "dcops_storage_pool_used_bytes"
STORAGE_SIZE = "dcops_storage_pool_size_bytes"
PROM_COLUMNS = ["kind", "series", "current", "limit", "per_30_days", "predicted_at_horizon", "runs_out", "verdict"]


def _key(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__")


def prometheus_rows(api, window: str, horizon_days: float, at: float) -> list[tuple]:
    """WAN and storage series: current, slope (deriv), predict_linear at the horizon, run-out day."""
    horizon_s = horizon_days * DAY
    rows = []
    for kind, used, limit_q in (("wan", WAN_UTILISATION, None), ("storage", STORAGE_USED, STORAGE_SIZE)):
        current = {_key(s.labels): s.value for s in api.query(used, at)}
        slope = {_key(s.labels): s.value for s in api.query(f"deriv({used}[{window}])", at)}
        ahead = {_key(s.labels): s.value for s in api.query(f"predict_linear({used}[{window}], {horizon_s:.0f})", at)}
        limits = {_key(s.labels): s.value for s in api.query(limit_q, at)} if limit_q else {}
        for series in sorted(current):
            limit = limits.get(series) if limit_q else 1.0
            rate = slope.get(series)
            fit = Fit(rate, current[series] - rate * at) if rate is not None else None
            verdict, when = run_out(fit, limit, at, current[series], horizon_days)
            rows.append((kind, series, _num(current[series]), _num(limit),
                         _num(rate * 30 * DAY) if rate is not None else None, _num(ahead.get(series)), _day(when),
                         verdict))
    return rows


def prometheus_forecast(api, window: str = "7d", horizon_days: float = DEFAULT_HORIZON_DAYS,
                        at: float | None = None) -> Report:
    at = time.time() if at is None else at
    return Report(f"Prometheus: WAN utilisation (1 = contracted rate) and storage pools (bytes), fit over {window}",
                  PROM_COLUMNS, prometheus_rows(api, window, horizon_days, at))

