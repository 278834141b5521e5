"""Cooling: precision air conditioners in alarm, stopped, or blowing air outside ASHRAE's envelope.

Read from the exporter's `cooling` module (Stulz-WIB8000-MIB), one series per unit on the
gateway's bus (labels `instance`, the CRAC, and `unit`):

    dcops_cooling_alarm, dcops_cooling_running                 0/1
    dcops_cooling_supply_air_temperature_celsius, dcops_cooling_supply_air_humidity_ratio

Thresholds: ASHRAE TC 9.9, Thermal Guidelines for Data Processing Environments, the
recommended envelope for classes A1-A4 at the IT equipment's air inlet: 18-27 °C dry
bulb, dew point -9 °C to 15 °C (4th edition, 2015; the same in the 5th, 2021). The
supply air is what reaches the inlets: warming it on the way changes its relative
humidity but not its dew point, so the dew point of the supply air is the inlets' dew
point, while its relative humidity is higher than theirs (the 60 % RH limit is
therefore not judged here: nothing measures the inlets' temperature).

The dew point is the Magnus formula with the coefficients of the WMO guide (Sonntag
1990): gamma = ln(RH) + 17.62 T / (243.12 + T), dew point = 243.12 gamma / (17.62 - gamma),
T in °C, within 0.1 °C from -45 to 60 °C.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

SUPPLY_T = "dcops_cooling_supply_air_temperature_celsius"
SUPPLY_RH = "dcops_cooling_supply_air_humidity_ratio"
DEW_POINT = "cooling_unit:dcops_supply_air_dew_point_celsius:magnus"
MAGNUS_A, MAGNUS_B = 17.62, 243.12
SUPPLY_MAX_C = 27  # ASHRAE recommended upper dry bulb at the inlets
DEW_POINT_MIN_C, DEW_POINT_MAX_C = -9, 15  # ASHRAE recommended dew point range


def cooling_records() -> RuleGroup:
    gamma = f"(ln({SUPPLY_RH}) + {MAGNUS_A} * {SUPPLY_T} / ({MAGNUS_B} + {SUPPLY_T}))"
    rules: tuple[Record | Alert, ...] = (
        Record(DEW_POINT, f"{MAGNUS_B} * {gamma}\n/\n({MAGNUS_A} - {gamma})",
               comment="Dew point of each unit's supply air, °C (Magnus formula, WMO coefficients)."),
    )
    return RuleGroup("dcops-cooling-records", "rules/dcops-cooling-records.yml", rules,
                     "Dew point of the supply air of each precision air conditioner, from the cooling module's\n"
                     "supply air temperature and relative humidity (see dcops-cooling-alerts).")


def cooling_alerts() -> RuleGroup:
    rules: tuple[Record | Alert, ...] = (
        Alert("CoolingUnitAlarm", "dcops_cooling_alarm == 1", "2m", "critical",
              summary="Cooling unit {{ $labels.unit }} of {{ $labels.instance }} is in alarm",
              description="Precision air conditioner {{ $labels.instance }} (unit {{ $labels.unit }}) reports its "
                          "common alarm: a compressor, fan, airflow, water or sensor fault. Its share of the room's "
                          "cooling may be gone; the room warms within minutes if it is.",
              comment="Stulz commonAlarm: any alarm of the unit; its panel says which."),
        Alert("CoolingUnitNotRunning", "dcops_cooling_running == 0", "5m", "warning",
              summary="Cooling unit {{ $labels.unit }} of {{ $labels.instance }} is switched off",
              description="Precision air conditioner {{ $labels.instance }} (unit {{ $labels.unit }}) has been off "
                          "for 5 minutes: the other units carry the room without a spare, or the room warms.",
              comment="unitOnOff: off by hand, by its controller after a fault, or by a lost supply."),
        Alert("CoolingSupplyAirTemperatureHigh", f"{SUPPLY_T} > {SUPPLY_MAX_C}", "10m", "warning",
              summary="Supply air of {{ $labels.instance }} is above " + f"{SUPPLY_MAX_C} °C",
              description="Precision air conditioner {{ $labels.instance }} (unit {{ $labels.unit }}) supplies air "
                          "at {{ $value | printf \"%.1f\" }} °C, above the "
                          f"{SUPPLY_MAX_C} °C upper limit ASHRAE TC 9.9 recommends at IT equipment inlets "
                          "(classes A1-A4): the inlets it feeds are at least as warm.",
              comment=f"ASHRAE recommended envelope 18-{SUPPLY_MAX_C} °C at the inlets; the supply air only warms "
                      "on its way there."),
        Alert("CoolingHumidityOutOfRange",
              f"{DEW_POINT} < {DEW_POINT_MIN_C}\nor\n{DEW_POINT} > {DEW_POINT_MAX_C}", "30m", "warning",
              summary="Supply air of {{ $labels.instance }} is outside the recommended humidity",
              description="The supply air of {{ $labels.instance }} (unit {{ $labels.unit }}) has a dew point of "
                          "{{ $value | printf \"%.1f\" }} °C, outside the "
                          f"{DEW_POINT_MIN_C} °C to {DEW_POINT_MAX_C} °C ASHRAE TC 9.9 recommends: too dry invites "
                          "electrostatic discharge, too humid corrosion and condensation.",
              comment=f"Dew point from {DEW_POINT}; humidity drifts slowly, so 30 minutes outside the range."),
    )
    return RuleGroup("dcops-cooling-alerts", "rules/dcops-cooling-alerts.yml", rules,
                     "Precision air conditioners: alarm, stopped, supply air temperature and humidity against\n"
                     "ASHRAE TC 9.9's recommended envelope, from the cooling exporter module (dcops_cooling_*).")


def cooling_groups() -> list[RuleGroup]:
    return [cooling_records(), cooling_alerts()]
