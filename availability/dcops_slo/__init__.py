"""Availability goals as Prometheus rules, and the Alertmanager config that routes their alerts.

Everything here is derived from the inventory (availability_goals, redundancy_groups,
circuits, sites) and from a plain description of what the rendered Prometheus config
scrapes (`MonitoredView`), so this package never imports the exporter that builds it:

    from dcops_slo import MonitoredView, RuleOptions, render_rule_files, render_alertmanager

`dcops prometheus render` writes the results beside prometheus.yml (`rules/dcops-*.yml`,
`alertmanager.yml`); `dcops slo rules` prints the SLO table with its burn-rate factors.
"""

from dcops_slo.alertmanager import render_alertmanager
from dcops_slo.options import RuleOptions
from dcops_slo.render import RULE_FILE_GLOB, render_rule_files
from dcops_slo.view import MonitoredView

__all__ = ["RULE_FILE_GLOB", "MonitoredView", "RuleOptions", "render_alertmanager", "render_rule_files"]
