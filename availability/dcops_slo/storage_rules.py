"""Storage arrays: failed disks, controller nodes down, remote copy stopped or lagging.

Read from the exporter's `storage` module (HPE 3PAR WSAPI), the array being `instance`:

    dcops_storage_failed_capacity_bytes           capacity on failed disks, 0 when every disk works
    dcops_storage_controller_up{node}             1 while the controller node is online
    dcops_storage_replication_started{group, target}, dcops_storage_replication_lag_seconds{group, target}
                                                  remote copy per group and target array

The pools filling up are capacity_rules' (StoragePool*). The lag threshold stands in for a
recovery point objective the inventory does not declare: an hour, above any sync period
a periodic remote copy group is usually given.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

LAG_SECONDS = 3600


def storage_array_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("StorageDiskFailed", "dcops_storage_failed_capacity_bytes > 0", "5m", "warning",
              summary="{{ $labels.instance }} has failed disks",
              description="{{ $value | humanize1024 }}B of {{ $labels.instance }}'s capacity sits on failed disks. "
                          "The array rebuilds their data onto spare space; until the disks are replaced, another "
                          "failure in the same RAID set loses data.",
              comment="allCapacity.failedCapacityMiB: one number for every disk, instead of 100+ disk series."),
        Alert("StorageControllerDown", "dcops_storage_controller_up == 0", "2m", "critical",
              summary="Controller node {{ $labels.node }} of {{ $labels.instance }} is down",
              description="Controller node {{ $labels.node }} of {{ $labels.instance }} is offline: its partner "
                          "serves every volume alone in write-through mode (no mirrored write cache), slower, and "
                          "the next node failure takes every volume of the array down."),
        Alert("StorageReplicationBroken", "dcops_storage_replication_started == 0", "5m", "critical",
              summary="Remote copy {{ $labels.group }} of {{ $labels.instance }} to {{ $labels.target }} is stopped",
              description="Remote copy group {{ $labels.group }} of {{ $labels.instance }} no longer replicates to "
                          "{{ $labels.target }}: the copy there ages by the minute, and a failover to it now loses "
                          "every write since it stopped.",
              comment="The target's state is not started(3): stopped by hand or by the array after a link failure."),
        Alert("StorageReplicationLagHigh", f"dcops_storage_replication_lag_seconds > {LAG_SECONDS}", "15m", "warning",
              summary="Remote copy {{ $labels.group }} of {{ $labels.instance }} lags more than "
                      f"{LAG_SECONDS // 3600} hour",
              description="The oldest volume of remote copy group {{ $labels.group }} on {{ $labels.target }} was "
                          "last synced {{ $value | humanizeDuration }} ago: a failover now loses that much data.",
              comment="Age of the oldest last sync among the group's volumes. Alertmanager mutes it while the group "
                      "is stopped (StorageReplicationBroken)."),
    )
    return RuleGroup("dcops-storage-array-alerts", "rules/dcops-storage-array-alerts.yml", rules,
                     "Storage arrays: failed disks, controller nodes and remote copy, from the storage exporter\n"
                     "module (dcops_storage_*); without that module these alerts select nothing.")
