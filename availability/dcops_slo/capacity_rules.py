"""Capacity: contracted circuits against their commitment, and storage pools filling up.

Circuit utilisation is traffic over the contracted rate, not over the port speed: a
200 Mbps Internet contract on a gigabit port is full at 200 Mbps. The `wan` module exports
the commitment in bytes per second (`commit_rate_mbps` x 10^6 / 8), so
rate(bytes) / commitment equals rate x 8 / committed bits per second:

    circuit:dcops_wan_utilisation:ratio_rate5m{circuit, site, direction}   receive and transmit
    circuit:dcops_wan_utilisation:p95_1h{circuit, site, direction}         its 95th percentile over 1h

Storage pools: the alerts are written against a metric contract, one series per pool with
label `pool`, in bytes: `dcops_storage_pool_used_bytes` and `dcops_storage_pool_size_bytes`.
The exporter's `storage` module (3PAR arrays over WSAPI) exports them; any other source
of pool metrics that keeps the contract is covered too, and without one the alerts
select nothing and stay silent.
"""

from __future__ import annotations

from dcops_inventory import Inventory
from dcops_slo.rules import Alert, Record, RuleGroup
from dcops_slo.view import MonitoredView

UTILISATION = "circuit:dcops_wan_utilisation:ratio_rate5m"
UTILISATION_P95 = "circuit:dcops_wan_utilisation:p95_1h"
STORAGE_USED = "dcops_storage_pool_used_bytes"
STORAGE_SIZE = "dcops_storage_pool_size_bytes"
HIGH, SATURATED = 0.8, 0.95
FORECAST_DAYS, STORAGE_FORECAST_DAYS = 30, 4
HISTORY_DAYS = 3  # the forecast needs this much of the p95 series


def circuit_records(inv: Inventory, view: MonitoredView) -> RuleGroup:
    commit = "max by (circuit) (dcops_wan_committed_rate_bytes_per_second)"
    rules: list[Record | Alert] = []
    for direction in ("receive", "transmit"):
        rules.append(Record(
            UTILISATION,
            f"sum by (circuit, site) (rate(dcops_wan_{direction}_bytes_total[5m]))\n"
            f"  / on(circuit) group_left() {commit}",
            {"direction": direction},
            f"{direction.capitalize()} traffic over the contracted rate, 5m average (1 = the commitment)."))
    rules.append(Record(UTILISATION_P95, f"quantile_over_time(0.95, {UTILISATION}[1h])",
                        comment="The 95th percentile of the 5m utilisation over the last hour (the billing "
                                "view of a busy hour)."))
    measured = sorted(view.circuits)
    unmeasured = sorted(f"{c.name} ({c.kind}, {c.commit_rate_mbps} Mbps"
                        f"{'' if c.device else ', no terminating device in the inventory'})"
                        for c in inv.circuits if c.name not in view.circuits and c.status == "active")
    header = ["Circuit utilisation against the contracted rate (inventory circuits[].commit_rate_mbps).",
              "Measured by the wan module: " + (", ".join(f"{c} on {view.circuits[c]}" for c in measured) or "none")
              + "."]
    if unmeasured:
        header += ["Contracted but not measured (no wan probe reads them): " + "; ".join(unmeasured) + "."]
    return RuleGroup("dcops-circuit-records", "rules/dcops-circuit-records.yml", tuple(rules), "\n".join(header))


def circuit_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("CircuitUtilisationHigh", f"{UTILISATION_P95} > {HIGH}", "15m", "warning",
              summary="{{ $labels.circuit }} {{ $labels.direction }} traffic is near its contracted rate",
              description="The 95th percentile of circuit {{ $labels.circuit }}'s {{ $labels.direction }} "
                          "utilisation over the last hour is {{ $value | humanizePercentage }} of the contracted "
                          f"rate (threshold {HIGH:.0%}).",
              comment="The busy hour, not a spike: p95 of the 5m utilisation over 1h."),
        Alert("CircuitSaturated", f"{UTILISATION} >= {SATURATED}", "10m", "critical",
              summary="{{ $labels.circuit }} is saturated ({{ $labels.direction }})",
              description="Circuit {{ $labels.circuit }} has carried {{ $value | humanizePercentage }} of its "
                          "contracted rate ({{ $labels.direction }}) for 10 minutes: above the commitment the "
                          "provider drops or queues traffic, and every service behind the link slows down."),
        Alert("CircuitFullForecast",
              f"predict_linear({UTILISATION_P95}[7d], {FORECAST_DAYS} * 86400) > 1\nand\n"
              f"time() - min_over_time(timestamp({UTILISATION_P95})[7d:1h]) > {HISTORY_DAYS} * 86400", "1h",
              "warning",
              summary="{{ $labels.circuit }} is forecast to exceed its contracted rate within "
                      f"{FORECAST_DAYS} days",
              description="A linear fit of the last 7 days of circuit {{ $labels.circuit }}'s hourly p95 "
                          f"{{{{ $labels.direction }}}} utilisation reaches {{{{ $value | humanizePercentage }}}} "
                          f"of the commitment in {FORECAST_DAYS} days: time to order more capacity.",
              comment=f"predict_linear over a week of the hourly p95, so a daily cycle does not trip it, once the "
                      f"series is {HISTORY_DAYS} days old: the first samples of a new series (rate() over a partial "
                      f"window reads low) would otherwise tilt a short fit upwards."),
    )
    return RuleGroup("dcops-circuit-alerts", "rules/dcops-circuit-alerts.yml", rules,
                     "Contracted circuits against their commitment: now, over the busy hour, and forecast.")


def storage_alerts() -> RuleGroup:
    ratio = f"{STORAGE_USED} / {STORAGE_SIZE}"
    rules: tuple[Record | Alert, ...] = (
        Alert("StoragePoolFillingUp",
              f"({ratio} > 0.8)\nand\n(predict_linear({STORAGE_USED}[6h], {STORAGE_FORECAST_DAYS} * 86400) > {STORAGE_SIZE})",
              "1h", "warning",
              summary="Storage pool {{ $labels.pool }} on {{ $labels.instance }} will fill within "
                      f"{STORAGE_FORECAST_DAYS} days",
              description="Pool {{ $labels.pool }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} "
                          f"full and, at the growth of the last 6 hours, fills within {STORAGE_FORECAST_DAYS} days.",
              comment="Metrics of the storage module: dcops_storage_pool_used_bytes and "
                      "dcops_storage_pool_size_bytes, label pool."),
        Alert("StoragePoolAlmostFull", f"{ratio} > 0.95", "5m", "critical",
              summary="Storage pool {{ $labels.pool }} on {{ $labels.instance }} is almost full",
              description="Pool {{ $labels.pool }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} "
                          "full: thin-provisioned volumes on it stop accepting writes when it is."),
    )
    return RuleGroup("dcops-storage-alerts", "rules/dcops-storage-alerts.yml", rules,
                     "Storage pools filling up. Written against dcops_storage_pool_used_bytes and\n"
                     "dcops_storage_pool_size_bytes (label pool, bytes), which the storage exporter module\n"
                     "exports; without a source of them these alerts select nothing.")


def capacity_groups(inv: Inventory, view: MonitoredView) -> list[RuleGroup]:
    return [circuit_records(inv, view), circuit_alerts(), storage_alerts()]
