"""Redundancy groups against their requirement: members that answer vs members required.

For every group whose members are all probed, three series carry the inventory's numbers
(labels redundancy_group, requirement, site):

    redundancy_group:dcops_members_up:sum          members whose probe succeeds now
    redundancy_group:dcops_members_required:count  what the requirement asks for: N -> needed,
                                                   N+1 -> needed + 1, 2N -> 2 x needed
    redundancy_group:dcops_members_needed:count    `needed`, the members that carry the load

and three alerts compare them, one level each:

    RedundancyGroupDegraded       warning   fewer up than required: redundancy lost, load still carried
    RedundancyGroupBelowCapacity  critical  fewer up than needed, but some: the load no longer fits
    RedundancyGroupDown           critical  no member up

A group that is down is also below capacity and degraded; Alertmanager inhibits the lesser
alerts of the same group (alertmanager.py). A member whose series are absent (its scrape
failed) does not count as up; when every member's series are absent there is no sum and no
alert, since MonitoringExporterDown says why.
"""

from __future__ import annotations

from dcops_inventory import Inventory
from dcops_slo.rules import Alert, Record, RuleGroup
from dcops_slo.view import MonitoredView

UP = "redundancy_group:dcops_members_up:sum"
REQUIRED = "redundancy_group:dcops_members_required:count"
NEEDED = "redundancy_group:dcops_members_needed:count"


def records_group(inv: Inventory, view: MonitoredView) -> RuleGroup:
    rules: list[Record | Alert] = []
    unmeasured = []
    for group in sorted(inv.redundancy_groups, key=lambda g: g.name):
        devices = inv.index("devices")
        members = [devices[m] for m in group.members if m in devices]
        missing = [m for m in group.members if m not in devices or not view.measured(m)]
        if missing:
            unmeasured.append(f"  {group.name} ({group.requirement}): not probed: {', '.join(missing[:4])}"
                              f"{', ...' if len(missing) > 4 else ''}")
            continue
        sites = {d.site for d in members}
        labels = {"redundancy_group": group.name, "requirement": group.requirement,
                  **({"site": sites.pop()} if len(sites) == 1 else {})}
        rules.append(Record(UP, f"sum({view.answers(group.members)})",
                            labels,
                            f"{group.name}: {group.requirement}, needed {group.needed}, "
                            f"{len(group.members)} members ({', '.join(group.members)})"))
        rules.append(Record(REQUIRED, f"vector({group.minimum_members})", labels))
        rules.append(Record(NEEDED, f"vector({group.needed})", labels))
    header = ["Members up, required and needed per redundancy group, from the inventory's redundancy_groups."]
    if unmeasured:
        header += ["Groups with members no exporter module probes (no rules until one does):", *unmeasured]
    return RuleGroup("dcops-redundancy-records", "rules/dcops-redundancy-records.yml", tuple(rules), "\n".join(header))


def alerts_group() -> RuleGroup:
    # The three series of a group carry the same labels, so they match one to one as they are.
    rules: tuple[Record | Alert, ...] = (
        Alert("RedundancyGroupDegraded", f"{UP} < {REQUIRED}", "5m", "warning",
              summary="{{ $labels.redundancy_group }} has lost its {{ $labels.requirement }} redundancy",
              description="Only {{ $value }} member(s) of redundancy group {{ $labels.redundancy_group }} answer "
                          "their probes, fewer than its {{ $labels.requirement }} requirement asks for: no spare is "
                          "left for the next failure."),
        Alert("RedundancyGroupBelowCapacity", f"({UP} < {NEEDED}) > 0", "2m", "critical",
              summary="{{ $labels.redundancy_group }} has fewer members up than its load needs",
              description="Only {{ $value }} member(s) of redundancy group {{ $labels.redundancy_group }} answer "
                          "their probes, fewer than the members needed to carry its load."),
        Alert("RedundancyGroupDown", f"{UP} == 0", "1m", "critical",
              summary="Every member of {{ $labels.redundancy_group }} is down",
              description="No member of redundancy group {{ $labels.redundancy_group }} "
                          "({{ $labels.requirement }}) answers its probe: what it provides is gone."),
    )
    return RuleGroup("dcops-redundancy-alerts", "rules/dcops-redundancy-alerts.yml", rules,
                     "Redundancy groups below their requirement: one level per alert (see the records file).")


def redundancy_groups(inv: Inventory, view: MonitoredView) -> list[RuleGroup]:
    return [records_group(inv, view), alerts_group()]
