"""SLOs and error budgets: every availability goal of the inventory, its subjects and their budget.

One row per goal that has a measured subject (the goals dcops_slo writes rules for), with
the goal's own numbers from the inventory: the budget (1 - target) is the threshold of the
error-ratio panel, and the burn-rate panel marks 1x (the budget lasts exactly the window)
and the goal's fast-burn page factor (windows.burn_thresholds: 14.4x over 1h for a 30-day
goal, 175.2x for a 365-day one). Everything is read from dcops_slo's recording rules, never
recomputed here, so the dashboard and the alerts agree by construction:

    slo:dcops_sli_good:min                  the SLI of each subject, 1/0, absent while unknown
    slo:dcops_sli_error:ratio_rate1h, 6h    error ratios of the burn-rate windows
    slo:dcops_sli_error:ratio_rate<window>  over the goal's whole window (30d, 365d)
    slo:dcops_error_budget_remaining:ratio  1 untouched, 0 spent, below 0 overspent

Subjects nothing measures (a service running only on VMs and external parties) have no
SLI; they are listed with what is missing.
"""

from __future__ import annotations

from decimal import Decimal

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from dcops_dashboards.board import finish, new_dashboard, or_zero, selector
from dcops_dashboards.context import Context
from dcops_dashboards.panels import (
    GOOD_BAD,
    GREEN,
    ORANGE,
    RED,
    Query,
    bars,
    graph,
    note,
    rows_table,
    single,
    states,
    steps,
)
from dcops_inventory.models import AvailabilityGoal
from dcops_slo.sli import SUBJECT_GOOD, SliBuilder, Subject
from dcops_slo.slo_rules import BUDGET_REMAINING, BURN_ALERTS, ERROR_RATIO
from dcops_slo.windows import burn_thresholds, decimal_text, error_budget, window_text

UID = "dcops-slo"
TITLE = "SLOs and error budgets"
BUDGET_STEPS = steps((None, RED), (0, ORANGE), (0.25, GREEN))


def _goal_title(goal: AvailabilityGoal) -> str:
    target = decimal_text(Decimal(str(goal.target_percent)))
    return (f"{goal.name}: {target}% over {window_text(goal.window_days)}, "
            f"{goal.allowed_downtime_minutes:,.1f} min of downtime allowed")


def overview(dashboard: Dashboard) -> Dashboard:
    firing = 'ALERTS{alertname=~"' + "|".join(sorted(BURN_ALERTS.values())) + '", alertstate="firing"}'
    return (dashboard.with_row(Row("Every goal"))
            .with_panel(single("Burn-rate alerts firing", "SloErrorBudgetBurnFast (page) and SloErrorBudgetBurnSlow "
                               "(ticket) alerts firing now.", [Query(or_zero(f"count({firing})"))],
                               thresholds=steps((None, GREEN), (1, RED)), width=6))
            .with_panel(single("Subjects bad now", "Subjects whose SLI is 0 at the last evaluation: a component "
                               "they need does not answer.", [Query(or_zero(f"count({SUBJECT_GOOD} == 0)"))],
                               thresholds=steps((None, GREEN), (1, RED)), width=6))
            .with_panel(single("Subjects with an SLI", "Subjects whose SLI is known now (every component they need "
                               "has a probe result).", [Query(or_zero(f"count({SUBJECT_GOOD})"))], width=6))
            .with_panel(single("Lowest budget left", "The smallest share of an error budget left, any goal.",
                               [Query(f"min({BUDGET_REMAINING})")], "percentunit", thresholds=BUDGET_STEPS, width=6))
            .with_panel(rows_table("Error budget left, every subject", "Budget left over each goal's window, and the "
                                   "error ratio of the last hour, one row per subject.",
                                   [Query(BUDGET_REMAINING, "budget left"),
                                    Query(ERROR_RATIO.format(window="1h"), "error ratio, last hour")], "percentunit",
                                   height=10)))


def goal_row(goal: AvailabilityGoal, subjects: list[Subject], dashboard: Dashboard) -> Dashboard:
    budget = error_budget(goal.target_percent)
    window = window_text(goal.window_days)
    fast = next(t for t in burn_thresholds(goal.target_percent, goal.window_days) if t.pair.long_window == "1h")
    slo = {"slo": goal.name}

    def burn(window_name: str) -> Query:
        return Query(f"{selector(ERROR_RATIO.format(window=window_name), **slo)} / {decimal_text(budget)}",
                     f"{{{{subject}}}} {window_name}")

    return (dashboard.with_row(Row(_goal_title(goal)))
            .with_panel(bars("Error budget left", f"Share of the {window} error budget each subject has left "
                             f"({goal.allowed_downtime_minutes:,.1f} minutes in all). Below 0: overspent.",
                             [Query(selector(BUDGET_REMAINING, **slo), "{{subject}}")], "percentunit",
                             thresholds=BUDGET_STEPS, min_value=0, max_value=1, width=8))
            .with_panel(graph(f"Error ratio over {window} against the budget",
                              f"Share of the last {window} each subject was unavailable; the red line is the budget "
                              f"({decimal_text(budget * 100)}%).",
                              [Query(selector(ERROR_RATIO.format(window=window), **slo), "{{subject}}")],
                              "percentunit", thresholds=steps((None, GREEN), (float(budget), RED)), min_value=0,
                              width=8))
            .with_panel(graph("Burn rate, 1h and 6h", f"How fast the budget burns: 1x spends it in exactly {window}. "
                              f"SloErrorBudgetBurnFast pages at {decimal_text(fast.factor)}x over 1h (and 5m).",
                              [burn("1h"), burn("6h")], "x",
                              thresholds=steps((None, GREEN), (1, ORANGE), (float(fast.factor), RED)), min_value=0,
                              width=8))
            .with_panel(states("SLI: good, bad or unknown", "Each subject's SLI at every evaluation: good when every "
                               "component it needs answers, bad when one does not, a gap while one is unknown.",
                               [Query(selector(SUBJECT_GOOD, **slo), "{{subject}}")], GOOD_BAD, width=24,
                               height=min(4 + len(subjects), 14))))


def unmeasured_note(subjects: list[Subject]) -> str | None:
    missing = [s for s in subjects if not s.measured]
    if not missing:
        return None
    lines = [f"- **{s.kind} {s.name}** ({s.goal.name}): {'; '.join(s.unmeasured) or 'nothing to measure'}"
             for s in missing]
    return "Subjects with no SLI: nothing measures what they need.\n\n" + "\n".join(lines)


def build(ctx: Context) -> Dashboard:
    builder = SliBuilder(ctx.inv, ctx.view)
    goals = sorted(ctx.inv.availability_goals, key=lambda g: g.name)
    subjects = {goal.name: builder.subjects(goal) for goal in goals}
    dashboard = new_dashboard(
        ctx, UID, TITLE, "Every availability goal of the inventory: its subjects' SLIs, error ratios, burn rates "
        "and the error budget left, from dcops_slo's recording rules.", [], time_from="now-7d")
    dashboard = overview(dashboard)
    text = unmeasured_note([s for goal in goals for s in subjects[goal.name]])
    if text:
        dashboard = dashboard.with_panel(note("Not measured", text, height=min(3 + text.count("\n"), 12)))
    for goal in goals:
        measured = [s for s in subjects[goal.name] if s.measured]
        if measured:
            dashboard = goal_row(goal, measured, dashboard)
    return dashboard


def render(ctx: Context):
    return finish(build(ctx))
