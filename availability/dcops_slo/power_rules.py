"""Power: UPSes on battery, running out, overloaded, asking for a battery, fed badly.

Read from the exporter's `ups` module (RFC 1628 UPS-MIB, APC PowerNet-MIB where present),
one series per UPS, the UPS being `instance`:

    dcops_ups_on_battery                  1 while the load runs on battery
    dcops_ups_battery_runtime_seconds     the UPS's own estimate of the time left
    dcops_ups_load_ratio                  the most loaded output line, 0-1 of its rating
    dcops_ups_battery_replace_needed      APC's replace indicator
    dcops_ups_alarm{alarm}                the alarm table, named after upsWellKnownAlarms

A UPS that goes on battery for the few seconds a generator needs to take the load is
normal; one that stays there is not, hence `for: 1m`. The runtime alert looks only at
UPSes on battery: right after an outage a recharging battery reports a short runtime
on mains, which needs no page. Without the `ups` module these alerts select nothing.
"""

from __future__ import annotations

from dcops_slo.rules import Alert, Record, RuleGroup

ON_BATTERY = "dcops_ups_on_battery"
RUNTIME = "dcops_ups_battery_runtime_seconds"
LOAD = "dcops_ups_load_ratio"
RUNTIME_LOW_SECONDS = 600  # time to shut VMs and arrays down cleanly once the generator has not taken over
RUNTIME_FIT = "5m"  # predict_linear window: five 60 s samples
LOAD_HIGH, LOAD_CRITICAL = 0.8, 0.95


def power_alerts() -> RuleGroup:
    minutes = RUNTIME_LOW_SECONDS // 60
    rules: tuple[Record | Alert, ...] = (
        Alert("UpsOnBattery", f"{ON_BATTERY} == 1", "1m", "warning",
              summary="UPS {{ $labels.instance }} is on battery",
              description="UPS {{ $labels.instance }} has carried its load on battery for more than a minute: its "
                          "input has failed or is out of tolerance and no generator has taken over. Everything it "
                          "feeds goes down when the battery is flat.",
              comment="Longer than a generator transfer takes (10-30 s), so a working transfer stays silent."),
        Alert("UpsBatteryRuntimeLow",
              f"{RUNTIME}\nand\n(\n  {RUNTIME} < {RUNTIME_LOW_SECONDS}\nor\n"
              f"  predict_linear({RUNTIME}[{RUNTIME_FIT}], {RUNTIME_LOW_SECONDS}) <= 0\n)\n"
              f"and\n{ON_BATTERY} == 1",
              "1m", "critical",
              summary="UPS {{ $labels.instance }} has less than " + f"{minutes} minutes of battery left",
              description="UPS {{ $labels.instance }} is on battery with {{ $value | humanizeDuration }} of runtime "
                          f"left, or at the drain of the last {RUNTIME_FIT} it runs out within {minutes} minutes. "
                          "Shut down what it feeds in order, or move the load, before it drops.",
              comment=f"On battery only. Below {minutes} minutes by the UPS's own estimate, or heading for 0 within "
                      f"{minutes} minutes by a linear fit over {RUNTIME_FIT} (the estimate falls faster than real "
                      "time when the load grows). The value is the UPS's estimate."),
        Alert("UpsBatteryReplace",
              'dcops_ups_battery_replace_needed == 1\nor\nmax without (alarm) (dcops_ups_alarm{alarm="batteryBad"})',
              "15m", "warning",
              summary="UPS {{ $labels.instance }} needs a new battery",
              description="UPS {{ $labels.instance }} reports that its battery needs replacing (APC replace "
                          "indicator or UPS-MIB alarm batteryBad): it may not carry the load through the next "
                          "outage for as long as its runtime estimate says.",
              comment="APC's upsAdvBatteryReplaceIndicator, or RFC 1628's upsAlarmBatteryBad for other makes."),
        Alert("UpsOverloaded", f"{LOAD} > {LOAD_HIGH}", "5m", "warning",
              summary="UPS {{ $labels.instance }} is loaded above " + f"{LOAD_HIGH:.0%}",
              description="The most loaded output line of UPS {{ $labels.instance }} carries "
                          "{{ $value | humanizePercentage }} of its rating: no headroom left for inrush current or "
                          "for the load of its redundant partner.",
              comment=f"Above {LOAD_HIGH:.0%} of the rating, the usual sizing limit for a UPS."),
        Alert("UpsOverloaded", f"{LOAD} > {LOAD_CRITICAL}", "1m", "critical",
              summary="UPS {{ $labels.instance }} is about to overload",
              description="The most loaded output line of UPS {{ $labels.instance }} carries "
                          "{{ $value | humanizePercentage }} of its rating: past 100 % it transfers to bypass "
                          "(unprotected mains) or, on battery, shuts down.",
              comment="Alertmanager mutes the warning of the same UPS while this fires."),
        Alert("UpsInputOutOfTolerance",
              f'max without (alarm) (dcops_ups_alarm{{alarm="inputBad"}})\nunless on(instance)\n{ON_BATTERY} == 1',
              "5m", "warning",
              summary="UPS {{ $labels.instance }} reports its input out of tolerance",
              description="UPS {{ $labels.instance }} judges its input voltage or frequency out of tolerance "
                          "(UPS-MIB alarm inputBad) while still on mains: it is correcting the input, and the "
                          "next dip puts it on battery.",
              comment="The UPS's own judgement against its configured transfer points, not a fixed voltage band: "
                      "the nominal voltage differs by site and model. On battery, UpsOnBattery says it."),
    )
    return RuleGroup("dcops-power-alerts", "rules/dcops-power-alerts.yml", rules,
                     "UPSes: on battery, runtime, battery health, load and input, from the ups exporter module\n"
                     "(dcops_ups_*); without that module these alerts select nothing.")
