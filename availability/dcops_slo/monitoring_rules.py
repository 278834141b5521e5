"""The monitoring pipeline watching itself: a heartbeat alert and exporters that stop answering.

MonitoringWatchdog always fires. Alertmanager sends it to the `watchdog` receiver every
minute, and an external dead man's switch (--watchdog-webhook) raises the alarm when it
stops: then Prometheus, its rules or Alertmanager are down, and silence means nothing.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup
from dcops_slo.view import MonitoredView, promql_match

WATCHDOG = "MonitoringWatchdog"


def monitoring_alerts(view: MonitoredView) -> RuleGroup:
    jobs = sorted(view.exporter_jobs)
    rules: tuple[Record | Alert, ...] = (
        Alert(WATCHDOG, "vector(1)", "0s", "none",
              summary="Heartbeat of the alerting pipeline: always firing",
              description="This alert always fires. An external dead man's switch expects it; when it stops "
                          "arriving, Prometheus, its rules or Alertmanager are broken."),
        Alert("MonitoringExporterDown", f"up{{{promql_match('job', jobs)}}} == 0", "5m", "critical",
              summary="Exporter {{ $labels.instance }} (job {{ $labels.job }}) is down",
              description="Prometheus cannot scrape {{ $labels.instance }} for job {{ $labels.job }}. While it is "
                          "down the series it provides are stale: SLIs that need them are unknown, not bad, "
                          "and the alerts built on them stay silent.",
              comment="Jobs that scrape an exporter's own endpoint: " + ", ".join(jobs) + "."),
    )
    return RuleGroup("dcops-monitoring-alerts", "rules/dcops-monitoring-alerts.yml", rules,
                     "The monitoring pipeline itself: heartbeat and exporters down.")
