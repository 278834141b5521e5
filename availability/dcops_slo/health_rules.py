"""Network device health: fans, power supplies, temperatures, CPU; FortiGate HA clusters.

Read from the exporter's `health` module, which turns each make's MIBs (CISCO-ENVMON,
ENTITY-SENSOR, FORTINET-FORTIGATE, Brocade SW-MIB) into the same series, so one rule
covers every make (the device is `instance`):

    dcops_health_fan_up{fan}, dcops_health_psu_up{psu}     1 working, 0 failed or absent
    dcops_health_temperature_celsius{sensor}               as the device names its sensors
    dcops_health_cpu_usage_ratio                           the device's own average, 0-1
    dcops_health_ha_mode, dcops_health_ha_members, dcops_health_ha_member_synchronized{member}
                                                           FortiGates only

Temperatures: the module exports readings, not the device's own thresholds, and those
differ by sensor (an air inlet against a CPU die). Sensors named for the air they take in
(inlet, intake, ambient) are held to 45 °C, the upper allowable inlet temperature of
ASHRAE's widest class (A4); any other sensor to 85 °C, below the 90-105 °C at which
switches commonly shut down (Dell Networking N-Series administrator guide, "show system
temperature"). The health module is probed every 60 s at most, so no `for:` is shorter
than two probes.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

CPU = "dcops_health_cpu_usage_ratio"
TEMPERATURE = "dcops_health_temperature_celsius"
INLET_SENSORS = "(?i).*(inlet|intake|ambient).*"
INLET_MAX_C = 45  # ASHRAE class A4 allowable inlet maximum
SENSOR_MAX_C = 85  # below common switch shutdown points (90-105 °C)
CPU_HIGH = 0.9


def device_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("DeviceFanFailed", "dcops_health_fan_up == 0", "5m", "warning",
              summary="Fan {{ $labels.fan }} of {{ $labels.instance }} has failed",
              description="{{ $labels.instance }} reports fan {{ $labels.fan }} failed or missing: the remaining "
                          "fans run faster, and the device overheats if another one goes."),
        Alert("DevicePowerSupplyFailed", "dcops_health_psu_up == 0", "5m", "warning",
              summary="Power supply {{ $labels.psu }} of {{ $labels.instance }} has failed",
              description="{{ $labels.instance }} reports power supply {{ $labels.psu }} failed or missing: it runs "
                          "on its other supplies, without redundancy, and loses power with the next one or with "
                          "the feed they share.",
              comment="A supply that is absent (an empty slot) reads 0 too."),
        Alert("DevicePowerSupplyFailed", "max without (psu) (dcops_health_psu_up) == 0", "2m", "critical",
              summary="{{ $labels.instance }} reports no working power supply",
              description="Every power supply {{ $labels.instance }} reports is failed or missing, yet it still "
                          "answers: it runs on a source it does not report (a redundant power system, PoE) or its "
                          "last supply is failing.",
              comment="Alertmanager mutes the per-supply warnings of the same device while this fires."),
        Alert("DeviceTemperatureHigh",
              f'{TEMPERATURE}{{sensor=~"{INLET_SENSORS}"}} > {INLET_MAX_C}\nor\n'
              f'{TEMPERATURE}{{sensor!~"{INLET_SENSORS}"}} > {SENSOR_MAX_C}',
              "5m", "warning",
              summary="Sensor {{ $labels.sensor }} of {{ $labels.instance }} is hot",
              description="Sensor {{ $labels.sensor }} of {{ $labels.instance }} reads {{ $value }} °C, above "
                          f"{INLET_MAX_C} °C for an air inlet sensor or {SENSOR_MAX_C} °C for any other: the room "
                          "or the device's airflow is failing, and it shuts down at its own limit.",
              comment=f"Inlet, intake or ambient sensors above {INLET_MAX_C} °C (ASHRAE A4 allowable maximum), "
                      f"any other above {SENSOR_MAX_C} °C."),
        Alert("DeviceCpuUsageHigh", f"{CPU} > {CPU_HIGH}", "15m", "warning",
              summary="CPU of {{ $labels.instance }} is above " + f"{CPU_HIGH:.0%}",
              description="{{ $labels.instance }} has kept its CPU at {{ $value | humanizePercentage }} for 15 "
                          "minutes: control-plane work (routing and spanning-tree protocols, management, on a "
                          "firewall the inspection itself) is starved and slows down or drops.",
              comment="Every reading over 15 minutes, not one busy sample."),
    )
    return RuleGroup("dcops-device-health-alerts", "rules/dcops-device-health-alerts.yml", rules,
                     "Network device hardware: fans, power supplies, temperatures and CPU, from the health\n"
                     "exporter module (dcops_health_*); without that module these alerts select nothing.")


def firewall_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("FirewallHaOutOfSync", "dcops_health_ha_member_synchronized == 0", "15m", "warning",
              summary="HA member {{ $labels.member }} seen from {{ $labels.instance }} is out of sync",
              description="{{ $labels.instance }} reports cluster member {{ $labels.member }} out of configuration "
                          "sync for 15 minutes: a failover now brings up a firewall with a different policy.",
              comment="fgHaStatsSyncStatus; a sync after a config change takes seconds, so 15 minutes is stuck."),
        Alert("FirewallHaDegraded", "dcops_health_ha_members < 2\nand\ndcops_health_ha_mode > 1", "5m", "warning",
              summary="HA cluster of {{ $labels.instance }} has lost its peer",
              description="{{ $labels.instance }} is configured for HA but its cluster has {{ $value }} member(s): "
                          "the traffic still flows, and stops with the next failure of this firewall.",
              comment="fgHaSystemMode active-active or active-passive with fewer than two members in fgHaStatsTable."),
    )
    return RuleGroup("dcops-firewall-alerts", "rules/dcops-firewall-alerts.yml", rules,
                     "FortiGate HA clusters: members out of sync and clusters without their peer, from the health\n"
                     "exporter module (dcops_health_ha_*).")


def health_groups() -> list[RuleGroup]:
    return [device_alerts(), firewall_alerts()]
