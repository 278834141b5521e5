"""The SLO rule groups: SLIs and error ratios, the budget over each goal's window, burn alerts.

Names follow Prometheus' `level:metric:operations`; the level `slo` means the labels
{slo, subject, subject_kind[, site]}:

    component:dcops_sli_good:bool           1/0 per measured component (sli.py)
    slo:dcops_sli_good:min                  1/0 per goal and subject: min over its components
    slo:dcops_sli_error:ratio_rate5m ... ratio_rate3d
                                            share of bad evaluations over 5m, 30m, 1h, 2h, 6h, 1d, 3d
    slo:dcops_objective:ratio               the goal's target (0.999), labelled with its window
    slo:dcops_sli_error:ratio_rate30d       the error ratio over the goal's whole window (30d, 365d)
    slo:dcops_error_budget_remaining:ratio  1 - that ratio / the budget: 1 untouched, 0 spent, < 0 overspent

The whole-window ratios read weeks of samples, so their group runs at the rule profile's
budget interval (5m in production). They need Prometheus' retention to cover the window
(`--storage.tsdb.retention.time=400d` for a 365-day goal); with less, they cover what is
kept. Burn alerts (windows.py) are rendered per goal, with that goal's factors.
"""

from __future__ import annotations

from decimal import Decimal

from dcops_inventory import Inventory
from dcops_inventory.models import AvailabilityGoal
from dcops_slo.rules import Alert, Record, RuleGroup
from dcops_slo.sli import COMPONENT_GOOD, SUBJECT_GOOD, SliBuilder, Subject
from dcops_slo.view import MonitoredView
from dcops_slo.windows import (
    ERROR_RATIO_WINDOWS,
    FOUR_PLACES,
    BurnThreshold,
    burn_thresholds,
    decimal_text,
    error_budget,
    window_text,
)

ERROR_RATIO = "slo:dcops_sli_error:ratio_rate{window}"
OBJECTIVE = "slo:dcops_objective:ratio"
BUDGET_REMAINING = "slo:dcops_error_budget_remaining:ratio"
BURN_ALERTS = {"critical": "SloErrorBudgetBurnFast", "warning": "SloErrorBudgetBurnSlow"}


def _percent(ratio: Decimal) -> str:
    """0.0144 -> 1.44%, 0.00259 -> 0.259%; four decimals at most."""
    return f"{decimal_text((ratio * 100).quantize(FOUR_PLACES))}%"


def _goal_line(goal: AvailabilityGoal) -> str:
    return f"goal {goal.name}: {decimal_text(Decimal(str(goal.target_percent)))}% over {window_text(goal.window_days)}"


def _subject_comment(subject: Subject) -> str:
    lines = [f"SLI of {subject.kind} {subject.name} ({_goal_line(subject.goal)}), time-based: 1 at an evaluation",
             "when every measured component below is good, 0 when one is bad, absent (not counted) when one",
             "is unknown. Measured: " + ", ".join(c.key for c in subject.components) + "."]
    if subject.unmeasured:
        lines.append("Not measured (no exporter module probes it): " + "; ".join(subject.unmeasured) + ".")
    return "\n".join(lines)


def sli_group(builder: SliBuilder, goals: list[AvailabilityGoal], subjects: list[Subject]) -> RuleGroup:
    measured = [s for s in subjects if s.measured]
    rules: list[Record | Alert] = []
    for component in builder.components():
        rules.append(Record(COMPONENT_GOOD, component.expr,
                            {"component": component.key, "component_kind": component.kind,
                             **({"site": component.site} if component.site else {})},
                            component.definition))
    for subject in measured:
        rules.append(Record(SUBJECT_GOOD, subject.expr(), subject.labels, _subject_comment(subject)))
    for goal in goals:
        if any(s.goal.name == goal.name for s in measured):
            target = Decimal(str(goal.target_percent)) / 100
            rules.append(Record(OBJECTIVE, f"vector({decimal_text(target)})",
                                {"slo": goal.name, "window": window_text(goal.window_days)},
                                f"{_goal_line(goal)} ({goal.source})"))
    for i, window in enumerate(ERROR_RATIO_WINDOWS):
        rules.append(Record(ERROR_RATIO.format(window=window), f"1 - avg_over_time({SUBJECT_GOOD}[{window}])",
                            comment="" if i else "Error ratios: the share of evaluations in the window whose SLI was "
                                                 "bad (unknown time left out)."))
    not_measured = [s for s in subjects if not s.measured]
    header = ["Time-based SLIs of every availability goal's subjects, and their error ratios over the",
              "windows of the burn-rate alerts. How each SLI is defined is in the comment above it."]
    if not_measured:
        header.append("Subjects nothing measures yet, so they have no SLI:")
        header += [f"  {s.kind} {s.name} ({s.goal.name}): {'; '.join(s.unmeasured) or 'nothing to measure'}"
                   for s in not_measured]
    return RuleGroup("dcops-slo-sli", "rules/dcops-slo-sli.yml", tuple(rules), "\n".join(header))


def budget_group(goals: list[AvailabilityGoal]) -> RuleGroup:
    rules: list[Record | Alert] = []
    for goal in goals:
        window = window_text(goal.window_days)
        ratio = ERROR_RATIO.format(window=window)
        rules.append(Record(ratio, f'1 - avg_over_time({SUBJECT_GOOD}{{slo="{goal.name}"}}[{window}])',
                            {"slo": goal.name}, comment=f"{_goal_line(goal)}: the error ratio over the whole window."))
        rules.append(Record(BUDGET_REMAINING,
                            f'1 - {ratio}{{slo="{goal.name}"}} / {decimal_text(error_budget(goal.target_percent))}',
                            {"slo": goal.name}, comment=f"{_goal_line(goal)}: the share of its error budget left "
                                    f"({goal.allowed_downtime_minutes:.1f} minutes in all)."))
    return RuleGroup("dcops-slo-budget", "rules/dcops-slo-budget.yml", tuple(rules),
                     "Each goal's error ratio and remaining error budget over its whole window. Needs the\n"
                     "Prometheus retention to cover the window; evaluated at the profile's slow budget interval.",
                     budget=True)


def burn_alert(goal: AvailabilityGoal, threshold: BurnThreshold) -> Alert:
    pair = threshold.pair
    window = window_text(goal.window_days)
    limit = threshold.promql()
    selector = f'{{slo="{goal.name}"}}'
    expr = (f"{ERROR_RATIO.format(window=pair.long_window)}{selector} >= {limit}\nand\n"
            f"{ERROR_RATIO.format(window=pair.short_window)}{selector} >= {limit}")
    factor = decimal_text(threshold.factor)
    budget = _percent(threshold.budget)
    comment = (f"{_goal_line(goal)}: {factor}x the sustainable burn over {pair.long_window} and "
               f"{pair.short_window} = {_percent(pair.budget_consumed)} of the {window} budget in {pair.long_window}")
    if threshold.clamped:
        comment += (". Clamped: the Workbook factor would need an error ratio above 1, so this pair fires on a "
                    "complete outage across both windows")
    return Alert(
        BURN_ALERTS[pair.severity], expr, pair.hold, pair.severity,
        summary=f"{{{{ $labels.subject }}}} burns the {goal.name} error budget at {factor}x the sustainable rate",
        description=(f"{{{{ $labels.subject_kind }}}} {{{{ $labels.subject }}}} was unavailable "
                     f"{{{{ $value | humanizePercentage }}}} of the last {pair.long_window}, and at least "
                     f"{_percent(threshold.error_ratio)} of the last {pair.short_window}. Goal {goal.name} allows "
                     f"{budget} over {window}; at {factor}x, {_percent(threshold.budget_share)} "
                     f"of that budget burns every {pair.long_window}."),
        labels={"slo": goal.name, "long_window": pair.long_window, "short_window": pair.short_window, "burn_rate": factor},
        comment=comment)


def alerts_group(goals: list[AvailabilityGoal]) -> RuleGroup:
    rules: list[Record | Alert] = []
    for goal in goals:
        rules += [burn_alert(goal, t) for t in burn_thresholds(goal.target_percent, goal.window_days)]
    return RuleGroup("dcops-slo-alerts", "rules/dcops-slo-alerts.yml", tuple(rules),
                     "Multi-window, multi-burn-rate alerts (SRE Workbook, table 5-8), one set per goal with the\n"
                     "factors of its window: SloErrorBudgetBurnFast pages, SloErrorBudgetBurnSlow opens a ticket.")


def slo_groups(inv: Inventory, view: MonitoredView) -> list[RuleGroup]:
    builder = SliBuilder(inv, view)
    goals = sorted(inv.availability_goals, key=lambda g: g.name)
    subjects = [s for goal in goals for s in builder.subjects(goal)]
    measured_goals = [g for g in goals if any(s.goal.name == g.name and s.measured for s in subjects)]
    return [sli_group(builder, goals, subjects), budget_group(measured_goals), alerts_group(measured_goals)]
