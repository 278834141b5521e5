"""Fleet health: is every device answering, and is any of them unwell?

The first rows are about reachability (every probed device and every node_exporter server,
by the same signal the SLIs use) and the exporter that probes them. Then one row per device
family the inventory has targets for: interfaces, network device health, UPS, cooling,
servers, storage arrays. A family nothing probes gets no row. The `site` variable narrows
every row; `role` narrows the rows that span several roles (reachability, interfaces, device
health), while the family rows are one or two roles each already.

Counts of bad things ("ports down", "fans failed") read 0 rather than "No data" when nothing
is wrong, so an empty panel always means a missing series, never a healthy fleet.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from dcops_dashboards.board import finish, label_variable, new_dashboard, or_zero, selector
from dcops_dashboards.context import Context
from dcops_dashboards.panels import GREEN, ORANGE, RED, UP_DOWN, Query, bars, graph, single, steps

UID = "dcops-fleet"
TITLE = "Fleet health"
NODE_JOBS = 'job=~"dcops_node_.*"'
BAD_IF_ANY = steps((None, GREEN), (1, RED))
BUSY = steps((None, GREEN), (0.8, ORANGE), (0.95, RED))


def _answers(ctx: Context) -> str:
    """One sample per device: 1 answers, 0 does not (dcops_slo's signal, filtered by site and role)."""
    signals = selector("dcops_probe_success", "site", "role")
    if ctx.node_exporter:
        signals += f' or up{{{NODE_JOBS}, site=~"$site", role=~"$role"}}'
    return f"max by (instance) ({signals})"


def reachability(ctx: Context, dashboard: Dashboard) -> Dashboard:
    probe = selector("dcops_probe_success", "site", "role")
    answers = _answers(ctx)
    return (dashboard.with_row(Row("Reachability"))
            .with_panel(single("Devices answering", "Devices whose probes succeed (any module), and servers whose "
                               "node_exporter answers.", [Query(or_zero(f"count({answers} == 1)"))], width=6))
            .with_panel(single("Devices not answering", "Devices with a failing probe or node_exporter scrape: the "
                               "signal the availability SLIs and redundancy rules read.",
                               [Query(or_zero(f"count({answers} == 0)"))], thresholds=BAD_IF_ANY, width=6))
            .with_panel(single("Probes failing", "Probes (device x module) answering dcops_probe_success 0.",
                               [Query(or_zero(f"count({probe} == 0)"))], thresholds=BAD_IF_ANY, width=6))
            .with_panel(single("Probes succeeding", "Share of probes that succeed now.", [Query(f"avg({probe})")],
                               "percentunit", thresholds=steps((None, RED), (0.95, ORANGE), (1, GREEN)), width=6))
            .with_panel(graph("Probes succeeding, by module", "Share of each module's targets whose probe succeeds.",
                              [Query(f"avg by (module) ({probe})", "{{module}}")], "percentunit",
                              min_value=0, max_value=1, width=8))
            .with_panel(graph("Slowest probe, by module", "The longest probe of each module: probes near the scrape "
                              "timeout are the first to fail under load.",
                              [Query(f"max by (module) ({selector('dcops_probe_duration_seconds', 'site', 'role')})",
                                     "{{module}}")], "s", width=8))
            .with_panel(bars("Failing probes, by reason", "Why probes fail (dcops_probe_failure_reason): timeout or "
                             "unreachable call for the network team, auth or missing_credential for whoever "
                             "deployed the exporter, overload for its capacity.",
                             [Query(f"sum by (reason) ({selector('dcops_probe_failure_reason', 'site', 'role')})",
                                    "{{reason}}")], thresholds=BAD_IF_ANY, min_value=0, width=8)))


def exporter(dashboard: Dashboard) -> Dashboard:
    return (dashboard.with_row(Row("dcops exporter"))
            .with_panel(single("Exporter", "Whether Prometheus can scrape the dcops exporter itself; while it is "
                               "down every probe series is stale and SLIs are unknown, not bad.",
                               [Query('up{job="dcops_exporter"}', "{{instance}}")], mappings=UP_DOWN,
                               thresholds=steps((None, RED), (1, GREEN)), width=4, height=8))
            .with_panel(graph("Probes in flight, queued and allowed", "Admission control: probes running, waiting "
                              "for a slot, and the adaptive concurrency limit.",
                              [Query("sum(dcops_exporter_probes_in_flight)", "in flight"),
                               Query("sum(dcops_exporter_probes_queued)", "queued"),
                               Query("sum(dcops_exporter_probe_concurrency_limit)", "limit")], width=10))
            .with_panel(graph("Probes per second", "Probes run by result, and probes refused because they could not "
                              "have finished before their deadline.",
                              [Query("sum by (result) (rate(dcops_exporter_probes_total[$__rate_interval]))",
                                     "{{result}}"),
                               Query("sum by (reason) (rate(dcops_exporter_probes_refused_total[$__rate_interval]))",
                                     "refused ({{reason}})")], "reqps", width=10)))


def interfaces(dashboard: Dashboard) -> Dashboard:
    oper = selector("dcops_interface_oper_status", "site", "role")
    admin = selector("dcops_interface_admin_status", "site", "role")
    speed = f"({selector('dcops_interface_speed_bytes_per_second', 'site', 'role')} > 0)"

    def rate(metric: str) -> str:
        return f"rate({selector(metric, 'site', 'role')}[$__rate_interval])"

    def per_device(*metrics: str) -> str:
        return " + ".join(f"sum by (instance) ({rate(m)})" for m in metrics)

    return (dashboard.with_row(Row("Interfaces"))
            .with_panel(single("Ports down that should be up", "Ports administratively up (ifAdminStatus 1) whose "
                               "ifOperStatus is not up.",
                               [Query(or_zero(f"count(({oper} != 1) and on(instance, interface) ({admin} == 1))"))],
                               thresholds=BAD_IF_ANY, width=4, height=8))
            .with_panel(graph("Busiest ports, share of port speed", "The ten busiest ports per direction: bytes per "
                              "second over the port's speed (ifHighSpeed).",
                              [Query(f"topk(5, {rate('dcops_interface_receive_bytes_total')} / {speed})",
                                     "{{instance}} {{interface}} in"),
                               Query(f"topk(5, {rate('dcops_interface_transmit_bytes_total')} / {speed})",
                                     "{{instance}} {{interface}} out")], "percentunit",
                              thresholds=BUSY, min_value=0, width=10))
            .with_panel(graph("Errors and discards per second, worst devices", "Packets with errors and packets "
                              "discarded, both directions, the ten worst devices each.",
                              [Query(f"topk(10, {per_device('dcops_interface_receive_errors_total', 'dcops_interface_transmit_errors_total')})",
                                     "{{instance}} errors"),
                               Query(f"topk(10, {per_device('dcops_interface_receive_discards_total', 'dcops_interface_transmit_discards_total')})",
                                     "{{instance}} discards")], "pps", width=10)))


def device_health(ctx: Context, dashboard: Dashboard) -> Dashboard:
    def top(metric: str) -> str:
        return f"topk(10, {selector(metric, 'site', 'role')})"

    dashboard = (dashboard.with_row(Row("Network device health"))
                 .with_panel(graph("CPU busy, top 10", "The device's own CPU average (vendor MIBs).",
                                   [Query(top("dcops_health_cpu_usage_ratio"), "{{instance}}")], "percentunit",
                                   thresholds=BUSY, min_value=0, width=8))
                 .with_panel(graph("Memory in use, top 10", "Share of the device's memory in use.",
                                   [Query(top("dcops_health_memory_usage_ratio"), "{{instance}}")], "percentunit",
                                   thresholds=BUSY, min_value=0, width=8))
                 .with_panel(graph("Hottest sensor per device, top 10", "The highest temperature each device reports.",
                                   [Query(f"topk(10, max by (instance) "
                                          f"({selector('dcops_health_temperature_celsius', 'site', 'role')}))",
                                          "{{instance}}")], "celsius", width=8))
                 .with_panel(single("Fans failed", "Fans a device reports failed or missing (dcops_health_fan_up 0).",
                                    [Query(or_zero(f"count({selector('dcops_health_fan_up', 'site', 'role')} == 0)"))],
                                    thresholds=BAD_IF_ANY, width=6))
                 .with_panel(single("Power supplies failed", "Power supplies a device reports failed or missing.",
                                    [Query(or_zero(f"count({selector('dcops_health_psu_up', 'site', 'role')} == 0)"))],
                                    thresholds=BAD_IF_ANY, width=6)))
    firewalls = [d for d in ctx.targets_of("health") if ctx.inv.device(d).role == "firewall"]
    if firewalls:
        dashboard = (dashboard
                     .with_panel(single("Firewall HA members out of sync", "Cluster members whose configuration is "
                                        "not in sync: a failover would run another rule set.",
                                        [Query(or_zero(f"count({selector('dcops_health_ha_member_synchronized', 'site')}"
                                                       " == 0)"))], thresholds=BAD_IF_ANY, width=6))
                     .with_panel(graph("Firewall sessions", "Sessions each firewall holds.",
                                       [Query(selector("dcops_health_firewall_sessions", "site"), "{{instance}}")],
                                       "short", width=6, height=4)))
    return dashboard


def power(dashboard: Dashboard) -> Dashboard:
    def ups(metric: str) -> str:
        return selector(metric, "site")

    return (dashboard.with_row(Row("UPS"))
            .with_panel(single("UPS on battery", "UPSs carrying their load on battery now.",
                               [Query(or_zero(f"count({ups('dcops_ups_on_battery')} == 1)"))], thresholds=BAD_IF_ANY,
                               width=4))
            .with_panel(single("UPS alarms", "Alarms the UPSs report (upsAlarmsPresent).",
                               [Query(or_zero(f"sum({ups('dcops_ups_alarms')})"))], thresholds=BAD_IF_ANY, width=4))
            .with_panel(graph("Battery runtime at the present load", "How long each battery would carry the load.",
                              [Query(ups("dcops_ups_battery_runtime_seconds"), "{{instance}}")], "s", min_value=0,
                              width=8, height=8))
            .with_panel(graph("UPS load", "Load of each UPS's most loaded output line, against its rating.",
                              [Query(ups("dcops_ups_load_ratio"), "{{instance}}")], "percentunit", thresholds=BUSY,
                              min_value=0, width=8, height=8))
            .with_panel(graph("Battery charge", "Charge of each UPS battery.",
                              [Query(ups("dcops_ups_battery_charge_ratio"), "{{instance}}")], "percentunit",
                              min_value=0, max_value=1, width=8, height=4)))


def cooling(dashboard: Dashboard) -> Dashboard:
    def unit(metric: str) -> str:
        return selector(metric, "site")

    return (dashboard.with_row(Row("Cooling"))
            .with_panel(single("Units in alarm", "Precision AC units reporting their common alarm.",
                               [Query(or_zero(f"count({unit('dcops_cooling_alarm')} == 1)"))], thresholds=BAD_IF_ANY))
            .with_panel(single("Units stopped", "Precision AC units switched off.",
                               [Query(or_zero(f"count({unit('dcops_cooling_running')} == 0)"))],
                               thresholds=BAD_IF_ANY))
            .with_panel(graph("Supply and return air", "Air temperature leaving (supply) and entering (return) each "
                              "unit.",
                              [Query(unit("dcops_cooling_supply_air_temperature_celsius"), "{{instance}} supply"),
                               Query(unit("dcops_cooling_return_air_temperature_celsius"), "{{instance}} return")],
                              "celsius", width=8))
            .with_panel(graph("Return air humidity", "Relative humidity of the air returning to each unit.",
                              [Query(unit("dcops_cooling_return_air_humidity_ratio"), "{{instance}}")],
                              "percentunit", width=8)))


def servers(ctx: Context, dashboard: Dashboard) -> Dashboard:
    dashboard = dashboard.with_row(Row("Servers"))
    if ctx.has("host"):
        cpu = selector("dcops_host_cpu_load_ratio", "site")
        used, size = selector("dcops_host_memory_used_bytes", "site"), selector("dcops_host_memory_size_bytes", "site")
        dashboard = (dashboard
                     .with_panel(graph("CPU busy, SNMP hosts, top 10", "Average processor load of hosts read over "
                                       "HOST-RESOURCES-MIB (Windows, Solaris, ESXi, FreeBSD).",
                                       [Query(f"topk(10, avg by (instance) ({cpu}))", "{{instance}}")], "percentunit",
                                       thresholds=BUSY, min_value=0, width=8))
                     .with_panel(graph("Memory in use, SNMP hosts, top 10", "Physical memory in use.",
                                       [Query(f"topk(10, {used} / {size})", "{{instance}}")], "percentunit",
                                       thresholds=BUSY, min_value=0, width=8)))
    if ctx.node_exporter:
        idle = f'node_cpu_seconds_total{{{NODE_JOBS}, mode="idle", site=~"$site"}}'
        dashboard = dashboard.with_panel(graph(
            "CPU busy, node_exporter servers, top 10", "Share of CPU time not idle on the Linux servers.",
            [Query(f"topk(10, 1 - avg by (instance) (rate({idle}[$__rate_interval])))", "{{instance}}")],
            "percentunit", thresholds=BUSY, min_value=0, width=8))
    return dashboard


def storage(dashboard: Dashboard) -> Dashboard:
    def array(metric: str) -> str:
        return selector(metric, "site")

    return (dashboard.with_row(Row("Storage arrays"))
            .with_panel(single("Controllers offline", "Controller nodes of the arrays that are not online.",
                               [Query(or_zero(f"count({array('dcops_storage_controller_up')} == 0)"))],
                               thresholds=BAD_IF_ANY, width=6))
            .with_panel(single("Capacity on failed disks", "Capacity the arrays report on failed disks.",
                               [Query(f"sum({array('dcops_storage_failed_capacity_bytes')})")], "bytes",
                               thresholds=BAD_IF_ANY, width=6))
            .with_panel(single("Pools not normal", "Pools (CPGs) degraded or failed.",
                               [Query(or_zero(f"count({array('dcops_storage_pool_state')} != 1)"))],
                               thresholds=BAD_IF_ANY, width=6))
            .with_panel(single("Replication not in sync", "Remote copy groups with a volume not synced on a target.",
                               [Query(or_zero(f"count({array('dcops_storage_replication_synced')} == 0)"))],
                               thresholds=BAD_IF_ANY, width=6)))


def build(ctx: Context) -> Dashboard:
    site = label_variable("site", "Site", "dcops_probe_success")
    role = label_variable("role", "Role", 'dcops_probe_success{site=~"$site"}')
    dashboard = new_dashboard(
        ctx, UID, TITLE, "Is every device answering, and is any unwell? One row per device family the inventory "
        "has targets for. Role narrows the reachability, interface and device health rows.", [site, role])
    dashboard = exporter(reachability(ctx, dashboard))
    if ctx.has("if_mib"):
        dashboard = interfaces(dashboard)
    if ctx.has("health"):
        dashboard = device_health(ctx, dashboard)
    if ctx.has("ups"):
        dashboard = power(dashboard)
    if ctx.has("cooling"):
        dashboard = cooling(dashboard)
    if ctx.has("host") or ctx.node_exporter:
        dashboard = servers(ctx, dashboard)
    if ctx.has("storage"):
        dashboard = storage(dashboard)
    return dashboard


def render(ctx: Context):
    return finish(build(ctx))
