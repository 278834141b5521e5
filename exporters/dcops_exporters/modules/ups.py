"""UPS: on battery, charge, runtime, load, input/output voltage and alarms.

Which MIB and why: RFC 1628 UPS-MIB (1.3.6.1.2.1.33) first, because it is the standard
every UPS management card speaks (APC's Network Management Cards answer it beside their
own PowerNet-MIB), so the module reads any make the inventory may add. Two things
operators read on an APC that UPS-MIB lacks come from PowerNet-MIB (1.3.6.1.4.1.318),
when the agent has them: the battery-replace indicator (upsAdvBatteryReplaceIndicator,
no equivalent in UPS-MIB) and the runtime in TimeTicks (upsAdvBatteryRunTimeRemaining,
to the second where upsEstimatedMinutesRemaining is whole minutes). One GET of the
scalars and one walk of the input, output and alarm tables: 7 PDUs on a healthy card.

A UPS whose card does not answer the scalars that decide an outage (output source,
charge, runtime) fails the probe: half an answer about a UPS is worse than none.
"""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from dcops_exporters.modules import Module, ProbeContext, index_label, number, register, text
from dcops_exporters.snmp import Oid, SnmpError, oid

UPS = "1.3.6.1.2.1.33.1"
BATTERY_STATUS = oid(f"{UPS}.2.1.0")  # 1 unknown, 2 batteryNormal, 3 batteryLow, 4 batteryDepleted
SECONDS_ON_BATTERY = oid(f"{UPS}.2.2.0")  # 0 when on utility power
MINUTES_REMAINING = oid(f"{UPS}.2.3.0")
CHARGE_REMAINING = oid(f"{UPS}.2.4.0")  # percent
BATTERY_TEMPERATURE = oid(f"{UPS}.2.7.0")  # degrees Celsius
INPUT_LINE_BADS = oid(f"{UPS}.3.1.0")  # Counter32: times the input went out of tolerance
OUTPUT_SOURCE = oid(f"{UPS}.4.1.0")  # 1 other, 2 none, 3 normal, 4 bypass, 5 battery, 6 booster, 7 reducer
ALARMS_PRESENT = oid(f"{UPS}.6.1.0")
INPUT_FREQUENCY = oid(f"{UPS}.3.3.1.2")  # 0.1 Hz, per input line
INPUT_VOLTAGE = oid(f"{UPS}.3.3.1.3")  # RMS volts
OUTPUT_VOLTAGE = oid(f"{UPS}.4.4.1.2")
OUTPUT_POWER = oid(f"{UPS}.4.4.1.4")  # watts
OUTPUT_LOAD = oid(f"{UPS}.4.4.1.5")  # percent of rated capacity
ALARM_DESCR = oid(f"{UPS}.6.2.1.2")  # AutonomousType: one of upsWellKnownAlarms
WELL_KNOWN_ALARMS = f"{UPS}.6.3"
OUTPUT_SOURCE_BATTERY = 5

APC_UPS = "1.3.6.1.4.1.318.1.1.1"
APC_RUNTIME = oid(f"{APC_UPS}.2.2.3.0")  # TimeTicks (1/100 s)
APC_REPLACE = oid(f"{APC_UPS}.2.2.4.0")  # 1 noBatteryNeedsReplacing, 2 batteryNeedsReplacing
APC_OUTPUT_STATUS = oid(f"{APC_UPS}.4.1.1.0")  # 2 onLine, 3 onBattery, ...
APC_ON_BATTERY = 3

# upsWellKnownAlarms (RFC 1628 section 3.6), by their last arc.
ALARM_NAMES = {
    1: "batteryBad", 2: "onBattery", 3: "lowBattery", 4: "depletedBattery", 5: "tempBad", 6: "inputBad",
    7: "outputBad", 8: "outputOverload", 9: "onBypass", 10: "bypassBad", 11: "outputOffAsRequested",
    12: "upsOffAsRequested", 13: "chargerFailed", 14: "upsOutputOff", 15: "upsSystemOff", 16: "fanFailure",
    17: "fuseFailure", 18: "generalFault", 19: "diagnosticTestFailed", 20: "communicationsLost",
    21: "awaitingPower", 22: "shutdownPending", 23: "shutdownImminent", 24: "testInProgress",
}

SCALARS = [BATTERY_STATUS, SECONDS_ON_BATTERY, MINUTES_REMAINING, CHARGE_REMAINING, BATTERY_TEMPERATURE,
           INPUT_LINE_BADS, OUTPUT_SOURCE, ALARMS_PRESENT, APC_RUNTIME, APC_REPLACE, APC_OUTPUT_STATUS]
TABLE = [INPUT_FREQUENCY, INPUT_VOLTAGE, OUTPUT_VOLTAGE, OUTPUT_POWER, OUTPUT_LOAD, ALARM_DESCR]


def alarm_name(value: object) -> str:
    """`upsAlarmOnBattery` for a well-known alarm OID, else the OID itself."""
    dotted = text(value)
    prefix = WELL_KNOWN_ALARMS + "."
    if dotted.startswith(prefix) and dotted[len(prefix):].isdigit():
        return ALARM_NAMES.get(int(dotted[len(prefix):]), dotted)
    return dotted


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels or [])


@register
class Ups(Module):
    name = "ups"
    description = "UPS battery, load, voltages and alarms (RFC 1628 UPS-MIB, APC PowerNet-MIB)"
    roles = ("ups",)

    async def collect(self, ctx: ProbeContext) -> list[Metric]:
        got = await ctx.snmp.get(SCALARS)
        on_battery = self._on_battery(got)
        runtime = self._runtime(got)
        if CHARGE_REMAINING not in got or on_battery is None or runtime is None:
            missing = [n for n, ok in (("upsOutputSource", on_battery is not None),
                                       ("upsEstimatedChargeRemaining", CHARGE_REMAINING in got),
                                       ("upsEstimatedMinutesRemaining", runtime is not None)) if not ok]
            raise SnmpError(f"the UPS did not answer {', '.join(missing)} (UPS-MIB)")
        table = await ctx.snmp.walk(TABLE, rows=3)
        ctx.log(f"UPS-MIB: {len(got)} scalars, {len(table[OUTPUT_LOAD])} output lines, "
                f"{len(table[ALARM_DESCR])} alarms")
        fams: list[Metric] = []
        for name, doc, value in (
            ("dcops_ups_on_battery", "1 when the load runs on battery (upsOutputSource battery(5)).", on_battery),
            ("dcops_ups_battery_runtime_seconds", "Estimated time the battery can carry the load.", runtime),
            ("dcops_ups_battery_charge_ratio", "Battery charge, 0-1 (upsEstimatedChargeRemaining).",
             number(got[CHARGE_REMAINING]) / 100),
        ):
            fam = _gauge(name, doc)
            fam.add_metric([], value)
            fams.append(fam)
        load = _gauge("dcops_ups_load_ratio", "Load of the most loaded output line, 0-1 of its rated capacity "
                      "(upsOutputPercentLoad): an overload trips on one phase, not on the average.")
        if table[OUTPUT_LOAD]:
            load.add_metric([], max(number(v) for v in table[OUTPUT_LOAD].values()) / 100)
        fams.append(load)
        for col, metric, doc, scale in (
            (INPUT_VOLTAGE, "dcops_ups_input_voltage_volts", "Input voltage per line (upsInputVoltage).", 1),
            (INPUT_FREQUENCY, "dcops_ups_input_frequency_hertz", "Input frequency per line (upsInputFrequency).", 0.1),
            (OUTPUT_VOLTAGE, "dcops_ups_output_voltage_volts", "Output voltage per line (upsOutputVoltage).", 1),
            (OUTPUT_POWER, "dcops_ups_output_power_watts", "Output true power per line (upsOutputPower).", 1),
        ):
            fam = _gauge(metric, doc, ["line"])
            for idx, value in sorted(table[col].items()):
                fam.add_metric([index_label(idx)], number(value) * scale)
            fams.append(fam)
        fams += self._battery(got)
        alarms = _gauge("dcops_ups_alarm", "1 for each alarm the UPS reports (upsAlarmTable, named after "
                        "upsWellKnownAlarms).", ["alarm"])
        for name in sorted({alarm_name(v) for v in table[ALARM_DESCR].values()}):
            alarms.add_metric([name], 1.0)
        present = _gauge("dcops_ups_alarms", "Alarms present (upsAlarmsPresent).")
        present.add_metric([], number(got.get(ALARMS_PRESENT, len(table[ALARM_DESCR]))))
        fams += [alarms, present]
        return fams

    @staticmethod
    def _on_battery(got: dict[Oid, object]) -> float | None:
        if OUTPUT_SOURCE in got:
            return 1.0 if number(got[OUTPUT_SOURCE]) == OUTPUT_SOURCE_BATTERY else 0.0
        if APC_OUTPUT_STATUS in got:
            return 1.0 if number(got[APC_OUTPUT_STATUS]) == APC_ON_BATTERY else 0.0
        return None

    @staticmethod
    def _runtime(got: dict[Oid, object]) -> float | None:
        if APC_RUNTIME in got:
            return number(got[APC_RUNTIME]) / 100
        if MINUTES_REMAINING in got:
            return number(got[MINUTES_REMAINING]) * 60
        return None

    @staticmethod
    def _battery(got: dict[Oid, object]) -> list[Metric]:
        fams: list[Metric] = []
        for key, metric, doc, convert in (
            (SECONDS_ON_BATTERY, "dcops_ups_time_on_battery_seconds",
             "Time since the UPS switched to battery, 0 on utility power (upsSecondsOnBattery).", number),
            (BATTERY_STATUS, "dcops_ups_battery_status",
             "upsBatteryStatus: 1 unknown, 2 normal, 3 low, 4 depleted.", number),
            (BATTERY_TEMPERATURE, "dcops_ups_battery_temperature_celsius", "Battery temperature.", number),
            (APC_REPLACE, "dcops_ups_battery_replace_needed",
             "1 when the UPS asks for a battery replacement (APC upsAdvBatteryReplaceIndicator).",
             lambda v: 1.0 if number(v) == 2 else 0.0),
        ):
            if key in got:
                fam = _gauge(metric, doc)
                fam.add_metric([], convert(got[key]))
                fams.append(fam)
        if INPUT_LINE_BADS in got:
            bads = CounterMetricFamily("dcops_ups_input_line_bads", "Times the input went out of tolerance "
                                       "(upsInputLineBads).")
            bads.add_metric([], number(got[INPUT_LINE_BADS]))
            fams.append(bads)
        return fams
