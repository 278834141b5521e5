"""WAN/Internet links: traffic on the terminating port against the contracted rate.

The capacity that matters for a 200 Mbps contract on a gigabit port is the contract, so
both are exposed: utilisation is
`rate(dcops_wan_receive_bytes_total[5m]) * 8 / dcops_wan_committed_rate_bytes_per_second`,
and p95 is `quantile_over_time(0.95, ...)` over a recording rule of it.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, interface_names, register
from dcops_exporters.snmp import oid
from dcops_exporters.targets import InventoryIndex
from dcops_inventory.models import Device

HC_IN, HC_OUT, HIGH_SPEED = oid("1.3.6.1.2.1.31.1.1.1.6"), oid("1.3.6.1.2.1.31.1.1.1.10"), oid("1.3.6.1.2.1.31.1.1.1.15")
OPER_STATUS = oid("1.3.6.1.2.1.2.2.1.8")


@register
class Wan(Module):
    name = "wan"
    description = "Internet/WAN circuits against their contracted capacity"
    roles = ()  # targets are the devices that terminate a circuit, whatever their role

    def unsupported(self, index: InventoryIndex, device: Device) -> str | None:
        reason = super().unsupported(index, device)
        if reason is None and not index.circuits.get(device.name):
            reason = f"device {device.name} terminates no circuit (circuits[].device/interface)"
        return reason

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        circuits = ctx.index.circuits[ctx.device.name]
        names = await interface_names(ctx)
        by_name = {n: idx for idx, n in names.items()}
        rx = CounterMetricFamily("dcops_wan_receive_bytes", "Octets received on the circuit's port.", labels=["circuit"])
        tx = CounterMetricFamily("dcops_wan_transmit_bytes", "Octets sent on the circuit's port.", labels=["circuit"])
        up = GaugeMetricFamily("dcops_wan_up", "1 when the circuit's port is operationally up.", labels=["circuit"])
        speed = GaugeMetricFamily("dcops_wan_port_speed_bytes_per_second", "Speed of the terminating port (bytes per second).", labels=["circuit"])
        commit = GaugeMetricFamily("dcops_wan_committed_rate_bytes_per_second",
                                   "Contracted capacity from the inventory (circuits[].commit_rate_mbps, in bytes per second).", labels=["circuit"])
        info = InfoMetricFamily("dcops_wan_circuit", "Circuit facts from the inventory.",
                                labels=["circuit", "provider", "kind", "interface"])
        wanted = []
        for c in circuits:
            commit.add_metric([c.name], c.commit_rate_mbps * 1e6 / 8)
            info.add_metric([c.name, c.provider, c.kind, c.interface], {})
            idx = by_name.get(c.interface)
            if idx is None:
                ctx.ifnames.invalidate(ctx.device.name)
                ctx.log(f"circuit {c.name}: the device has no interface named {c.interface!r}")
                continue
            wanted.append((c, idx))
        values = await ctx.snmp.get([col + idx for _, idx in wanted for col in (HC_IN, HC_OUT, HIGH_SPEED, OPER_STATUS)])
        for c, idx in wanted:
            if HC_IN + idx in values:
                rx.add_metric([c.name], float(int(values[HC_IN + idx])))
            if HC_OUT + idx in values:
                tx.add_metric([c.name], float(int(values[HC_OUT + idx])))
            if HIGH_SPEED + idx in values:
                speed.add_metric([c.name], int(values[HIGH_SPEED + idx]) * 1e6 / 8)
            if OPER_STATUS + idx in values:
                up.add_metric([c.name], 1.0 if int(values[OPER_STATUS + idx]) == 1 else 0.0)
        if not wanted:
            from dcops_exporters.snmp import SnmpError

            raise SnmpError("none of the device's circuits matches an interface it reports")
        return [rx, tx, up, speed, commit, info]
