"""Redundancy groups: members answering against what each group's requirement asks for.

The overview counts groups at each level of dcops_slo's three alerts (degraded: fewer up
than the requirement asks; below capacity: fewer than `needed`; down: none) and tables
every group's numbers. Then one collapsed row per group the rules watch (every member
probed; the same test as dcops_slo's records), by site and name, titled with the
inventory's requirement: its members-up figure coloured by that group's own numbers (red
below `needed`, orange below the requirement, green at or above it) and a lane per member.
Groups whose members nothing probes (VMs, tape libraries) are listed instead.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from dcops_dashboards.board import finish, label_variable, new_dashboard, or_zero, selector
from dcops_dashboards.context import Context
from dcops_dashboards.panels import GREEN, ORANGE, RED, UP_DOWN, Query, note, rows_table, single, states, steps
from dcops_inventory.models import RedundancyGroup
from dcops_slo.redundancy_rules import NEEDED, REQUIRED, UP, records_group
from dcops_slo.rules import Record

UID = "dcops-redundancy"
TITLE = "Redundancy groups"
ALARM = steps((None, GREEN), (1, RED))


def watched(ctx: Context) -> set[str]:
    """The groups dcops_slo writes records for: exactly those whose members are all probed."""
    return {r.labels["redundancy_group"] for r in records_group(ctx.inv, ctx.view).rules
            if isinstance(r, Record) and r.record == UP}


def overview(dashboard: Dashboard) -> Dashboard:
    up, required, needed = (selector(m, "site") for m in (UP, REQUIRED, NEEDED))
    on = "on(redundancy_group)"
    return (dashboard.with_row(Row("Every group"))
            .with_panel(single("Degraded", "Groups with fewer members up than their requirement asks "
                               "(RedundancyGroupDegraded): the load is carried, one more failure may not be.",
                               [Query(or_zero(f"count({up} < {on} {required})"))],
                               thresholds=steps((None, GREEN), (1, ORANGE)), width=6))
            .with_panel(single("Below capacity", "Groups with fewer members up than their load needs "
                               "(RedundancyGroupBelowCapacity).", [Query(or_zero(f"count({up} < {on} {needed})"))],
                               thresholds=ALARM, width=6))
            .with_panel(single("Down", "Groups with no member up (RedundancyGroupDown).",
                               [Query(or_zero(f"count({up} == 0)"))], thresholds=ALARM, width=6))
            .with_panel(single("Groups watched", "Groups whose members are all probed, so the rules can judge them.",
                               [Query(or_zero(f"count({required})"))], width=6))
            .with_panel(rows_table("Members up, required and needed", "Every watched group: members answering now, "
                                   "what its requirement asks for (N: needed, N+1: needed + 1, 2N: twice needed), and "
                                   "what its load needs.",
                                   [Query(up, "members up"), Query(required, "required"), Query(needed, "needed")], height=10)))


def _title(group: RedundancyGroup, site: str | None) -> str:
    where = f" at {site}" if site else ""
    return (f"{group.name}: {group.requirement}{where}, {len(group.members)} members, "
            f"{group.needed} needed, {group.minimum_members} required")


def group_row(ctx: Context, group: RedundancyGroup, dashboard: Dashboard) -> Dashboard:
    points: list[tuple[float | None, str]] = [(None, RED)]
    if group.minimum_members > group.needed:
        points.append((group.needed, ORANGE))
    points.append((group.minimum_members, GREEN))
    sites = {ctx.inv.device(m).site for m in group.members}
    row = (Row(_title(group, sites.pop() if len(sites) == 1 else None))
           .with_panel(single("Members up", f"Members of {group.name} answering their probes. Red below the "
                              f"{group.needed} its load needs, orange below the {group.minimum_members} its "
                              f"{group.requirement} requirement asks for.",
                              [Query(selector(UP, redundancy_group=group.name))], thresholds=steps(*points),
                              width=4, height=6))
           .with_panel(states("Members answering", "Each member's probe (any module): up while it succeeds.",
                              [Query(ctx.view.answers(group.members), "{{instance}}")], UP_DOWN, width=20,
                              height=max(6, min(3 + len(group.members), 14)))))
    return dashboard.with_row(row)


def unmeasured_note(ctx: Context, watching: set[str]) -> str | None:
    devices = ctx.inv.index("devices")
    lines = []
    for group in sorted(ctx.inv.redundancy_groups, key=lambda g: g.name):
        if group.name in watching:
            continue
        missing = [m for m in group.members if m not in devices or not ctx.view.measured(m)]
        kinds = "VMs" if all(m not in devices for m in missing) else "not probed"
        lines.append(f"- **{group.name}** ({group.requirement}): {kinds}: {', '.join(missing)}")
    if not lines:
        return None
    return "Groups with members no exporter module measures (no rules, so not watched):\n\n" + "\n".join(lines)


def build(ctx: Context) -> Dashboard:
    site = label_variable("site", "Site", UP)
    dashboard = new_dashboard(
        ctx, UID, TITLE, "Members answering in every redundancy group of the inventory against its requirement "
        "(N, N+1, 2N) and the members its load needs; one row per watched group.", [site], time_from="now-24h")
    dashboard = overview(dashboard)
    watching = watched(ctx)
    text = unmeasured_note(ctx, watching)
    if text:
        dashboard = dashboard.with_panel(note("Not watched", text, height=min(3 + text.count("\n"), 14)))
    groups = [g for g in ctx.inv.redundancy_groups if g.name in watching]
    for group in sorted(groups, key=lambda g: (ctx.inv.device(g.members[0]).site, g.name)):
        dashboard = group_row(ctx, group, dashboard)
    return dashboard


def render(ctx: Context):
    return finish(build(ctx))
