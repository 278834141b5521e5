"""Freshness: config backups older than a day, devices whose config drifted from intent.

The metrics come from the Ansible side (`dcops ansible backup` and `dcops ansible
compliance`, playbooks backup_configs.yml and compliance.yml), written as Prometheus
textfiles (dcops_ansible/metrics.py; default out/metrics/dcops_config_*.prom). Two ways
serve them: the dcops exporter itself with `dcops exporter serve --textfile-dir DIR`,
through its own job `dcops_exporter` that `dcops prometheus render` always writes; or a
node_exporter run with `--collector.textfile.directory DIR`, rendered with
`--textfile-exporter HOST:PORT` (job `dcops_textfile`). The rules select the metrics by
name only, never by job, so they work either way. With neither, ConfigBackupMetricsAbsent
says that nobody watches the backups.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

DAY = 86400


def config_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("ConfigBackupStale",
              f"time() - dcops_config_backup_last_success_timestamp_seconds > {DAY}\n"
              "or on(device)\n"
              "(dcops_config_backup_success == 0 unless on(device) dcops_config_backup_last_success_timestamp_seconds)",
              "1h", "warning",
              summary="The config backup of {{ $labels.device }} is older than a day",
              description="The backup repository has no copy of {{ $labels.device }}'s running config from the "
                          "last day: its last successful backup is older, or every attempt has failed.",
              comment="Older than a day, or never successful (then there is no age to compare). for: 1h lets a "
                      "daily run finish late without an alert."),
        Alert("ConfigBackupMetricsAbsent", "absent(dcops_config_backup_run_timestamp_seconds)", "1h", "warning",
              summary="No config backup run is reported",
              description="Prometheus has no dcops_config_backup_run_timestamp_seconds: the backup playbook has "
                          "not run, or its textfile is not scraped, so stale backups would go unnoticed."),
        Alert("ConfigDriftDetected", "dcops_config_compliance_compliant == 0", "15m", "warning",
              summary="The running config of {{ $labels.device }} drifted from intent",
              description="The last compliance run found lines in {{ $labels.device }}'s running config that "
                          "differ from the config the inventory intends."),
        Alert("ConfigComplianceStale", f"time() - dcops_config_compliance_run_timestamp_seconds > {DAY}", "1h",
              "warning",
              summary="The config compliance check has not run for a day",
              description="The last compliance run finished {{ $value | humanizeDuration }} ago, so drift since "
                          "then is unknown."),
    )
    return RuleGroup("dcops-config-alerts", "rules/dcops-config-alerts.yml", rules,
                     "Config backups and compliance, from the Ansible textfile metrics (served by the dcops\n"
                     "exporter's --textfile-dir, or a node_exporter's textfile collector).")
