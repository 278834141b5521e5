"""The contracted links against their contract, from what Prometheus recorded.

Why here and not in the inventory reports: the inventory holds the contract
(`circuits[].commit_rate_mbps`), only Prometheus holds the traffic. The report reads the
recording rule the capacity alerts read, `circuit:dcops_wan_utilisation:ratio_rate5m`
{circuit, site, direction} (traffic over the contracted rate, 1 = the commitment), with
one range query over the window (`/api/v1/query_range`, the standard library through
dcops_slo's small client: same URL checks, loopback only under DCOPS_LAB_ONLY, one-line
errors naming the URL). Per circuit and direction: mean, 95th percentile and peak of the
5-minute utilisation, in percent of the contract and in Mbps, and the verdict the alerts
would give (`CircuitUtilisationHigh` above 80 %, saturated above 95 %, on the p95).

Without Prometheus the table still lists every contracted circuit, with no figures: a
planner sees which links are contracted, not a made-up 0 %.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from dcops_inventory.inventory import Inventory
from dcops_reports.reports import Report
from dcops_slo.capacity_rules import HIGH, SATURATED, UTILISATION
from dcops_slo.report_queries import PrometheusApi, PrometheusError

MAX_POINTS = 11_000  # Prometheus refuses a range query of more points per series
DEFAULT_WINDOW_SECONDS = 7 * 86400


@dataclass(frozen=True)
class WanSeries:
    """One circuit's utilisation in one direction: Unix seconds and ratios of the contract."""

    circuit: str
    site: str
    direction: str
    times: tuple[float, ...]
    ratios: tuple[float, ...]


class RangeApi(PrometheusApi):
    """dcops_slo's client, plus the range query the plots need."""

    def query_range(self, promql: str, start: float, end: float, step: float) -> list[tuple[dict[str, str],
                                                                                         list[tuple[float, float]]]]:
        data = self._call("/api/v1/query_range", {
            "query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}",
            "timeout": f"{round(self.timeout * 1000)}ms"}, promql)
        if data.get("resultType") != "matrix":
            raise PrometheusError(f"Prometheus at {self.url} answered a {data.get('resultType')} to {promql!r}, "
                                  "not a matrix")
        return [(dict(r["metric"]), [(float(t), float(v)) for t, v in r.get("values", [])])
                for r in data.get("result", [])]


def step_for(window_seconds: float) -> float:
    """At most MAX_POINTS points, and never finer than the rule's 5-minute rate needs (60 s)."""
    return max(60.0, math.ceil(window_seconds / MAX_POINTS))


def fetch_series(api: RangeApi, circuits: set[str], window_seconds: float = DEFAULT_WINDOW_SECONDS,
                 end: float | None = None) -> list[WanSeries]:
    """Every recorded series of the circuits named, over the window ending at `end` (now)."""
    end = time.time() if end is None else end
    out = []
    for labels, points in api.query_range(UTILISATION, end - window_seconds, end, step_for(window_seconds)):
        name = labels.get("circuit")
        if name not in circuits:
            continue
        finite = [(t, v) for t, v in points if math.isfinite(v)]
        out.append(WanSeries(name, labels.get("site", ""), labels.get("direction", ""),
                             tuple(t for t, _ in finite), tuple(v for _, v in finite)))
    return sorted(out, key=lambda s: (s.circuit, s.direction))


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, as numpy's default and Prometheus'
    quantile_over_time compute it."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def verdict(p95: float) -> str:
    if p95 > SATURATED:
        return "saturated"
    if p95 > HIGH:
        return "high"
    return "OK"


WAN_COLUMNS = ["circuit", "site", "kind", "provider", "commit_rate_mbps", "direction", "samples", "mean_percent",
               "p95_percent", "peak_percent", "p95_mbps", "peak_mbps", "headroom_mbps", "verdict"]


def wan_report(inv: Inventory, series: list[WanSeries] | None, site: str | None = None,
               window: str = "7d") -> Report:
    """Per contracted circuit and direction, what was recorded against the contract."""
    rows = []
    by_circuit: dict[str, list[WanSeries]] = {}
    for s in series or []:
        by_circuit.setdefault(s.circuit, []).append(s)
    for c in sorted(inv.circuits, key=lambda c: (c.site, c.name)):
        if (site is not None and c.site != site) or c.status != "active":
            continue
        recorded = by_circuit.get(c.name, [])
        if not recorded:
            rows.append((c.name, c.site, c.kind, c.provider, c.commit_rate_mbps, None, 0, None, None, None, None,
                         None, None, "no data" if series is not None else "not queried"))
        for s in recorded:
            ratios = list(s.ratios)
            if not ratios:
                rows.append((c.name, c.site, c.kind, c.provider, c.commit_rate_mbps, s.direction, 0, None, None,
                             None, None, None, None, "no data"))
                continue
            mean, p95, peak = sum(ratios) / len(ratios), percentile(ratios, 0.95), max(ratios)
            rows.append((c.name, c.site, c.kind, c.provider, c.commit_rate_mbps, s.direction, len(ratios),
                         round(100 * mean, 1), round(100 * p95, 1), round(100 * peak, 1),
                         round(p95 * c.commit_rate_mbps, 1), round(peak * c.commit_rate_mbps, 1),
                         round((1 - p95) * c.commit_rate_mbps, 1), verdict(p95)))
    return Report(f"Contracted links against their contract (last {window}, 5-minute utilisation)", WAN_COLUMNS,
                  rows)
