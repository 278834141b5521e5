"""`dcops slo report`: each availability goal against what Prometheus recorded.

Per goal and subject (a service, a site, a redundancy group: the SLI's `subject` label):
the target from the inventory, the availability achieved over the window, the error
budget allowed, spent and remaining in minutes, and the components whose downtime spent it.

Where the numbers come from: the SLI recording rules Prometheus evaluates (sli.py), not
the raw probe series, so the report agrees with the burn alerts and the budget rules.
Those rules only record from the moment they were loaded, so a window is rarely full:

- achieved = good evaluations / evaluations recorded in the window (unknown time, when
  a component's probe result is missing, has no evaluation and counts neither way);
- covered = evaluations x the rule group's evaluation interval, at most the window;
  coverage = covered / window, shown beside every figure, with the first sample's time;
- allowed = window x (1 - target); spent = covered x (1 - achieved), the bad minutes
  actually recorded; remaining = allowed - spent (negative when overspent);
- a component's downtime = its own bad evaluations x its interval. Components that fail
  together each show the shared minutes, so they may add up to more than the subject spent.

A subject whose SLI recorded nothing in the window is "no data", never 100 %. History from
before the rules were loaded can be added with `promtool tsdb create-blocks-from rules`
(README: "The SLO report").
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal

from dcops_inventory import Inventory
from dcops_inventory.models import AvailabilityGoal
from dcops_inventory.models.monitoring import duration_ms
from dcops_slo.report_queries import LoadedRule, PrometheusApi, SeriesStats, components_in, window_stats
from dcops_slo.sli import COMPONENT_GOOD, SUBJECT_GOOD
from dcops_slo.view import promql_match
from dcops_slo.windows import decimal_text, error_budget, window_text

FORMATS = ("table", "json", "csv")
DEFAULT_TOP = 5
SUBJECT_KINDS = {"service": "service", "site": "site", "component_group": "redundancy_group"}


def parse_window(text: str) -> float:
    """Seconds of a `--window` Prometheus duration; ValueError naming the option."""
    try:
        return duration_ms(text) / 1000
    except ValueError as exc:
        raise ValueError(f"--window: {exc}") from None


def parse_time(text: str) -> float:
    """Unix seconds of `--at`: RFC 3339 with a time zone (2026-05-01T12:00:00Z) or Unix seconds."""
    try:
        value = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"--at must be an RFC 3339 time such as 2026-05-01T12:00:00Z, or Unix seconds; "
                             f"got {text!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"--at {text!r} has no time zone: add Z or an offset such as -05:00") from None
        return moment.timestamp()
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"--at must be a time after 1970, got {text!r}")
    return value


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ComponentSpend:
    component: str  # `device/x`, `redundancy_group/y`, `circuit/z`
    downtime_minutes: float


@dataclass(frozen=True)
class SubjectRow:
    goal: AvailabilityGoal
    window: str  # the Prometheus duration the figures are over
    window_minutes: float
    kind: str
    subject: str
    stats: SeriesStats | None  # None: no data
    interval_seconds: float
    reason: str | None = None  # why there is no data
    spent_by: tuple[ComponentSpend, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def has_data(self) -> bool:
        return self.stats is not None

    @property
    def allowed_minutes(self) -> float:
        return self.window_minutes * float(error_budget(self.goal.target_percent))

    @property
    def achieved(self) -> float | None:
        return self.stats.good / self.stats.evaluations if self.stats else None

    @property
    def covered_minutes(self) -> float | None:
        if not self.stats:
            return None
        return min(self.window_minutes, self.stats.evaluations * self.interval_seconds / 60)

    @property
    def spent_minutes(self) -> float | None:
        if self.stats is None or self.covered_minutes is None or self.achieved is None:
            return None
        return self.covered_minutes * (1 - self.achieved)

    @property
    def remaining_minutes(self) -> float | None:
        return None if self.spent_minutes is None else self.allowed_minutes - self.spent_minutes

    @property
    def remaining_ratio(self) -> float | None:
        if self.remaining_minutes is None:
            return None
        return self.remaining_minutes / self.allowed_minutes


@dataclass(frozen=True)
class Report:
    prometheus: str
    at: float
    window_override: str | None
    top: int
    rows: tuple[SubjectRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


def goal_subjects(inv: Inventory, goal: AvailabilityGoal) -> list[tuple[str, str]]:
    """(subject_kind, name) of every subject, as sli.SliBuilder.subjects labels them."""
    names = set(goal.subjects)
    if goal.scope == "service":
        names |= {s.name for s in inv.services if s.availability_goal == goal.name}
    return [(SUBJECT_KINDS[goal.scope], name) for name in sorted(names)]


class _Rules:
    """The SLI rules Prometheus has loaded, by subject and by component."""

    def __init__(self, rules: list[LoadedRule]):
        self.subjects = {(r.labels.get("slo", ""), r.labels.get("subject", "")): r
                         for r in rules if r.name == SUBJECT_GOOD}
        self.components = {r.labels.get("component", ""): r for r in rules if r.name == COMPONENT_GOOD}
        intervals = sorted(r.interval_seconds for r in self.subjects.values() if r.interval_seconds > 0)
        self.default_interval = intervals[len(intervals) // 2] if intervals else 0.0


def _spent_by(rule: LoadedRule, stats: dict[tuple[str, ...], SeriesStats], rules: _Rules, fallback: float,
              window_minutes: float, top: int) -> tuple[tuple[ComponentSpend, ...], tuple[str, ...]]:
    keys = components_in(rule.query)
    if keys is None:
        return (), (f"which components it reads is unknown: its rule is not of the form dcops renders ({rule.query})",)
    spent = []
    for key in keys:
        found = stats.get((key,))
        if found is None:
            continue
        component_rule = rules.components.get(key)
        interval = component_rule.interval_seconds if component_rule and component_rule.interval_seconds else fallback
        minutes = min(window_minutes, (found.evaluations - found.good) * interval / 60)
        if minutes > 0:
            spent.append(ComponentSpend(key, minutes))
    spent.sort(key=lambda c: (-c.downtime_minutes, c.component))
    return tuple(spent[:top]), ()


def _row(goal: AvailabilityGoal, window: str, window_seconds: float, kind: str, name: str, rules: _Rules,
         subject_stats: dict[tuple[str, ...], SeriesStats], component_stats: dict[tuple[str, ...], SeriesStats],
         top: int) -> SubjectRow:
    empty = SubjectRow(goal, window, window_seconds / 60, kind, name, stats=None, interval_seconds=0.0)
    rule = rules.subjects.get((goal.name, name))
    stats = subject_stats.get((goal.name, name))
    notes: tuple[str, ...] = ()
    if rule is not None and rule.health == "err":
        notes = (f"its SLI rule fails in Prometheus: {rule.last_error}",)
    if stats is None:
        reason = ("not measured: Prometheus has no SLI rule for it (nothing measures it, or the rules "
                  "`dcops prometheus render` writes are not loaded)" if rule is None
                  else f"no data: its SLI recorded nothing in the {window} window")
        return replace(empty, reason=reason, notes=notes)
    interval = rule.interval_seconds if rule and rule.interval_seconds else rules.default_interval
    if not interval:
        return replace(empty, notes=notes, reason="no data: its SLI has samples but no loaded rule says how "
                                                  "often it is evaluated")
    spent_by: tuple[ComponentSpend, ...] = ()
    if rule is not None:
        spent_by, more = _spent_by(rule, component_stats, rules, interval, window_seconds / 60, top)
        notes += more
    return replace(empty, stats=stats, interval_seconds=interval, spent_by=spent_by, notes=notes)


def build_report(inv: Inventory, api: PrometheusApi, at: float, window: str | None = None,
                 top: int = DEFAULT_TOP) -> Report:
    """Query Prometheus for every goal of the inventory. Raises PrometheusError, ValueError (--window)."""
    if window is not None:
        parse_window(window)
    rules = _Rules(api.recording_rules())
    goals = sorted(inv.availability_goals, key=lambda g: g.name)
    windows = {g.name: window or window_text(g.window_days) for g in goals}
    subject_stats: dict[str, dict[tuple[str, ...], SeriesStats]] = {}
    component_stats: dict[str, dict[tuple[str, ...], SeriesStats]] = {}
    for w in sorted(set(windows.values())):
        seconds = parse_window(w)
        names = sorted(g for g, gw in windows.items() if gw == w)
        subject_stats[w] = window_stats(api, f"{SUBJECT_GOOD}{{{promql_match('slo', names)}}}", w, seconds, at,
                                        lambda labels: (labels.get("slo", ""), labels.get("subject", "")))
        component_stats[w] = window_stats(api, COMPONENT_GOOD, w, seconds, at,
                                          lambda labels: (labels["component"],) if "component" in labels else None,
                                          first=False)
    rows = [_row(goal, windows[goal.name], parse_window(windows[goal.name]), kind, name, rules,
                 subject_stats[windows[goal.name]], component_stats[windows[goal.name]], top)
            for goal in goals for kind, name in goal_subjects(inv, goal)]
    notes = []
    foreign = sorted({slo for slo, _ in rules.subjects} - {g.name for g in goals})
    if foreign:
        notes.append(f"Prometheus also has SLI rules for goals this inventory does not declare: {', '.join(foreign)} "
                     "(another inventory's rules?)")
    return Report(api.url, at, window, top, tuple(rows), tuple(notes))


# -- output ---------------------------------------------------------------------------------

def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def _percent(ratio: float | None, places: int = 4) -> float | None:
    return None if ratio is None else round(ratio * 100, places)


def _subject_json(row: SubjectRow) -> dict:
    return {
        "subject": row.subject,
        "subject_kind": row.kind,
        "status": "ok" if row.has_data else "no_data",
        "reason": row.reason,
        "achieved_percent": _percent(row.achieved),
        "evaluations": row.stats.evaluations if row.stats else None,
        "evaluation_interval_seconds": row.interval_seconds or None,
        "covered_since": iso(row.stats.first) if row.stats and row.stats.first is not None else None,
        "covered_minutes": _round(row.covered_minutes),
        "coverage_percent": _percent(None if row.covered_minutes is None else row.covered_minutes / row.window_minutes,
                                     2),
        "budget_spent_minutes": _round(row.spent_minutes),
        "budget_remaining_minutes": _round(row.remaining_minutes),
        "budget_remaining_percent": _percent(row.remaining_ratio, 2),
        "spent_by": [{"component": c.component, "downtime_minutes": round(c.downtime_minutes, 2)}
                     for c in row.spent_by],
        "notes": list(row.notes),
    }


def to_json(report: Report) -> str:
    goals: list[dict] = []
    for row in report.rows:
        if not goals or goals[-1]["goal"] != row.goal.name:
            goals.append({"goal": row.goal.name, "scope": row.goal.scope,
                          "target_percent": row.goal.target_percent,
                          "window": row.window, "window_minutes": _round(row.window_minutes),
                          "budget_allowed_minutes": _round(row.allowed_minutes), "subjects": []})
        goals[-1]["subjects"].append(_subject_json(row))
    doc = {"prometheus": report.prometheus, "at": iso(report.at), "window": report.window_override,
           "top": report.top, "goals": goals, "notes": list(report.notes)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("goal", "subject", "subject_kind", "target_percent", "window", "status", "achieved_percent",
               "coverage_percent", "covered_since", "budget_allowed_minutes", "budget_spent_minutes",
               "budget_remaining_minutes", "budget_remaining_percent", "spent_by", "reason")


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        s = _subject_json(row)
        writer.writerow(["" if v is None else v for v in (
            row.goal.name, row.subject, row.kind, row.goal.target_percent, row.window, s["status"],
            s["achieved_percent"], s["coverage_percent"], s["covered_since"], _round(row.allowed_minutes),
            s["budget_spent_minutes"], s["budget_remaining_minutes"], s["budget_remaining_percent"],
            ";".join(f"{c['component']}={c['downtime_minutes']}" for c in s["spent_by"]), row.reason)])
    return buf.getvalue()


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def to_table(report: Report) -> str:
    from rich.console import Console
    from rich.table import Table

    window = f", every goal over {report.window_override}" if report.window_override else ""
    table = Table()
    for column in ("goal", "subject", "target", "window", "achieved", "coverage", "allowed", "spent", "remaining"):
        table.add_column(column, justify="left" if column in ("goal", "subject") else "right")
    table.add_column(f"spent by (top {report.top})")
    for row in report.rows:
        subject = f"{row.subject}" if row.kind == "service" else f"{row.subject} ({row.kind.replace('_', ' ')})"
        target = f"{decimal_text(Decimal(str(row.goal.target_percent)))}%"
        if not row.has_data:
            table.add_row(row.goal.name, subject, target, row.window, "no data", "-", _minutes(row.allowed_minutes),
                          "-", "-", "")
            continue
        coverage = row.covered_minutes / row.window_minutes if row.covered_minutes is not None else 0
        since = f" since {iso(row.stats.first)}" if row.stats and row.stats.first is not None else ""
        remaining = f"{_minutes(row.remaining_minutes)} ({(row.remaining_ratio or 0) * 100:.1f}%)"
        table.add_row(row.goal.name, subject, target, row.window, f"{(row.achieved or 0) * 100:.4f}%",
                      f"{coverage * 100:.1f}%{since}", _minutes(row.allowed_minutes), _minutes(row.spent_minutes),
                      remaining, ", ".join(f"{c.component} {c.downtime_minutes:.1f} min" for c in row.spent_by))
    buf = io.StringIO()
    console = Console(file=buf, width=220, force_terminal=False, color_system=None)
    console.print(f"Availability goals at {iso(report.at)} from {report.prometheus}{window}", highlight=False,
                  markup=False)
    console.print(table)
    for row in report.rows:
        for text in ([row.reason] if row.reason else []) + list(row.notes):
            console.print(f"{row.goal.name} / {row.subject}: {text}", highlight=False, markup=False)
    for note in report.notes:
        console.print(note, highlight=False, markup=False)
    for line in ("achieved: good SLI evaluations / evaluations recorded in the window; coverage: their share of the "
                 "window (the rules record from when they are loaded; backfill: promtool tsdb create-blocks-from rules)",
                 "allowed = window x (1 - target); spent = covered x (1 - achieved); a component's minutes are its "
                 "own downtime, shared outages count for each"):
        console.print(line, highlight=False, markup=False)
    return buf.getvalue()


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "table":
        return to_table(report)
    raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
