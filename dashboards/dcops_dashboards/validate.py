"""The shape every rendered dashboard must have before it is written, checked on its JSON.

The SDK types each field, but not the dashboard as a whole: Grafana itself accepts overlapping
panels, duplicate ids (it renumbers them on save, which breaks provisioned links), a target
without a query, or a `$variable` nobody defines (the query then fails at view time). This
module finds those, each problem naming the dashboard, the panel id and title:

- every panel that queries (not rows, not text) uses the dashboard's Prometheus datasource
  variable and has targets, each with a non-empty `expr` and a refId unique in the panel;
- every `$name` in a query is a template variable of the dashboard or one of Grafana's own;
- panel ids are unique positive integers, over rows and the panels inside them;
- grid positions lie within the 24 columns and do not overlap: the top-level panels among
  themselves, and the panels of each collapsed row among themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from dcops_dashboards.context import DATASOURCE_VARIABLE

GRID_COLUMNS = 24
GRAFANA_VARIABLES = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms"}
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
NO_QUERY_TYPES = ("row", "text")


def all_panels(dashboard: dict) -> Iterator[dict]:
    """Every panel in order, rows and the panels inside collapsed rows included."""
    for panel in dashboard.get("panels") or []:
        yield panel
        yield from panel.get("panels") or []


def panel_count(dashboard: dict) -> int:
    """Panels a reader sees (rows are headings, not panels)."""
    return sum(1 for p in all_panels(dashboard) if p.get("type") != "row")


def queries(dashboard: dict) -> Iterator[tuple[dict, dict]]:
    """(panel, target) for every target of every panel."""
    for panel in all_panels(dashboard):
        for target in panel.get("targets") or []:
            yield panel, target


def variables_in(expr: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in VARIABLE.finditer(expr)}


def _overlaps(panels: list[dict], where: str, name: Callable[[dict], str]) -> list[str]:
    problems = []
    boxes: list[tuple[dict, tuple[int, int, int, int]]] = []
    for panel in panels:
        pos = panel.get("gridPos") or {}
        values = [v for v in (pos.get(k) for k in ("x", "y", "w", "h")) if isinstance(v, int)]
        if len(values) != 4:
            problems.append(f"{name(panel)}: gridPos {pos} needs integer x, y, w, h")
            continue
        x, y, w, h = values
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > GRID_COLUMNS:
            problems.append(f"{name(panel)}: gridPos {pos} is outside the {GRID_COLUMNS}-column grid")
        for other, (ox, oy, ow, oh) in boxes:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                problems.append(f"{name(panel)}: gridPos {pos} overlaps {name(other)}{where}")
        boxes.append((panel, (x, y, w, h)))
    return problems


def check_dashboard(dashboard: dict) -> list[str]:
    """Every problem of one dashboard's JSON, as `<uid>: panel <id> '<title>': reason`; [] when sound."""
    uid = dashboard.get("uid") or "<no uid>"

    def name(panel: dict) -> str:
        return f"{uid}: panel {panel.get('id')} {panel.get('title', '')!r}"

    problems = [] if dashboard.get("title") else [f"{uid}: the dashboard has no title"]
    defined = {v.get("name") for v in (dashboard.get("templating") or {}).get("list") or []}
    if DATASOURCE_VARIABLE not in defined:
        problems.append(f"{uid}: no {DATASOURCE_VARIABLE!r} template variable")
    seen: dict[int, dict] = {}
    for panel in all_panels(dashboard):
        pid = panel.get("id")
        if not isinstance(pid, int) or pid < 1:
            problems.append(f"{name(panel)}: id must be a positive integer")
        elif pid in seen:
            problems.append(f"{name(panel)}: id {pid} is also {seen[pid].get('title', '')!r}'s")
        else:
            seen[pid] = panel
        if panel.get("type") in NO_QUERY_TYPES:
            if panel.get("type") == "text" and not (panel.get("options") or {}).get("content"):
                problems.append(f"{name(panel)}: a text panel without content")
            continue
        source = panel.get("datasource") or {}
        if source.get("type") != "prometheus" or source.get("uid") != f"${{{DATASOURCE_VARIABLE}}}":
            problems.append(f"{name(panel)}: datasource {source} is not the ${{{DATASOURCE_VARIABLE}}} Prometheus")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{name(panel)}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or not all(refs):
            problems.append(f"{name(panel)}: refIds {refs} must be present and unique")
        for target in targets:
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{name(panel)}: target {target.get('refId')} has no expr")
                continue
            unknown = variables_in(expr) - defined - GRAFANA_VARIABLES
            if unknown:
                problems.append(f"{name(panel)}: target {target.get('refId')} uses undefined "
                                f"${', $'.join(sorted(unknown))}")
    top = dashboard.get("panels") or []
    problems += _overlaps(top, "", name)
    for row in top:
        if row.get("type") == "row" and row.get("panels"):
            problems += _overlaps(row["panels"], f" (in row {row.get('title', '')!r})", name)
    return problems
