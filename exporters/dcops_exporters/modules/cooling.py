"""Precision air conditioning: supply/return air temperature and humidity, running, alarm.

Which MIB and why: Stulz-WIB8000-MIB (enterprise 29462.10), the MIB Stulz publishes for
its WIB 8000 gateway, through which CyberAir 3 units (C7000 controller) speak SNMP.
There is no generic MIB for CRAC units: MIB-II and HOST-RESOURCES-MIB describe the
gateway, not the air it moves. The same OIDs are read by Checkmk's `stulz_*` checks,
LibreNMS and check_wut_health. Each object is a column of its own table, indexed by
wibBusNumber.wibDeviceAddress.wibModuleNumber (one row per unit on the gateway's bus);
temperatures and humidities are tenths (220 = 22.0 °C, 418 = 41.8 %rH), and 999 means
"no sensor fitted". Six small walks: the WIB answers slowly and breaks on large
GETBULK requests, so each asks for the few rows it had.
"""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, index_label, number, register
from dcops_exporters.snmp import SnmpError, oid

WIB = "1.3.6.1.4.1.29462.10.2.1"
TEMPERATURE_ENTRY = f"{WIB}.1.1.1.1.1.1"
HUMIDITY_ENTRY = f"{WIB}.1.1.1.2.1.1"
RETURN_AIR_TEMPERATURE = oid(f"{TEMPERATURE_ENTRY}.1192")  # unitReturnAirTemperature
SUPPLY_AIR_TEMPERATURE = oid(f"{TEMPERATURE_ENTRY}.1193")  # unitSupplyAirTemperature
RETURN_AIR_HUMIDITY = oid(f"{HUMIDITY_ENTRY}.1194")  # unitReturnAirHumidity
SUPPLY_AIR_HUMIDITY = oid(f"{HUMIDITY_ENTRY}.1195")  # unitSupplyAirHumidity
UNIT_ON_OFF = oid(f"{WIB}.4.1.1.1.1013")  # unitOnOff: 1 on
COMMON_ALARM = oid(f"{WIB}.4.4.1.1.1.1010")  # commonAlarm: 0 none, else the unit is in alarm
NOT_FITTED = 999

READINGS = {
    SUPPLY_AIR_TEMPERATURE: ("dcops_cooling_supply_air_temperature_celsius", "Supply air temperature.", 0.1),
    RETURN_AIR_TEMPERATURE: ("dcops_cooling_return_air_temperature_celsius", "Return air temperature.", 0.1),
    SUPPLY_AIR_HUMIDITY: ("dcops_cooling_supply_air_humidity_ratio", "Supply air relative humidity, 0-1.", 0.001),
    RETURN_AIR_HUMIDITY: ("dcops_cooling_return_air_humidity_ratio", "Return air relative humidity, 0-1.", 0.001),
}


@register
class Cooling(Module):
    name = "cooling"
    description = "Precision AC air temperatures, humidity, running and alarm (Stulz-WIB8000-MIB)"
    roles = ("cooling",)

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        table = await ctx.snmp.walk([UNIT_ON_OFF, COMMON_ALARM, *READINGS], rows=2)
        units = sorted(set(table[UNIT_ON_OFF]) & set(table[COMMON_ALARM]))
        if not units:
            raise SnmpError("no unit answered unitOnOff and commonAlarm (Stulz-WIB8000-MIB)")
        ctx.log(f"Stulz WIB8000: {len(units)} unit(s) on the bus")
        running = GaugeMetricFamily("dcops_cooling_running", "1 when the unit is switched on (unitOnOff).",
                                    labels=["unit"])
        alarm = GaugeMetricFamily("dcops_cooling_alarm", "1 when the unit reports its common alarm (commonAlarm).",
                                  labels=["unit"])
        for idx in units:
            running.add_metric([index_label(idx)], 1.0 if number(table[UNIT_ON_OFF][idx]) == 1 else 0.0)
            alarm.add_metric([index_label(idx)], 0.0 if number(table[COMMON_ALARM][idx]) == 0 else 1.0)
        fams: list[Metric] = [running, alarm]
        for col, (metric, doc, scale) in READINGS.items():
            fam = GaugeMetricFamily(metric, doc, labels=["unit"])
            for idx, value in sorted(table[col].items()):
                if number(value) != NOT_FITTED:
                    fam.add_metric([index_label(idx)], round(number(value) * scale, 4))
            fams.append(fam)
        return fams
