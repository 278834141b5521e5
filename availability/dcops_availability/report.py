"""Every service's expected availability against its goal, per scenario, as table, JSON or CSV.

`build_report` evaluates each service's diagram (graph.py) in each scenario asked for;
the renderers only format. Downtime is given per the goal's own window (the goals are
monthly) and per year; a service meets its goal when its expected availability is at least
the goal's target.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from dcops_availability.blocks import availability
from dcops_availability.figures import BETA_SOURCE, DEFAULTS, HOURS_PER_YEAR, SWITCHOVER_HOURS, SWITCHOVER_SOURCE
from dcops_availability.graph import DiagramBuilder
from dcops_availability.scenario import SCENARIOS
from dcops_availability.spof import SinglePoint, single_points
from dcops_inventory import Inventory
from dcops_inventory.models import AvailabilityGoal

FORMATS = ("table", "json", "csv")
TOLERANCE = 1e-12
TABLE_WIDTH = 200  # piped output: wide enough for both scenarios side by side  # a figure equal to its goal meets it, whatever the float rounding


class ReportError(ValueError):
    """A request the inventory cannot answer (an unknown site)."""


@dataclass(frozen=True)
class Outcome:
    """One service in one scenario."""

    availability: float
    sites: tuple[str, ...]
    single_points: tuple[SinglePoint, ...]
    notes: tuple[str, ...]

    def downtime_minutes(self, days: float) -> float:
        return (1 - self.availability) * days * 24 * 60


@dataclass(frozen=True)
class ServiceReport:
    name: str
    title: str
    criticality: str
    goal: AvailabilityGoal | None
    outcomes: dict[str, Outcome]

    def meets(self, scenario: str) -> bool | None:
        if self.goal is None:
            return None
        return self.outcomes[scenario].availability * 100 >= self.goal.target_percent - TOLERANCE

    def window_days(self) -> float:
        return self.goal.window_days if self.goal is not None else 30


@dataclass
class Report:
    scenarios: tuple[str, ...]
    beta: float
    services: list[ServiceReport]
    assumptions: dict[str, list[str]] = field(default_factory=dict)

    def missing(self, scenario: str) -> list[str]:
        return [s.name for s in self.services if s.meets(scenario) is False]


def build_report(inv: Inventory, scenarios: tuple[str, ...] = SCENARIOS, beta: float | None = None,
                 site: str | None = None) -> Report:
    for scenario in scenarios:
        if scenario not in SCENARIOS:
            raise ReportError(f"unknown scenario {scenario!r}; valid: {', '.join(SCENARIOS)}")
    sites = inv.index("sites")
    if site is not None and site not in sites:
        raise ReportError(f"unknown site {site!r}; valid: {', '.join(sorted(sites))}")
    builders = {s: DiagramBuilder(inv, s, beta) if beta is not None else DiagramBuilder(inv, s) for s in scenarios}
    goals = inv.index("availability_goals")
    services: list[ServiceReport] = []
    for svc in inv.services:
        outcomes: dict[str, Outcome] = {}
        for scenario, builder in builders.items():
            block = builder.service(svc.name)
            placement = builder.placements[svc.name]
            outcomes[scenario] = Outcome(availability(block), placement.sites, tuple(single_points(block)),
                                         placement.notes)
        if site is not None and not any(site in o.sites for o in outcomes.values()):
            continue
        goal = goals.get(svc.availability_goal) if svc.availability_goal else None
        services.append(ServiceReport(svc.name, svc.title, svc.criticality, goal, outcomes))
    used_beta = next(iter(builders.values())).beta if builders else 0.0
    return Report(scenarios, used_beta, services, {s: list(b.assumptions) for s, b in builders.items()})


# -- table ---------------------------------------------------------------------------------

def _percent(value: float) -> str:
    return f"{value * 100:.3f}"


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def _change(svc: ServiceReport, before: str, after: str) -> str:
    a, b = svc.meets(before), svc.meets(after)
    if a is None:
        return "-"
    if a == b:
        return "meets" if a else "still misses"
    return "now meets" if b else "now misses"


def render_table(report: Report, top: int = 3, width: int | None = None) -> str:
    scenarios = report.scenarios
    table = Table(title=f"Expected availability against goal ({' vs '.join(scenarios)})", header_style="bold",
                  show_lines=False)
    table.add_column("service", overflow="fold")
    table.add_column("goal", overflow="fold")
    for scenario in scenarios:
        table.add_column(f"{scenario} %", justify="right")
        table.add_column("down min (allowed)", justify="right", overflow="fold")
        table.add_column("meets", justify="center")
    if len(scenarios) == 2:
        table.add_column("planned pair", overflow="fold")
    for scenario in scenarios:
        table.add_column(f"single points of failure, {scenario}", overflow="fold")
    for svc in report.services:
        goal = "-" if svc.goal is None else f"{svc.goal.target_percent:g} % / {svc.goal.window_days} d"
        row = [svc.name, goal]
        for scenario in scenarios:
            out = svc.outcomes[scenario]
            allowed = "" if svc.goal is None else f" ({svc.goal.allowed_downtime_minutes:.0f})"
            row += [_percent(out.availability), f"{out.downtime_minutes(svc.window_days()):.0f}{allowed}",
                    _yes_no(svc.meets(scenario))]
        if len(scenarios) == 2:
            row.append(_change(svc, *scenarios))
        for scenario in scenarios:
            points = svc.outcomes[scenario].single_points
            shown = ", ".join(p.label for p in points[:top])
            more = f" (+{len(points) - top})" if len(points) > top else ""
            row.append((shown + more) or "none")
        table.add_row(*row)
    if width is None:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else TABLE_WIDTH
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(table)
    for line in _summary(report):
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    return buffer.getvalue()


def _summary(report: Report) -> list[str]:
    with_goal = [s for s in report.services if s.goal is not None]
    lines = [""]
    for scenario in report.scenarios:
        missing = report.missing(scenario)
        lines.append(f"{scenario}: {len(missing)} of {len(with_goal)} services miss their goal"
                     + (f" ({', '.join(missing)})" if missing else ""))
    if len(report.scenarios) == 2:
        before, after = report.scenarios
        fixed = [s.name for s in with_goal if s.meets(before) is False and s.meets(after)]
        worse = [s.name for s in with_goal if s.meets(before) and s.meets(after) is False]
        lines.append(f"the planned pair makes {len(fixed)} meet their goal" + (f": {', '.join(fixed)}" if fixed else "")
                     + (f"; and {len(worse)} miss that meet it today: {', '.join(worse)}" if worse else ""))
    for scenario in report.scenarios:
        reasons: dict[str, list[str]] = {}
        for svc in report.services:
            for note in svc.outcomes[scenario].notes:
                if "alternate path" in note:
                    reasons.setdefault(note, []).append(svc.name)
        if reasons:
            lines.append(f"\n{scenario}, alternate site:")
            lines += [f"  - {reason}: {', '.join(names)}" for reason, names in reasons.items()]
    for scenario in report.scenarios:
        if report.assumptions.get(scenario):
            lines.append(f"\n{scenario} assumes:")
            lines += [f"  - {text}" for text in report.assumptions[scenario]]
    lines.append(f"\ncommon cause: beta = {report.beta:g} ({BETA_SOURCE}); component figures: declared "
                 "`reliability` in the inventory, else the per-type defaults (`--format json` lists them "
                 "with their sources)")
    return lines


# -- json and csv --------------------------------------------------------------------------

def _goal_json(goal: AvailabilityGoal | None) -> dict | None:
    if goal is None:
        return None
    return {"name": goal.name, "target_percent": goal.target_percent, "window_days": goal.window_days,
            "allowed_downtime_minutes": round(goal.allowed_downtime_minutes, 3), "source": goal.source,
            "indicative": goal.indicative}


def _outcome_json(svc: ServiceReport, scenario: str) -> dict:
    out = svc.outcomes[scenario]
    return {
        "availability": out.availability,
        "availability_percent": round(out.availability * 100, 4),
        "downtime_minutes_per_window": round(out.downtime_minutes(svc.window_days()), 1),
        "downtime_hours_per_year": round((1 - out.availability) * HOURS_PER_YEAR, 2),
        "meets_goal": svc.meets(scenario),
        "sites": list(out.sites),
        "single_points_of_failure": [{"component": p.label, "kind": p.kind,
                                      "unavailability": p.unavailability, "source": p.source}
                                     for p in out.single_points],
        "notes": list(out.notes),
    }


def to_json(report: Report) -> str:
    doc = {
        "scenarios": list(report.scenarios),
        "beta": report.beta,
        "beta_source": BETA_SOURCE,
        "services": [{"service": s.name, "title": s.title, "criticality": s.criticality, "goal": _goal_json(s.goal),
                      **{scenario: _outcome_json(s, scenario) for scenario in report.scenarios}}
                     for s in report.services],
        "missing_goal": {scenario: report.missing(scenario) for scenario in report.scenarios},
        "assumptions": report.assumptions,
        "defaults": {name: {"mtbf_hours": round(f.mtbf_hours, 3), "mttr_hours": round(f.mttr_hours, 3),
                            "availability": f.availability, "source": f.source} for name, f in DEFAULTS.items()},
        "switchover_hours": {**SWITCHOVER_HOURS, "source": SWITCHOVER_SOURCE},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("service", "criticality", "goal", "target_percent", "window_days", "scenario", "availability_percent",
               "downtime_minutes_per_window", "allowed_downtime_minutes", "downtime_hours_per_year", "meets_goal",
               "sites", "single_points_of_failure", "notes")


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for svc in report.services:
        for scenario in report.scenarios:
            out = _outcome_json(svc, scenario)
            goal = svc.goal
            meets = out["meets_goal"]
            writer.writerow([
                svc.name, svc.criticality, goal.name if goal else "", goal.target_percent if goal else "",
                goal.window_days if goal else "", scenario, out["availability_percent"],
                out["downtime_minutes_per_window"], round(goal.allowed_downtime_minutes, 1) if goal else "",
                out["downtime_hours_per_year"], "" if meets is None else str(meets).lower(), ";".join(out["sites"]),
                ";".join(p["component"] for p in out["single_points_of_failure"]), " | ".join(out["notes"]),
            ])
    return buf.getvalue()


def render(report: Report, fmt: str, top: int = 3) -> str:
    if fmt == "table":
        return render_table(report, top)
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    raise ReportError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
