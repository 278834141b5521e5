"""Capacity: what fills up, and when it will be full.

For capacity planners rather than the on-call: the busy hour of each contracted circuit and
its forecast (the CircuitFullForecast fit), storage pools and the StoragePoolFillingUp fit,
the fullest filesystems and memory of the servers, UPS load and runtime, supply air against
ASHRAE's recommended range, and the share of access ports in use per site. Thresholds are
the alerts' own (dcops_slo.capacity_rules), so a bar turns red where an alert would fire.

Forecasts read long ranges (a week of the hourly p95, 6 hours of pool growth) and mean
little until that much history exists; Prometheus fits whatever the range holds, so the
panels show a value from the second sample on.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from dcops_dashboards.board import finish, label_variable, new_dashboard, selector
from dcops_dashboards.context import Context
from dcops_dashboards.panels import GREEN, ORANGE, RED, Query, bars, graph, steps
from dcops_slo.capacity_rules import (
    FORECAST_DAYS,
    HIGH,
    SATURATED,
    STORAGE_FORECAST_DAYS,
    STORAGE_SIZE,
    STORAGE_USED,
    UTILISATION_P95,
)

UID = "dcops-capacity"
TITLE = "Capacity"
FILL = steps((None, GREEN), (HIGH, ORANGE), (SATURATED, RED))
FULL = steps((None, GREEN), (HIGH, ORANGE), (1, RED))
ASHRAE_RECOMMENDED_MAX_C = 27  # ASHRAE TC 9.9 recommended inlet range for IT equipment: 18-27 °C
ACCESS_ROLES = ("edge_switch", "poe_switch")
NODE_FILESYSTEMS = 'job=~"dcops_node_.*", fstype!~"tmpfs|ramfs|squashfs|devtmpfs", site=~"$site"'


def circuits(dashboard: Dashboard) -> Dashboard:
    p95 = selector(UTILISATION_P95, "site")
    return (dashboard.with_row(Row("Contracted circuits"))
            .with_panel(graph("Busy hour: p95 of the last hour", "The 95th percentile of the 5-minute utilisation of "
                              f"the committed rate; CircuitUtilisationHigh fires above {HIGH:.0%}.",
                              [Query(p95, "{{circuit}} {{direction}}")], "percentunit", thresholds=FULL,
                              min_value=0))
            .with_panel(graph(f"Forecast: utilisation in {FORECAST_DAYS} days", "A linear fit of the last 7 days of "
                              f"the busy hour, {FORECAST_DAYS} days ahead; CircuitFullForecast fires above 1 (the "
                              "commitment). Meaningful once a week of history exists.",
                              [Query(f"predict_linear({p95}[7d], {FORECAST_DAYS} * 86400)",
                                     "{{circuit}} {{direction}}")], "percentunit", thresholds=FULL)))


def storage(dashboard: Dashboard) -> Dashboard:
    used, size = selector(STORAGE_USED, "site"), selector(STORAGE_SIZE, "site")
    return (dashboard.with_row(Row("Storage pools"))
            .with_panel(bars("Pool fill", "Space in use in each pool (CPG); StoragePoolAlmostFull fires above "
                             f"{SATURATED:.0%}.", [Query(f"{used} / {size}", "{{instance}} {{pool}}")], "percentunit",
                             thresholds=FILL, min_value=0, max_value=1))
            .with_panel(graph(f"Forecast: pool fill in {STORAGE_FORECAST_DAYS} days", "The growth of the last 6 hours "
                              f"carried {STORAGE_FORECAST_DAYS} days ahead, over the pool's size; StoragePoolFillingUp "
                              "fires when it passes 1 on a pool already 80 % full.",
                              [Query(f"predict_linear({used}[6h], {STORAGE_FORECAST_DAYS} * 86400) / {size}",
                                     "{{instance}} {{pool}}")], "percentunit", thresholds=FULL, min_value=0))
            .with_panel(graph("Pool space used", "Bytes in use per pool.", [Query(used, "{{instance}} {{pool}}")],
                              "bytes", min_value=0))
            .with_panel(bars("Array capacity", "Physical capacity of each array, and the part on failed disks.",
                             [Query(selector("dcops_storage_capacity_bytes", "site"), "{{instance}}"),
                              Query(selector("dcops_storage_failed_capacity_bytes", "site"), "{{instance}} failed")],
                             "bytes", min_value=0)))


def servers(ctx: Context, dashboard: Dashboard) -> Dashboard:
    dashboard = dashboard.with_row(Row("Servers"))
    if ctx.has("host"):
        fs = f"{selector('dcops_host_filesystem_used_bytes', 'site')} / {selector('dcops_host_filesystem_size_bytes', 'site')}"
        memory = f"{selector('dcops_host_memory_used_bytes', 'site')} / {selector('dcops_host_memory_size_bytes', 'site')}"
        dashboard = (dashboard
                     .with_panel(bars("Fullest filesystems, SNMP hosts", "The ten fullest filesystems of hosts read "
                                      "over HOST-RESOURCES-MIB.", [Query(f"topk(10, {fs})", "{{instance}} {{mountpoint}}")],
                                      "percentunit", thresholds=FILL, min_value=0, max_value=1, width=8))
                     .with_panel(bars("Memory in use, SNMP hosts", "The ten hosts using the largest share of memory.",
                                      [Query(f"topk(10, {memory})", "{{instance}}")], "percentunit", thresholds=FILL,
                                      min_value=0, max_value=1, width=8)))
    if ctx.node_exporter:
        avail, size = (f"node_filesystem_{m}_bytes{{{NODE_FILESYSTEMS}}}" for m in ("avail", "size"))
        dashboard = dashboard.with_panel(bars(
            "Fullest filesystems, node_exporter servers", "The ten fullest filesystems of the Linux servers (space "
            "not available to users).", [Query(f"topk(10, 1 - {avail} / {size})", "{{instance}} {{mountpoint}}")],
            "percentunit", thresholds=FILL, min_value=0, max_value=1, width=8))
    return dashboard


def power_and_cooling(ctx: Context, dashboard: Dashboard) -> Dashboard:
    dashboard = dashboard.with_row(Row("Power and cooling"))
    if ctx.has("ups"):
        dashboard = (dashboard
                     .with_panel(bars("UPS load", "Load of each UPS's most loaded output line against its rating.",
                                      [Query(selector("dcops_ups_load_ratio", "site"), "{{instance}}")], "percentunit",
                                      thresholds=FILL, min_value=0, max_value=1, width=8))
                     .with_panel(bars("UPS runtime at the present load", "How long each battery would carry today's "
                                      "load: what more load would shorten.",
                                      [Query(selector("dcops_ups_battery_runtime_seconds", "site"), "{{instance}}")],
                                      "s", min_value=0, width=8)))
    if ctx.has("cooling"):
        dashboard = dashboard.with_panel(graph(
            "Supply air against the recommended range", "Air leaving each precision AC unit; ASHRAE recommends "
            f"IT equipment inlet air of 18-{ASHRAE_RECOMMENDED_MAX_C} °C.",
            [Query(selector("dcops_cooling_supply_air_temperature_celsius", "site"), "{{instance}} unit {{unit}}")],
            "celsius", thresholds=steps((None, GREEN), (ASHRAE_RECOMMENDED_MAX_C, RED)), width=8))
    return dashboard


def ports(roles: list[str], dashboard: Dashboard) -> Dashboard:
    oper = f'dcops_interface_oper_status{{role=~"{"|".join(roles)}", site=~"$site"}}'
    return (dashboard.with_row(Row("Switch ports"))
            .with_panel(bars("Access ports in use, by site", "Share of the access switches' ports that are up: what "
                             "is left for new desks and phones.",
                             [Query(f"count by (site) ({oper} == 1) / count by (site) ({oper})", "{{site}}")],
                             "percentunit", thresholds=FILL, min_value=0, max_value=1, width=24, height=6)))


def build(ctx: Context) -> Dashboard:
    site = label_variable("site", "Site", "dcops_probe_success")
    dashboard = new_dashboard(
        ctx, UID, TITLE, "What fills up and when: circuits, storage pools, servers, UPS and cooling, switch ports. "
        "Thresholds are the capacity alerts' own.", [site], time_from="now-7d")
    if ctx.view.circuits:
        dashboard = circuits(dashboard)
    if ctx.has("storage"):
        dashboard = storage(dashboard)
    if ctx.has("host") or ctx.node_exporter:
        dashboard = servers(ctx, dashboard)
    if ctx.has("ups") or ctx.has("cooling"):
        dashboard = power_and_cooling(ctx, dashboard)
    access = sorted({str(ctx.inv.device(d).role) for d in ctx.targets_of("if_mib")} & set(ACCESS_ROLES))
    if access:
        dashboard = ports(access, dashboard)
    return dashboard


def render(ctx: Context):
    return finish(build(ctx))
