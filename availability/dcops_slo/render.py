"""Every rule file, from the inventory and what the Prometheus config measures.

One group per file, named `rules/dcops-<component>-<what>.yml`, so `dcops prometheus
render` can own `rules/dcops-*.yml` (and remove files a previous render left) without
touching rules someone else keeps in the same folder.
"""

from __future__ import annotations

from dcops_inventory import Inventory
from dcops_slo.capacity_rules import capacity_groups
from dcops_slo.cooling_rules import cooling_groups
from dcops_slo.freshness_rules import config_alerts
from dcops_slo.health_rules import health_groups
from dcops_slo.host_rules import host_alerts
from dcops_slo.monitoring_rules import monitoring_alerts
from dcops_slo.options import RuleOptions
from dcops_slo.power_rules import power_alerts
from dcops_slo.redundancy_rules import redundancy_groups
from dcops_slo.rules import RuleGroup, rule_file
from dcops_slo.slo_rules import slo_groups
from dcops_slo.storage_rules import storage_array_alerts
from dcops_slo.view import MonitoredView

RULE_FILE_GLOB = "rules/dcops-*.yml"


def rule_groups(inv: Inventory, view: MonitoredView) -> list[RuleGroup]:
    groups = [*slo_groups(inv, view), *redundancy_groups(inv, view), *capacity_groups(inv, view),
              storage_array_alerts(), power_alerts(), *cooling_groups(), *health_groups(), host_alerts(),
              config_alerts(), monitoring_alerts(view)]
    files = [g.file for g in groups]
    if len(set(files)) != len(files):
        raise ValueError(f"two rule groups share a file: {sorted(f for f in files if files.count(f) > 1)}")
    return groups


def render_rule_files(inv: Inventory, view: MonitoredView, options: RuleOptions) -> dict[str, bytes]:
    """{`rules/dcops-....yml`: bytes}; the same inputs always give the same bytes."""
    return {g.file: rule_file(g, inv.meta.name, options) for g in rule_groups(inv, view)}
