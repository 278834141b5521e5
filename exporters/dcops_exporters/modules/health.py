"""Network device health: CPU, memory, temperatures, fans, power supplies; firewall HA and sessions.

No one MIB covers the inventory's network models, so each manufacturer has a reader
(`health_vendors.READERS`, keyed by the device type's manufacturer) that turns its MIBs
into one `Health` record, and this module turns that record into the same metrics for
every make. Which MIB each reader uses, and why, is in its docstring. A make without a
reader is refused at request time (HTTP 400), never guessed.

Fans and power supplies are `..._up` gauges (1 working, 0 failed or absent) labelled
with the name the device gives them, so one alert rule covers every make.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, register
from dcops_exporters.snmp import SnmpError
from dcops_exporters.targets import InventoryIndex
from dcops_inventory.models import Device


@dataclass
class Health:
    """What a vendor reader found; None or empty means the device does not report it."""

    cpu_ratio: float | None = None
    memory_ratio: float | None = None
    memory_size_bytes: float | None = None
    temperatures: dict[str, float] = field(default_factory=dict)  # sensor -> celsius
    fans: dict[str, bool] = field(default_factory=dict)  # fan -> working
    psus: dict[str, bool] = field(default_factory=dict)
    sessions: float | None = None  # firewalls
    ha_mode: float | None = None  # firewalls: 1 standalone, 2 active-active, 3 active-passive
    ha_synchronized: dict[str, bool] = field(default_factory=dict)  # cluster member -> in sync


def _gauge(name: str, doc: str, value: float | None) -> list[Metric]:
    if value is None:
        return []
    fam = GaugeMetricFamily(name, doc)
    fam.add_metric([], value)
    return [fam]


def _labelled(name: str, doc: str, label: str, values: dict[str, float]) -> Metric:
    fam = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        fam.add_metric([key], value)
    return fam


def health_metrics(h: Health) -> list[Metric]:
    fams: list[Metric] = []
    fams += _gauge("dcops_health_cpu_usage_ratio", "CPU busy, 0-1 (the device's own average).", h.cpu_ratio)
    fams += _gauge("dcops_health_memory_usage_ratio", "Memory in use, 0-1.", h.memory_ratio)
    fams += _gauge("dcops_health_memory_size_bytes", "Memory the device has.", h.memory_size_bytes)
    fams.append(_labelled("dcops_health_temperature_celsius", "Temperature sensors.", "sensor", h.temperatures))
    fams.append(_labelled("dcops_health_fan_up", "1 when the fan works, 0 when it failed or is missing.", "fan",
                          {k: float(v) for k, v in h.fans.items()}))
    fams.append(_labelled("dcops_health_psu_up", "1 when the power supply works, 0 when it failed or is missing.",
                          "psu", {k: float(v) for k, v in h.psus.items()}))
    fams += _gauge("dcops_health_firewall_sessions", "Sessions the firewall holds now.", h.sessions)
    fams += _gauge("dcops_health_ha_mode", "HA mode: 1 standalone, 2 active-active, 3 active-passive.", h.ha_mode)
    if h.ha_mode is not None:
        fams += _gauge("dcops_health_ha_members", "Cluster members the device reports.", float(len(h.ha_synchronized)))
        fams.append(_labelled("dcops_health_ha_member_synchronized", "1 when the member's configuration is in sync.",
                              "member", {k: float(v) for k, v in h.ha_synchronized.items()}))
    return fams


@register
class DeviceHealth(Module):
    name = "health"
    description = "CPU, memory, temperature, fans, power supplies; firewall HA and sessions (vendor MIBs)"
    roles = ("core_switch", "distribution_switch", "edge_switch", "poe_switch", "san_switch", "router", "firewall")
    # Temperatures, fans and PSUs change over minutes: probed every 60 s at most, whatever
    # the device's scrape tier, so the network core's 15 s tier does not quadruple the load.
    min_interval_ms = 60_000

    def unsupported(self, index: InventoryIndex, device: Device) -> str | None:
        from dcops_exporters.modules.health_vendors import READERS

        reason = super().unsupported(index, device)
        maker = index.inv.device_type_of(device).manufacturer
        if reason is None and maker not in READERS:
            reason = f"no health reader for manufacturer {maker!r}; valid: {', '.join(sorted(READERS))}"
        return reason

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        from dcops_exporters.modules.health_vendors import READERS

        reader = READERS[ctx.index.inv.device_type_of(ctx.device).manufacturer]
        health = await reader.read(ctx)
        if health.cpu_ratio is None and not health.temperatures:
            raise SnmpError(f"{reader.__name__}: the device reported neither CPU nor temperatures")
        ctx.log(f"{reader.__name__}: {len(health.temperatures)} temperatures, {len(health.fans)} fans, "
                f"{len(health.psus)} power supplies")
        return health_metrics(health)
