"""IF-MIB for switches, routers and firewalls: 64-bit octets, speed, status, errors, discards.

Counters carry only the `interface` label; what the inventory says about the port
(description, role, peer, ifIndex) is in `dcops_interface_info`, joined in queries with
`* on(instance, interface) group_left(role) dcops_interface_info`.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, interface_names, register
from dcops_exporters.snmp import oid

IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"

# column OID -> (metric name, kind, help, scale)
COLUMNS: dict[tuple[int, ...], tuple[str, str, str, float]] = {
    oid(f"{IFX_ENTRY}.6"): ("dcops_interface_receive_bytes", "counter", "Octets received (ifHCInOctets).", 1),
    oid(f"{IFX_ENTRY}.10"): ("dcops_interface_transmit_bytes", "counter", "Octets sent (ifHCOutOctets).", 1),
    oid(f"{IFX_ENTRY}.15"): ("dcops_interface_speed_bytes_per_second", "gauge", "Port speed (ifHighSpeed, in bytes per second).", 1e6 / 8),
    oid(f"{IF_ENTRY}.7"): ("dcops_interface_admin_status", "gauge", "ifAdminStatus: 1 up, 2 down, 3 testing.", 1),
    oid(f"{IF_ENTRY}.8"): ("dcops_interface_oper_status", "gauge", "ifOperStatus: 1 up, 2 down, 3 testing, 5 dormant, 7 lowerLayerDown.", 1),
    oid(f"{IF_ENTRY}.14"): ("dcops_interface_receive_errors", "counter", "Inbound packets with errors (ifInErrors).", 1),
    oid(f"{IF_ENTRY}.20"): ("dcops_interface_transmit_errors", "counter", "Outbound packets with errors (ifOutErrors).", 1),
    oid(f"{IF_ENTRY}.13"): ("dcops_interface_receive_discards", "counter", "Inbound packets discarded (ifInDiscards).", 1),
    oid(f"{IF_ENTRY}.19"): ("dcops_interface_transmit_discards", "counter", "Outbound packets discarded (ifOutDiscards).", 1),
}


@register
class IfMib(Module):
    name = "if_mib"
    description = "Interface traffic, speed, status and errors (IF-MIB)"
    roles = ("core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch", "router", "firewall")

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        names = await interface_names(ctx)
        table = await ctx.snmp.walk(list(COLUMNS), rows=len(names))
        ctx.log(f"walked {len(COLUMNS)} IF-MIB columns in {ctx.snmp.requests} PDUs so far")
        facts = ctx.index.interfaces.get(ctx.device.name, {})
        unknown = False
        families: list[Metric] = []
        label_of: dict[tuple[int, ...], str] = {}
        for idx in sorted(set().union(*(rows.keys() for rows in table.values()))):
            name = names.get(idx)
            if name is None:
                unknown = True
                name = "ifIndex" + ".".join(map(str, idx))
            label_of[idx] = name
        if unknown:
            ctx.ifnames.invalidate(ctx.device.name)
            ctx.log("an ifIndex is not in the cached ifName table: refreshing it next scrape")
        for col, (metric, kind, help_text, scale) in COLUMNS.items():
            fam = (CounterMetricFamily if kind == "counter" else GaugeMetricFamily)(metric, help_text, labels=["interface"])
            for idx, value in table[col].items():
                fam.add_metric([label_of[idx]], float(int(value)) * scale)
            families.append(fam)
        info = InfoMetricFamily("dcops_interface", "Interface facts from the inventory.",
                                labels=["interface", "ifindex", "description", "role", "peer"])
        for idx, name in sorted(label_of.items()):
            f = facts.get(name)
            info.add_metric([name, ".".join(map(str, idx)), f.description if f else "",
                             f.role if f else "", f.peer if f else ""], {})
        families.append(info)
        return families
