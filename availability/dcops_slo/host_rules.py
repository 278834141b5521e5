"""Agentless servers: filesystems filling, and reboots.

Read from the exporter's `host` module (HOST-RESOURCES-MIB), which probes the servers
whose OS cannot run node_exporter (Solaris 10, old Windows, ESXi, FreeBSD, the rented
PBX servers); the server is `instance`:

    dcops_host_filesystem_size_bytes{mountpoint}, dcops_host_filesystem_used_bytes{mountpoint}
    dcops_host_uptime_seconds                       hrSystemUptime, the host's, not the agent's

The Linux servers run node_exporter; dcops writes no rules for its `node_*` series: load
node-mixin's alerts (NodeFilesystemAlmostOutOfSpace, NodeFilesystemSpaceFillingUp, ...)
for them rather than a second copy here. Memory is not judged: hrStorageRam's "used"
counts the file cache on the Unix agents, so a high ratio there is normal, not pressure.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

USED = "dcops_host_filesystem_used_bytes"
SIZE = "dcops_host_filesystem_size_bytes"
FREE_RATIO = f"({SIZE} - {USED}) / {SIZE}"  # exactly 10 % free is 0.1, where 1 - used / size is 0.0999...
FREE_WARNING, FREE_CRITICAL, FREE_FORECAST = 0.10, 0.05, 0.15
FORECAST_HOURS, FIT = 24, "6h"
REBOOT_SECONDS = 600


def _almost_full(free: float, hold: str, severity: str) -> Alert:
    return Alert(
        "HostFilesystemAlmostFull", f"{FREE_RATIO} < {free}", hold, severity,
        summary="Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than " + f"{free:.0%} free",
        description="Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has "
                    "{{ $value | humanizePercentage }} of its space free: writes fail when it is full, and "
                    "services, databases and logs on it stop with them.",
        comment=("Alertmanager mutes the warning of the same filesystem while this fires." if severity == "critical"
                 else ""))


def host_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        _almost_full(FREE_WARNING, "15m", "warning"),
        _almost_full(FREE_CRITICAL, "5m", "critical"),
        Alert("HostFilesystemFillingUp",
              f"({FREE_RATIO} < {FREE_FORECAST})\nand\n"
              f"(predict_linear({USED}[{FIT}], {FORECAST_HOURS} * 3600) > {SIZE})",
              "1h", "warning",
              summary="Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} fills within "
                      f"{FORECAST_HOURS} hours",
              description="Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has "
                          "{{ $value | humanizePercentage }} free and, at the growth of the last "
                          f"{FIT}, is full within {FORECAST_HOURS} hours.",
              comment=f"Below {FREE_FORECAST:.0%} free and a linear fit over {FIT} reaches the size within "
                      f"{FORECAST_HOURS}h (node-mixin's NodeFilesystemSpaceFillingUp, for agentless hosts)."),
        Alert("HostRebooted", f"dcops_host_uptime_seconds < {REBOOT_SECONDS}", "0s", "warning",
              summary="{{ $labels.instance }} has restarted",
              description="{{ $labels.instance }} booted {{ $value | humanizeDuration }} ago. If nobody planned it, "
                          "find why, and check that its services came back.",
              comment=f"Fires for the first {REBOOT_SECONDS // 60} minutes after a boot. hrSystemUptime is TimeTicks, "
                      "which wrap after 497 days: a host up that long reads as rebooted once."),
    )
    return RuleGroup("dcops-host-alerts", "rules/dcops-host-alerts.yml", rules,
                     "Agentless servers (the host exporter module, dcops_host_*): filesystems and reboots.\n"
                     "Servers scraped by node_exporter are node-mixin's to watch; dcops does not duplicate it.")
