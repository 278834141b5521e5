"""Bandwidth against contract: every measured circuit against its committed rate, and the ports.

A 200 Mbps Internet contract on a gigabit port is full at 200 Mbps, so each contracted
circuit the `wan` module reads gets its own row whose traffic panel carries the commitment
from the inventory (`circuits[].commit_rate_mbps`) as threshold lines: orange at the
CircuitUtilisationHigh share of it, red at the commitment itself. Beside it, the port's
state and the busy hour the capacity alerts judge (p95 of the 5-minute utilisation, dcops_slo's
recording rules). Circuits the inventory contracts but nothing measures are listed, with
why. The last row is the campus ports: uplinks (interfaces whose inventory role is
`uplink`) and the busiest ports.

The exporter's `dcops_interface_info` carries the inventory's interface role in a label
named `role`, which is also a target label (the device's role): Prometheus keeps the
target's and renames the scraped one to `exported_role`, so uplinks are
`dcops_interface_info{exported_role="uplink"}`.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from dcops_dashboards.board import finish, label_variable, new_dashboard, selector
from dcops_dashboards.context import Context
from dcops_dashboards.panels import GREEN, ORANGE, RED, UP_DOWN, Query, bars, graph, note, single, steps
from dcops_exporters.targets import DATA_CIRCUIT_KINDS
from dcops_inventory.models import Circuit
from dcops_slo.capacity_rules import HIGH, SATURATED, UTILISATION, UTILISATION_P95

UID = "dcops-bandwidth"
TITLE = "Bandwidth against contract"
UTILISATION_STEPS = steps((None, GREEN), (HIGH, ORANGE), (SATURATED, RED))
INTERFACE_ROLE = "exported_role"  # the inventory's interface role, renamed by Prometheus (module docstring)


def _mbps(value: int) -> str:
    return f"{value / 1000:g} Gbps" if value >= 1000 else f"{value} Mbps"


def circuits_overview(dashboard: Dashboard) -> Dashboard:
    return (dashboard
            .with_panel(bars("Utilisation of the contracted rate, now", "Traffic over the committed rate, 5-minute "
                             "average, each circuit and direction (1 = the commitment).",
                             [Query(selector(UTILISATION, "site"), "{{circuit}} {{direction}}")], "percentunit",
                             thresholds=UTILISATION_STEPS, min_value=0, max_value=1))
            .with_panel(bars("Busy hour: p95 of the last hour", "The 95th percentile of the 5-minute utilisation over "
                             f"the last hour; CircuitUtilisationHigh fires above {HIGH:.0%}.",
                             [Query(selector(UTILISATION_P95, "site"), "{{circuit}} {{direction}}")], "percentunit",
                             thresholds=UTILISATION_STEPS, min_value=0, max_value=1)))


def circuit_row(circuit: Circuit, device: str, dashboard: Dashboard) -> Dashboard:
    committed = circuit.commit_rate_mbps * 1_000_000  # bits per second, as the panel draws traffic
    name = circuit.name

    def traffic(direction: str) -> str:
        return f"rate({selector(f'dcops_wan_{direction}_bytes_total', circuit=name)}[$__rate_interval]) * 8"

    title = f"{name}: {circuit.kind}, {_mbps(circuit.commit_rate_mbps)} committed ({circuit.provider})"
    return (dashboard.with_row(Row(title))
            .with_panel(graph(f"Traffic against the {_mbps(circuit.commit_rate_mbps)} commitment",
                              f"Bits per second on {device} {circuit.interface}. Dashed lines: {HIGH:.0%} of the "
                              f"commitment and the commitment itself (inventory commit_rate_mbps "
                              f"{circuit.commit_rate_mbps}).",
                              [Query(traffic("receive"), "in"), Query(traffic("transmit"), "out")], "bps",
                              thresholds=steps((None, GREEN), (committed * HIGH, ORANGE), (committed, RED)),
                              min_value=0))
            .with_panel(single("Port", f"Operational state of {device} {circuit.interface} (ifOperStatus).",
                               [Query(selector("dcops_wan_up", circuit=name))], mappings=UP_DOWN,
                               thresholds=steps((None, RED), (1, GREEN)), height=8))
            .with_panel(single("Busy hour", "p95 of the 5-minute utilisation over the last hour, per direction.",
                               [Query(selector(UTILISATION_P95, circuit=name), "{{direction}}")], "percentunit",
                               thresholds=UTILISATION_STEPS, height=8))
            .with_panel(single("p95 of the last day", "The 95th percentile of the 5-minute utilisation over the "
                               "last day, per direction: the figure a contract review starts from.",
                               [Query(f"quantile_over_time(0.95, {selector(UTILISATION, circuit=name)}[1d])",
                                      "{{direction}}")], "percentunit", thresholds=UTILISATION_STEPS, height=8)))


def unmeasured_note(ctx: Context) -> str | None:
    lines = []
    for circuit in sorted(ctx.inv.circuits, key=lambda c: c.name):
        if circuit.status != "active" or circuit.name in ctx.view.circuits:
            continue
        if not circuit.device:
            why = "no terminating device in the inventory"
        elif circuit.kind not in DATA_CIRCUIT_KINDS:
            why = f"a {circuit.kind} trunk on {circuit.device}: voice trunks are measured in calls, not octets"
        else:
            why = f"the wan module does not probe {circuit.device}"
        lines.append(f"- **{circuit.name}** ({circuit.kind}, {_mbps(circuit.commit_rate_mbps)}, site "
                     f"{circuit.site}): {why}")
    if not lines:
        return None
    return "Circuits the inventory contracts that no exporter measures:\n\n" + "\n".join(lines)


def ports(ctx: Context, dashboard: Dashboard) -> Dashboard:
    speed = f"({selector('dcops_interface_speed_bytes_per_second', 'site', 'role')} > 0)"

    def rate(direction: str) -> str:
        return f"rate({selector(f'dcops_interface_{direction}_bytes_total', 'site', 'role')}[$__rate_interval])"

    dashboard = dashboard.with_row(Row("Network ports"))
    if any(facts.role == "uplink" for name in ctx.targets_of("if_mib")
           for facts in ctx.index.interfaces.get(name, {}).values()):
        uplinks = (f"max by (instance, interface) "
                   f"({selector('dcops_interface_info', 'site', 'role', **{INTERFACE_ROLE: 'uplink'})})")
        dashboard = dashboard.with_panel(graph(
            "Uplinks, share of port speed, top 10", "Ports whose inventory role is uplink: traffic over the port "
            "speed, the ten busiest per direction.",
            [Query(f"topk(10, {rate('receive')} / {speed} * on(instance, interface) group_left() {uplinks})",
                   "{{instance}} {{interface}} in"),
             Query(f"topk(10, {rate('transmit')} / {speed} * on(instance, interface) group_left() {uplinks})",
                   "{{instance}} {{interface}} out")], "percentunit",
            thresholds=steps((None, GREEN), (HIGH, ORANGE), (SATURATED, RED)), min_value=0))
    return dashboard.with_panel(graph(
        "Busiest ports, bits per second, top 10", "The ten busiest ports per direction, any role.",
        [Query(f"topk(10, {rate('receive')} * 8)", "{{instance}} {{interface}} in"),
         Query(f"topk(10, {rate('transmit')} * 8)", "{{instance}} {{interface}} out")], "bps", min_value=0))


def build(ctx: Context) -> Dashboard:
    site = label_variable("site", "Site", "dcops_probe_success")
    role = label_variable("role", "Role", 'dcops_probe_success{site=~"$site"}')
    dashboard = new_dashboard(
        ctx, UID, TITLE, "Each contracted circuit against its committed rate (inventory commit_rate_mbps), the busy "
        "hour the capacity alerts judge, and the busiest campus ports.", [site, role])
    measured = sorted(ctx.view.circuits.items())
    text = unmeasured_note(ctx)
    if measured or text:
        dashboard = dashboard.with_row(Row("Contracted circuits"))
    if measured:
        dashboard = circuits_overview(dashboard)
    if text:
        dashboard = dashboard.with_panel(note("Contracted, not measured", text, height=2 + text.count("\n")))
    for name, device in measured:
        dashboard = circuit_row(ctx.inv.get("circuits", name), device, dashboard)
    if ctx.has("if_mib"):
        dashboard = ports(ctx, dashboard)
    return dashboard


def render(ctx: Context):
    return finish(build(ctx))
